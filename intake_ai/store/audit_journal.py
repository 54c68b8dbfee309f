"""A durable write-behind journal for the audit entries of reads.

A read's entry is appended to this process's journal file and fsync'd before the read is
answered, so that every answered read is on disk; fsyncs are shared (group commit): while
one runs, the entries that arrive wait for the next, so a busy server makes one fsync per
group, not per read. A background thread then moves the entries into ``intake_audit`` in
batches, off the readers' path: on SQLite a reader never waits on the single writer.

Files, one folder per database: ``active-<pid>-<uuid>.log`` is a process's open journal,
locked (``flock``) for as long as the process lives; draining renames it to
``ready-….log`` and opens a new one. A segment's entries and its name in
``intake_audit_drained`` commit in one transaction, then the file is removed, so a drain
cut short anywhere is redone once, never twice. Any process drains every unlocked file it
finds (those of a process that died, even by kill -9) on its first use and then on every pass.
A line without its newline was being written when the process died; that read was never
answered, and the line is skipped.

What makes the fsync cheap: a segment is created filled with zeros and synced before any
reader writes to it (by the drain thread, which opens the next segment when it takes the
current one), and entries overwrite those zeros in place. A reader's sync then only flushes
the data (``fdatasync``): the file's size and blocks do not change, so the file system has
no metadata to commit, which for a file growing by appends cost every sync a journal
commit (and each new segment a folder sync, on the reader's path). The zeros after the
last line are not entries; a segment that fills up grows by appends as before.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from intake_ai.models import AuditRecord
from intake_ai.models.audit import DrainedSegment
from intake_ai.store.database import utcnow

log = logging.getLogger(__name__)

_INSERT = insert(AuditRecord)
#: A drained segment's name is kept this long: only a drain that had already opened the
#: file before it was removed can still ask for it.
_KEEP_NAMES = timedelta(minutes=10)
#: A segment's size as created (zeros): room for about 800 entries, a drain interval's
#: worth at 4,000 reads a second.
SEGMENT_BYTES = 256 * 1024
_sync_data = getattr(os, "fdatasync", os.fsync)  # fdatasync is Linux's; fsync elsewhere


def _encode(values: dict[str, Any]) -> bytes:
    return (
        json.dumps({**values, "recorded": values["recorded"].isoformat()}, separators=(",", ":"))
        + "\n"
    ).encode()


def _decode(line: bytes) -> dict[str, Any]:
    values: dict[str, Any] = json.loads(line)
    values["recorded"] = datetime.fromisoformat(values["recorded"])
    return values


class Journal:
    """One process's journal of read audits in ``folder``, drained into ``engine``'s table."""

    def __init__(self, folder: Path, engine: Engine, drain_seconds: float) -> None:
        self.folder = folder
        self.engine = engine
        self.drain_seconds = drain_seconds
        self._lock = threading.Condition()
        self._drain_lock = threading.Lock()
        self._pid = -1
        self._fd = -1
        self._path: Path | None = None
        self._offset = 0  # where the next entry goes in the open segment
        # Counts since the process began (never reset, so a waiting reader's number holds).
        self._written = 0  # entries written
        self._synced = 0  # of them, fsync'd
        self._file_start = 0  # entries written before the open file
        self._syncing = False
        self._failed = False
        self._drainer: threading.Thread | None = None
        self._stop = threading.Event()

    # Appending -------------------------------------------------------------------------

    def append(self, values: dict[str, Any]) -> None:
        """Write one entry and return once it is on disk.

        The first waiting writer fsyncs for every entry written so far, the others wait
        for it (group commit without a flusher thread: no hand-off between threads, which
        under the GIL cost more than the fsync).
        """
        line = _encode(values)
        with self._lock:
            self._ensure_open()
            os.pwrite(self._fd, line, self._offset)  # one write of one line, under the lock
            self._offset += len(line)
            self._written += 1
            mine = self._written
            while self._synced < mine:
                if self._failed:
                    raise OSError("the read-audit journal cannot be written")
                if self._syncing:
                    self._lock.wait(1.0)
                    continue
                self._sync_for_all()

    def _sync_for_all(self) -> None:
        """fsync what is written, outside the lock (called and returning with it held)."""
        self._syncing = True
        target, fd = self._written, self._fd
        self._lock.release()
        synced = False
        try:
            _sync_data(fd)  # entries arriving meanwhile form the next group
            synced = True
        except OSError:
            # The disk failed: no read may be answered as if its entry were on file.
            log.exception("could not fsync the read-audit journal")
        finally:
            self._lock.acquire()
            self._syncing = False
            if synced:
                self._synced = max(self._synced, target)
            else:
                self._failed = True
            self._lock.notify_all()

    def _ensure_open(self) -> None:
        if self._pid != os.getpid():  # first use, or a forked worker: a journal of its own
            self._pid = os.getpid()
            self._fd = -1
            self._written = self._synced = self._file_start = 0
            self._syncing = False
            self._stop = threading.Event()
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if self.drain_seconds > 0:
                self._drainer = threading.Thread(target=self._drain_loop, daemon=True)
                self._drainer.start()
        if self._fd < 0:  # first use: an empty file, so the first read waits for no zeros;
            # later segments are made by the drain, zeros and all
            self._fd, self._path = self._new_segment(SEGMENT_BYTES if self._file_start else 0)
            self._offset = 0

    def _new_segment(self, size: int = SEGMENT_BYTES) -> tuple[int, Path]:
        """A segment of ``size`` zeros on disk, locked by this process and named as its journal.

        Locked under a name no drain looks at, then named: a drain (this process's or
        another's) can never take a journal that is being opened.
        """
        name = f"active-{os.getpid()}-{uuid.uuid4().hex}"
        opening = self.folder / f"{name}.opening"
        fd = os.open(opening, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if size:
                os.write(fd, bytes(size))  # written, not sparse: no allocation later
                os.fsync(fd)
            path = self.folder / f"{name}.log"
            os.rename(opening, path)
            self._fsync_folder()
        except BaseException:
            os.close(fd)
            raise
        return fd, path

    def _fsync_folder(self) -> None:
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    # Draining --------------------------------------------------------------------------

    def _rotate(self, reopen: bool) -> None:
        """Close the open file once all of it is on disk, and mark it ready to drain; with
        ``reopen``, the next segment is made first, here, so no reader waits for one."""
        with self._lock:
            if self._fd < 0 or self._pid != os.getpid() or self._written == self._file_start:
                return
        spare = self._new_segment() if reopen else None
        with self._lock:
            while self._synced < self._written or self._syncing:
                self._lock.wait(1.0)
            assert self._path is not None
            ready = self._path.with_name(self._path.name.replace("active-", "ready-", 1))
            os.rename(self._path, ready)  # still locked by us until closed
            os.close(self._fd)
            self._fd, self._path = spare if spare is not None else (-1, None)
            self._offset = 0
            self._file_start = self._written

    def drain(self, reopen: bool = True) -> int:
        """Move every entry on file here into the table; the number moved."""
        with self._drain_lock:
            self._rotate(reopen)
            moved = 0
            for path in sorted(self.folder.glob("*.log")) if self.folder.is_dir() else []:
                if path == self._path:  # this process's open journal
                    continue
                moved += self._drain_file(path)
            return moved

    def _drain_file(self, path: Path) -> int:
        with _locked(path) as fd:
            if fd is None:  # a live process's open journal, or gone
                return 0
            with os.fdopen(os.dup(fd), "rb") as file:
                data = file.read()
            # The segment's unused zeros are no entry; the last piece lacks its newline: its
            # read was never answered.
            lines = data.rstrip(b"\0").split(b"\n")[:-1]
            entries = [_decode(line) for line in lines if line]
            with self.engine.begin() as connection:
                done = connection.scalar(
                    select(DrainedSegment.segment).where(DrainedSegment.segment == path.stem)
                )
                if done is None:
                    if entries:
                        connection.execute(_INSERT, entries)
                    connection.execute(
                        insert(DrainedSegment).values(segment=path.stem, drained=utcnow())
                    )
                connection.execute(
                    delete(DrainedSegment).where(DrainedSegment.drained < utcnow() - _KEEP_NAMES)
                )
            path.unlink(missing_ok=True)
            return 0 if done is not None else len(entries)

    def _drain_loop(self) -> None:
        pid = os.getpid()
        while not self._stop.wait(self.drain_seconds):
            if self._pid != pid:
                return
            try:
                self.drain()
            except Exception:  # noqa: BLE001 - the database is away; the entries stay on disk
                log.exception("could not drain the read-audit journal; will retry")

    def close(self) -> None:
        """Stop the threads and drain what is on file (a clean shutdown)."""
        self._stop.set()
        drainer = self._drainer
        if drainer is not None and drainer is not threading.current_thread():
            drainer.join(timeout=10)  # a pass under way may have opened a fresh segment
        self.drain(reopen=False)
        with self._lock:
            if self._fd >= 0 and self._written == self._file_start and self._path is not None:
                self._path.unlink(missing_ok=True)  # an empty segment: nothing to keep
                os.close(self._fd)
                self._fd, self._path = -1, None
            self._lock.notify_all()


@contextmanager
def _locked(path: Path) -> Iterator[int | None]:
    """``path`` opened and locked by us, or None if another process holds it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield None
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        # Removed by another drain between our open and our lock: nothing left to do.
        yield None if os.fstat(fd).st_nlink == 0 else fd
    finally:
        os.close(fd)
