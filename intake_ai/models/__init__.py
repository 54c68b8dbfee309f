"""The module's tables. Importing this package registers all of them on ``Base.metadata``."""

from intake_ai.models.audit import AuditRecord, DrainedSegment
from intake_ai.models.cds import UsedCdsToken
from intake_ai.models.checkins import CheckIn, CheckInExport, CheckInProposal, CheckInThrottle
from intake_ai.models.clients import CareAssignment, Client, ConsentState, Encounter, EncounterKind
from intake_ai.models.drafts import Draft
from intake_ai.models.exports import ExportJob
from intake_ai.models.feedback import FeedbackNote
from intake_ai.models.languages import ClientLanguage
from intake_ai.models.logins import LoginSession, LoginThrottle, RecoveryCode, SecondFactor
from intake_ai.models.provenance import ProvenanceTarget
from intake_ai.models.smart_clients import SmartClient, UsedAssertion
from intake_ai.models.store import StoredResource
from intake_ai.models.users import ApiToken, Role, Supervision, User

__all__ = [
    "ApiToken",
    "AuditRecord",
    "CareAssignment",
    "CheckIn",
    "CheckInExport",
    "CheckInProposal",
    "CheckInThrottle",
    "Client",
    "ClientLanguage",
    "ConsentState",
    "Draft",
    "DrainedSegment",
    "Encounter",
    "EncounterKind",
    "ExportJob",
    "FeedbackNote",
    "LoginSession",
    "LoginThrottle",
    "ProvenanceTarget",
    "RecoveryCode",
    "Role",
    "SecondFactor",
    "SmartClient",
    "StoredResource",
    "Supervision",
    "UsedAssertion",
    "UsedCdsToken",
    "User",
]
