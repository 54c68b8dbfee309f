"""The files the standalone app keeps beside its code: the SQLite database and the
generated secret key. Both are readable by the server's own user only (mode 0600): one
signs every sign-in, the other holds the clinical records.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

#: Files only the server's own user may read: they hold the signing key or the records.
OWNER_ONLY = 0o600


def _create_owner_only(path: Path, content: bytes = b"") -> bool:
    """Create ``path`` readable by its owner only, whatever the umask; False if it exists.

    Created with that mode in one step (never briefly readable by others), and exclusively,
    so two workers starting at once cannot both write it.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, OWNER_ONLY)  # the umask may have narrowed the mode; never widen it
        os.write(fd, content)
    finally:
        os.close(fd)
    return True


def _tighten(path: Path) -> None:
    """An existing file, perhaps made by an older version: owner only, if we own it."""
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(OWNER_ONLY)
    except OSError:
        pass  # not ours to change (the operator chose its permissions)


def instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, so sign-ins survive a restart."""
    path = instance / "secret_key"
    if not _create_owner_only(path, secrets.token_hex(32).encode()):
        _tighten(path)
    return path.read_text().strip()


def owner_only_sqlite_file(url: str) -> None:
    """Create the SQLite file before SQLAlchemy does, readable by its owner only.

    SQLite gives its -wal and -shm files the database file's permissions, so they follow.
    """
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return
    if database.startswith("file:") or parsed.query.get("mode") == "memory":
        return
    path = Path(database)
    if path.parent.is_dir() and not _create_owner_only(path):
        _tighten(path)
