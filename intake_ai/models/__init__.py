"""The module's tables. Importing this package registers all of them on ``Base.metadata``."""

from intake_ai.models.audit import AuditRecord, DrainedSegment
from intake_ai.models.clients import CareAssignment, Client, ConsentState, Encounter, EncounterKind
from intake_ai.models.drafts import Draft
from intake_ai.models.exports import ExportJob
from intake_ai.models.logins import LoginSession, LoginThrottle, RecoveryCode, SecondFactor
from intake_ai.models.smart_clients import SmartClient, UsedAssertion
from intake_ai.models.store import StoredResource
from intake_ai.models.users import ApiToken, Role, Supervision, User

__all__ = [
    "ApiToken",
    "AuditRecord",
    "CareAssignment",
    "Client",
    "ConsentState",
    "Draft",
    "DrainedSegment",
    "Encounter",
    "EncounterKind",
    "ExportJob",
    "LoginSession",
    "LoginThrottle",
    "RecoveryCode",
    "Role",
    "SecondFactor",
    "SmartClient",
    "StoredResource",
    "Supervision",
    "UsedAssertion",
    "User",
]
