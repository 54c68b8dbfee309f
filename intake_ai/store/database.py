"""The module's declarative base and access to the session it shares with its host.

The tables sit on their own ``MetaData`` (all prefixed ``intake_``) so that a host EHR's
Flask-SQLAlchemy instance can carry them without the module creating a second
``SQLAlchemy()`` on the same app; queries go through the host's session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite would hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def session() -> Session:
    """The session of the Flask-SQLAlchemy instance the module was mounted with."""
    return current_app.extensions["intake_ai"].db.session


def engine() -> Engine:
    return current_app.extensions["intake_ai"].db.engine


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work: commit once at the end, roll back everything on any error.

    Two writers storing the same version of a record at once break the store's unique
    (type, id, version) constraint; that surfaces as ``Conflict``, never as a crash.
    """
    db_session = session()
    try:
        yield db_session
        db_session.commit()
    except IntegrityError as error:
        db_session.rollback()
        if _is_version_clash(error):
            from intake_ai.errors import Conflict

            raise Conflict(
                "Someone else saved this record at the same time; reload it and try again."
            ) from error
        raise
    except BaseException:
        db_session.rollback()
        raise


def _is_version_clash(error: IntegrityError) -> bool:
    text = str(error.orig).lower()
    return (
        "unique" in text
        and "intake_resource" in text
        and "version_id" in text
        or "uq_intake_resource_resource_type_resource_id_version_id" in text
    )
