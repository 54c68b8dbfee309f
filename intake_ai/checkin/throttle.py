"""How often check-in pages may be asked for: per link tried (known or not) and per address.

Counted in fixed windows, on a connection of its own, so a refused or rolled-back request
still counts and every worker process sees the same counts. Someone guessing links runs
into the address limit long before a guess could succeed (a link has 256 random bits).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from intake_ai.models import CheckInThrottle
from intake_ai.store.database import engine, utcnow

WINDOW = timedelta(minutes=10)
#: Requests in a window for one link: opening, switching language, fixing an answer.
PER_LINK = 20
#: Requests in a window from one address, links known or not.
PER_ADDRESS = 60
KEY_LENGTH = 80


def _hit(connection: Connection, kind: str, key: str, now: datetime) -> int:
    counter = CheckInThrottle
    row = connection.execute(
        select(counter.id, counter.window_start, counter.hits).where(
            counter.kind == kind, counter.key == key
        )
    ).first()
    if row is None:
        connection.execute(insert(counter).values(kind=kind, key=key, window_start=now, hits=1))
        return 1
    if now - row.window_start >= WINDOW:
        connection.execute(
            update(counter).where(counter.id == row.id).values(window_start=now, hits=1)
        )
        return 1
    connection.execute(update(counter).where(counter.id == row.id).values(hits=counter.hits + 1))
    return int(row.hits) + 1


def allowed(link_hash: str, address: str | None, now: datetime | None = None) -> bool:
    """Count this request; False if the link or the address is over its limit."""
    now = now or utcnow()
    keys = [("link", link_hash[:KEY_LENGTH], PER_LINK)]
    if address:
        keys.append(("address", address[:KEY_LENGTH], PER_ADDRESS))
    for attempt in range(2):
        try:
            with engine().begin() as connection:
                counts = [(_hit(connection, kind, key, now), limit) for kind, key, limit in keys]
                connection.execute(
                    delete(CheckInThrottle).where(CheckInThrottle.window_start < now - WINDOW * 6)
                )
            return all(count <= limit for count, limit in counts)
        except IntegrityError:
            if attempt == 1:  # two first requests at once, twice: let the next one decide
                raise
    return False
