"""An upload opened as the byte stream of its conversations: a data export's ``.zip`` or
its ``conversations.json`` itself. Pure: no Flask, no database, nothing written to disk.

Exports are opened in place and never extracted, so a member's name can lead nowhere;
names that would (absolute, ``..``) are refused anyway, since no honest export has them.
Sizes are bounded twice: by what the archive declares (uncompressed size, compression
ratio) and by what is actually read (``BoundedStream``), since a declaration can lie.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

#: The largest conversations.json read (uncompressed). The exports seen in practice are
#: hundreds of MB at most; reading 1 GiB takes under a minute.
MAX_JSON_BYTES = 1 << 30
#: A deflated JSON export shrinks 5-20 times; far beyond that it is a zip bomb.
MAX_RATIO = 100
#: An export holds a handful of files plus the images of its conversations.
MAX_MEMBERS = 50_000
#: The longest run of bytes the JSON parser may read without finishing a token. The
#: parser holds an unfinished token (a string, a number) whole in memory, so this bounds
#: what one hostile token costs; no chat message comes near it.
MAX_TOKEN_BYTES = 16 << 20
#: Time allowed for reading one export (a 500 MB one takes well under a minute).
MAX_SECONDS = 180.0
#: The file both providers keep the conversations in.
CONVERSATIONS = "conversations.json"

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class RefusedExport(ValueError):
    """The upload is not an export this module reads; the message says why, for people."""


class BoundedStream:
    """A binary stream read to at most ``limit`` bytes, ``MAX_TOKEN_BYTES`` past the last
    ``mark`` (the parser marks each token it finishes) and ``MAX_SECONDS`` from its opening."""

    def __init__(self, raw: IO[bytes], limit: int, seconds: float = MAX_SECONDS) -> None:
        self._raw = raw
        self._limit = limit
        self._deadline = time.monotonic() + seconds
        self.total = 0
        self.mark = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.total += len(data)
        if self.total > self._limit:
            raise RefusedExport(
                f"The conversations file is larger than {self._limit // (1 << 20)} MB, "
                "so it was not read."
            )
        if self.total - self.mark > MAX_TOKEN_BYTES:
            raise RefusedExport(
                "The conversations file holds a single value larger than "
                f"{MAX_TOKEN_BYTES >> 20} MB: not an export this page reads."
            )
        if time.monotonic() > self._deadline:
            raise RefusedExport("Reading the export took too long, so it was stopped.")
        return data


def _unsafe(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or ".." in parts
        or "\x00" in name
    )


def conversations_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The archive's conversations.json (at its root or in one top folder), checked."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise RefusedExport(f"The archive holds more than {MAX_MEMBERS} files: not an export.")
    unsafe = [m for m in members if _unsafe(m.filename)]
    if unsafe:
        raise RefusedExport(
            "The archive names files outside itself (an absolute path or '..'): refused."
        )
    found = [
        m
        for m in members
        if not m.is_dir()
        and m.filename.rsplit("/", 1)[-1] == CONVERSATIONS
        and m.filename.count("/") <= 1
    ]
    if not found:
        raise RefusedExport(
            f"The archive has no {CONVERSATIONS}: it is not a ChatGPT or Claude data export."
        )
    if len(found) > 1:
        raise RefusedExport(f"The archive holds more than one {CONVERSATIONS}: refused.")
    member = found[0]
    if member.flag_bits & 0x1:
        raise RefusedExport("The archive is encrypted: export it again without a password.")
    if member.file_size > MAX_JSON_BYTES:
        raise RefusedExport(
            f"{CONVERSATIONS} is larger than {MAX_JSON_BYTES >> 20} MB, so it was not read."
        )
    if member.file_size > (1 << 20) and member.file_size > MAX_RATIO * max(member.compress_size, 1):
        raise RefusedExport(
            f"{CONVERSATIONS} would grow more than {MAX_RATIO} times when unpacked: "
            "a compressed bomb, not an export."
        )
    return member


@contextmanager
def conversations_stream(upload: IO[bytes]) -> Iterator[BoundedStream]:
    """The conversations JSON of ``upload`` (a seekable binary file), as a bounded stream."""
    head = upload.read(4)
    upload.seek(0)
    if head in _ZIP_MAGIC:
        try:
            archive = zipfile.ZipFile(upload)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise RefusedExport("The .zip file is damaged and cannot be opened.") from error
        with archive:
            member = conversations_member(archive)
            try:
                opened = archive.open(member)
            except (NotImplementedError, RuntimeError, zipfile.BadZipFile) as error:
                raise RefusedExport(
                    f"{CONVERSATIONS} is packed in a way this page cannot read."
                ) from error
            with opened:
                # Read no more than declared: a member that inflates past its header lies.
                yield BoundedStream(opened, min(member.file_size, MAX_JSON_BYTES))
        return
    first = upload.read(64).lstrip(b" \t\r\n")[:1]
    upload.seek(0)
    if first not in (b"[", b"{"):
        raise RefusedExport("This file is neither a .zip data export nor its conversations.json.")
    yield BoundedStream(upload, MAX_JSON_BYTES)
