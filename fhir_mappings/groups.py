"""Group: a clinician's caseload, or the whole practice, as a list of Patient references.

Groups are built on read from the care assignments, never stored, so they are always
current and a change of clinician needs no second write (see ``intake_ai/fhir_api/groups.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: The id of the practice's Group (every client); caseloads are ``caseload-<user id>``.
PRACTICE_GROUP_ID = "practice"
CASELOAD_PREFIX = "caseload-"


def caseload_group_id(clinician_id: int) -> str:
    return f"{CASELOAD_PREFIX}{clinician_id}"


def clinician_of(group_id: str) -> int | None:
    """The clinician whose caseload a Group id names (None: the practice, or no such id)."""
    number = group_id.removeprefix(CASELOAD_PREFIX)
    if number == group_id or not number.isdigit() or number.startswith("0"):
        return None
    return int(number)


def group_resource(
    group_id: str, name: str, member_ids: Sequence[int], clinician_id: int | None = None
) -> dict[str, Any]:
    """An actual Group of persons; ``clinician_id`` names who manages a caseload."""
    resource: dict[str, Any] = {
        "resourceType": "Group",
        "id": group_id,
        "active": True,
        "type": "person",
        "actual": True,
        "name": name,
        "quantity": len(member_ids),
    }
    if clinician_id is not None:
        resource["managingEntity"] = {"reference": f"Practitioner/{clinician_id}"}
    if member_ids:
        resource["member"] = [{"entity": {"reference": f"Patient/{m}"}} for m in member_ids]
    return resource
