"""Versioned storage of FHIR resources: every write is a new row, reads return stored bytes.

Writers ``flush()``; the caller's unit of work commits. Two writers racing on the same
resource cannot both win: the second sees its expected version gone and gets ``Conflict``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from fhir_mappings.codes import SENSITIVE_SECURITY
from fhir_mappings.datetimes import fhir_instant
from fhir_mappings.profiles import profile_of
from fhir_mappings.search_index import index_resource
from fhir_mappings.validation import validate
from intake_ai.errors import Conflict, Gone, InvalidInput, NotFound
from intake_ai.models import StoredResource
from intake_ai.store.database import session, utcnow

#: Types whose content is clinical and carries the sensitivity labels.
SENSITIVE_TYPES = frozenset({"QuestionnaireResponse", "Observation", "Flag", "Consent"})


#: Where the session keeps the lists of ``collecting`` blocks open on it.
_COLLECTORS = "intake_ai.stored_rows"


@contextmanager
def collecting() -> Iterator[list[StoredResource]]:
    """Every row the store writes inside the block (blocks may nest; each sees its own).

    The store says what it wrote, rather than callers watching the session's events: its
    inserts are ORM bulk inserts, which no unit-of-work event reports.
    """
    open_lists = session().info.setdefault(_COLLECTORS, [])
    rows: list[StoredResource] = []
    open_lists.append(rows)
    try:
        yield rows
    finally:
        assert open_lists.pop() is rows


def _insert(values: list[dict[str, Any]]) -> list[StoredResource]:
    """Insert rows in one statement (a bulk INSERT ... RETURNING, not a unit-of-work flush:
    a form's 20-30 rows cost a third less so), as persistent objects in the given order."""
    if not values:
        return []
    returned = session().scalars(insert(StoredResource).returning(StoredResource), values)
    by_key = {(r.resource_type, r.resource_id): r for r in returned}
    rows = [by_key[(v["resource_type"], v["resource_id"])] for v in values]
    for open_list in session().info.get(_COLLECTORS, ()):
        open_list.extend(rows)
    return rows


def new_id() -> str:
    return str(uuid.uuid4())


def to_bytes(resource: dict[str, Any]) -> bytes:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode()


def to_instant(moment: datetime) -> datetime:
    """To the millisecond: the column says exactly what meta.lastUpdated says."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def load(row: StoredResource) -> dict[str, Any]:
    """The stored resource as a dict (for the module's own use; the API serves the bytes)."""
    if row.content is None:
        raise Gone(f"{row.reference} was removed")
    return json.loads(row.content)


def current(resource_type: str, resource_id: str) -> StoredResource | None:
    return (
        session()
        .scalars(
            select(StoredResource).where(
                StoredResource.resource_type == resource_type,
                StoredResource.resource_id == resource_id,
                StoredResource.is_current,
            )
        )
        .first()
    )


def require_current(resource_type: str, resource_id: str) -> StoredResource:
    row = current(resource_type, resource_id)
    if row is None:
        raise NotFound(f"{resource_type}/{resource_id} does not exist")
    if row.deleted:
        raise Gone(f"{resource_type}/{resource_id} was removed")
    return row


def version(resource_type: str, resource_id: str, version_id: int) -> StoredResource | None:
    return (
        session()
        .scalars(
            select(StoredResource).where(
                StoredResource.resource_type == resource_type,
                StoredResource.resource_id == resource_id,
                StoredResource.version_id == version_id,
            )
        )
        .first()
    )


def history(resource_type: str, resource_id: str) -> Sequence[StoredResource]:
    """Every version, newest first."""
    return (
        session()
        .scalars(
            select(StoredResource)
            .where(
                StoredResource.resource_type == resource_type,
                StoredResource.resource_id == resource_id,
            )
            .order_by(StoredResource.version_id.desc())
        )
        .all()
    )


def _stamp(resource: dict[str, Any], version_id: int, moment: datetime) -> None:
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(version_id)
    meta["lastUpdated"] = fhir_instant(moment)
    # Every resource the module produces declares the profile it follows (stamped here, so
    # no builder can forget it).
    profile = profile_of(resource)
    if profile is not None and profile not in (meta.get("profile") or []):
        meta["profile"] = [profile, *(meta.get("profile") or [])]
    if resource["resourceType"] in SENSITIVE_TYPES:
        labels = list(meta.get("security") or [])
        for label in SENSITIVE_SECURITY:
            if not any(
                have.get("system") == label["system"] and have.get("code") == label["code"]
                for have in labels
            ):
                labels.append(dict(label))
        meta["security"] = labels
    resource["meta"] = meta


def save(
    resource: dict[str, Any],
    *,
    author_id: int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
    check: bool | None = None,
    previous: StoredResource | None | bool = True,
) -> StoredResource:
    """Store a new resource (no id, or an id never used) or a new version of an existing one.

    ``expected_version``: the version the writer based its change on; if another writer got
    there first the write fails with ``Conflict`` (HTTP 412 / a message on the page).
    ``previous``: the current row the caller has just looked up (``current``), or None if
    it found none, so that it is not looked up twice; True (the default) looks it up.
    """
    moment = to_instant(now or utcnow())
    resource = dict(resource)
    resource.setdefault("id", new_id())
    kind, rid = resource["resourceType"], resource["id"]
    if isinstance(previous, bool):
        previous = current(kind, rid)
    if expected_version is not None and (
        previous is None or previous.version_id != expected_version
    ):
        raise Conflict(f"{kind}/{rid} has changed since version {expected_version} was read")
    version_id = 1 if previous is None else previous.version_id + 1
    values = row_values(resource, version_id, moment, author_id, check=check)

    db = session()
    if previous is not None:
        # Compare-and-set on the version we read: a concurrent writer makes this match nothing.
        result = db.execute(
            update(StoredResource)
            .where(StoredResource.pk == previous.pk, StoredResource.is_current)
            .values(is_current=False, superseded_at=moment)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"{kind}/{rid} was changed by someone else at the same time")
        # What the UPDATE just wrote, without marking the row changed (a second UPDATE).
        set_committed_value(previous, "is_current", False)
        set_committed_value(previous, "superseded_at", moment)
    # A concurrent writer of the same version breaks the unique constraint here or at
    # commit; the unit of work turns that into Conflict (see database.transaction).
    [row] = _insert([values])
    return row


def row_values(
    resource: dict[str, Any],
    version_id: int,
    moment: datetime,
    author_id: int | None = None,
    *,
    check: bool | None = None,
) -> dict[str, Any]:
    """The store row of one version: meta stamped, indexed, serialised once.

    Validated when ``check`` is true, or when it is None and INTAKE_AI_VALIDATE_STORED is
    set; ``check=False`` is for bulk loads of resources validated when first written.
    """
    moment = to_instant(moment)
    _stamp(resource, version_id, moment)
    if check is None:
        check = bool(current_app.config.get("INTAKE_AI_VALIDATE_STORED"))
    if check:
        issues = validate(resource)
        if issues:
            raise InvalidInput({issue.path: [issue.message] for issue in issues})
    return {
        "resource_type": resource["resourceType"],
        "resource_id": resource["id"],
        "version_id": version_id,
        "is_current": True,
        "deleted": False,
        "last_updated": moment,
        "author_id": author_id,
        "content": to_bytes(resource),
        **index_resource(resource).__dict__,
    }


def insert_new(
    resources: Iterable[dict[str, Any]],
    *,
    author_id: int | None = None,
    now: datetime | None = None,
    client_id: int | None = None,
) -> list[StoredResource]:
    """Store resources created together under ids no version exists for yet (a form's
    response and the Observations extracted from it): one statement, no per-row lookups.

    ``client_id``: the client the rows belong to when the resources do not name one (a
    Provenance, served with its targets' access rules).

    A clash with an existing id can only mean a concurrent duplicate; it fails the whole
    unit of work (IntegrityError), which is what a half-written record must never avoid.
    """
    moment = to_instant(now or utcnow())
    values = []
    for resource in resources:
        resource = dict(resource)
        resource.setdefault("id", new_id())
        row = row_values(resource, 1, moment, author_id)
        if client_id is not None:
            row["client_id"] = client_id
        values.append(row)
    return _insert(values)


def save_all(
    resources: Iterable[dict[str, Any]],
    *,
    author_id: int | None = None,
    now: datetime | None = None,
) -> list[StoredResource]:
    return [save(resource, author_id=author_id, now=now) for resource in resources]


def purge(resource_type: str, resource_id: str, *, author_id: int | None = None) -> int:
    """Remove every version for good, leaving a content-free tombstone (reads answer 410).

    The tombstone keeps the client the record belonged to (an index column, no content):
    only a caller who could have read the record is told it was removed; to everyone else
    it was never there.

    Returns how many versions were removed.
    """
    db = session()
    removed = db.execute(
        delete(StoredResource)
        .where(
            StoredResource.resource_type == resource_type,
            StoredResource.resource_id == resource_id,
        )
        .returning(StoredResource.version_id, StoredResource.client_id)
        .execution_options(synchronize_session=False)
    ).all()
    if not removed:
        raise NotFound(f"{resource_type}/{resource_id} does not exist")
    client_id = next((client for _version, client in removed if client is not None), None)
    db.expire_all()
    _insert(
        [
            {
                "resource_type": resource_type,
                "resource_id": resource_id,
                "version_id": max(version for version, _client in removed) + 1,
                "is_current": True,
                "deleted": True,
                "client_id": client_id,
                "last_updated": utcnow(),
                "author_id": author_id,
                "content": None,
            }
        ]
    )
    return len(removed)


def count_current(resource_type: str) -> int:
    return (
        session().scalar(
            select(func.count())
            .select_from(StoredResource)
            .where(
                StoredResource.resource_type == resource_type,
                StoredResource.is_current,
                StoredResource.deleted.is_(False),
            )
        )
        or 0
    )
