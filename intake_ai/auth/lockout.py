"""Throttling and locking sign-in attempts, per account name tried and per client address.

After 5 failures in a row, each further failure makes the next attempt wait longer
(2, 4, 8, 16, 32 s); the 10th locks for 15 minutes. An attempt that arrives too early is
refused with the time left, without being counted and without the password being checked,
and nobody's request waits in a worker meanwhile. Names that belong to nobody are counted
exactly like real ones, so the refusals reveal nothing about which accounts exist.

A success clears the account's count (never the address's: a valid account of one's own
must not buy more guesses at others). A quiet quarter of an hour clears both. An admin lifts
a lock early with ``unlock_account`` (``flask unlock-user NAME``) or ``unlock_address``.
"""

from __future__ import annotations

import enum
import math
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement

from intake_ai.models import LoginThrottle
from intake_ai.store.database import engine, session, utcnow

#: Failures in a row after which every further failure delays the next attempt.
FAILURES_BEFORE_DELAY = 5
#: Failures in a row that lock the account name (or address) for ``LOCK``.
FAILURES_BEFORE_LOCK = 10
LOCK = timedelta(minutes=15)
#: Failures older than this, with no lock running, are forgotten.
FORGET_AFTER = LOCK
#: Counters untouched this long are deleted (names typed once by someone guessing).
PURGE_AFTER = timedelta(days=1)
#: Longest account name kept as a key (usernames are at most 80 characters).
KEY_LENGTH = 80


class Kind(enum.StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"


def delay_after(failures: int) -> timedelta | None:
    """How long after the ``failures``-th failure in a row no attempt is heard."""
    if failures >= FAILURES_BEFORE_LOCK:
        return LOCK
    if failures >= FAILURES_BEFORE_DELAY:
        return timedelta(seconds=2 ** (failures - FAILURES_BEFORE_DELAY + 1))
    return None


def _keys(username: str, address: str | None) -> list[tuple[Kind, str]]:
    keys = [(Kind.ACCOUNT, username[:KEY_LENGTH])]
    if address:
        keys.append((Kind.ADDRESS, address[:KEY_LENGTH]))
    return keys


def _matching(keys: list[tuple[Kind, str]]) -> ColumnElement[bool]:
    return or_(
        *(and_(LoginThrottle.kind == kind.value, LoginThrottle.key == key) for kind, key in keys)
    )


def retry_after(username: str, address: str | None, now: datetime | None = None) -> int | None:
    """Seconds until an attempt for this name from this address is heard, or None if now."""
    now = now or utcnow()
    until = session().scalar(
        select(LoginThrottle.locked_until)
        .where(_matching(_keys(username, address)), LoginThrottle.locked_until > now)
        .order_by(LoginThrottle.locked_until.desc())
        .limit(1)
    )
    if until is None:
        return None
    return max(1, math.ceil((until - now).total_seconds()))


def record_failure(username: str, address: str | None, now: datetime | None = None) -> None:
    """Count a failed attempt against the name and the address, at once and on file.

    Written on its own connection: the request that failed rolls its own work back.
    """
    now = now or utcnow()
    with engine().begin() as connection:
        for kind, key in _keys(username, address):
            failures = _count(connection, kind, key, now)
            delay = delay_after(failures)
            if delay is not None:
                connection.execute(
                    update(LoginThrottle)
                    .where(LoginThrottle.kind == kind.value, LoginThrottle.key == key)
                    .values(locked_until=now + delay)
                )
        connection.execute(
            delete(LoginThrottle).where(
                LoginThrottle.last_failure_at < now - PURGE_AFTER,
                or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
            )
        )


def _count(connection: Connection, kind: Kind, key: str, now: datetime) -> int:
    """Add one failure to the counter (a fresh count after a quiet spell); the new count."""
    stale = and_(
        LoginThrottle.last_failure_at < now - FORGET_AFTER,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
    )
    bump = (
        update(LoginThrottle)
        .where(LoginThrottle.kind == kind.value, LoginThrottle.key == key)
        .values(
            failures=case((stale, 1), else_=LoginThrottle.failures + 1),
            last_failure_at=now,
        )
        .returning(LoginThrottle.failures)
    )
    for _attempt in range(2):
        failures = connection.execute(bump).scalar()
        if failures is not None:
            return int(failures)
        try:
            with connection.begin_nested():
                connection.execute(
                    insert(LoginThrottle).values(
                        kind=kind.value, key=key, failures=1, last_failure_at=now
                    )
                )
            return 1
        except IntegrityError:
            continue  # another request counted the first failure at the same moment
    return FAILURES_BEFORE_LOCK  # never reached in practice; fail closed


def clear_account(username: str) -> None:
    """After a complete sign-in: the name's count starts again (caller's transaction)."""
    session().execute(
        delete(LoginThrottle).where(
            LoginThrottle.kind == Kind.ACCOUNT.value,
            LoginThrottle.key == username[:KEY_LENGTH],
        )
    )


def unlock_account(username: str) -> bool:
    """An admin lifts the lock on an account name; True if it was delayed or locked."""
    return _unlock(Kind.ACCOUNT, username)


def unlock_address(address: str) -> bool:
    """An admin lifts the lock on a client address; True if it was delayed or locked."""
    return _unlock(Kind.ADDRESS, address)


def _unlock(kind: Kind, key: str) -> bool:
    where = and_(LoginThrottle.kind == kind.value, LoginThrottle.key == key[:KEY_LENGTH])
    locked = session().scalar(
        select(LoginThrottle.id).where(where, LoginThrottle.locked_until > utcnow())
    )
    session().execute(delete(LoginThrottle).where(where))
    return locked is not None
