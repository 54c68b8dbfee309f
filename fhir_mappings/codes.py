"""Every code system URI and standard code the module uses, defined once."""

from __future__ import annotations

from typing import Any

#: Canonical base of everything the module defines (CodeSystem, ValueSet, Questionnaire,
#: StructureDefinition, OperationDefinition).
CANONICAL_BASE = "http://intake-ai.org/fhir"

LOCAL_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/ai-use"
LOCAL_CODESYSTEM_ID = "ai-use"
EXTENSION_BASE = f"{CANONICAL_BASE}/StructureDefinition"

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
DATA_ABSENT_EXTENSION = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_CATEGORY = "http://terminology.hl7.org/CodeSystem/consentcategorycodes"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
V3_ROLE_CLASS = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
ENCOUNTER_CLASS = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
AUDIT_EVENT_SUBTYPE = "http://hl7.org/fhir/restful-interaction"
AUDIT_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
SECURITY_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
PROVENANCE_AGENT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
SDC_OBSERVATION_EXTRACT = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationExtract"
)
SDC_PREFERRED_TERMINOLOGY_SERVER = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-preferredTerminologyServer"
)
#: SDC: the Observation.category of what an item (or the whole Questionnaire) extracts.
SDC_OBSERVATION_EXTRACT_CATEGORY = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observation-extract-category"
)
QUESTIONNAIRE_HIDDEN = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
MAX_DECIMAL_PLACES = "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces"
FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"
FLAG_PRIORITY = "http://hl7.org/fhir/StructureDefinition/flag-priority"
FLAG_PRIORITY_SYSTEM = "http://hl7.org/fhir/flag-priority-code"
#: A text's translation into another language, on the text's primitive extension (``_text``).
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"

#: Local extensions (their meaning is documented in the README).
EXT_ITEM_SOURCE = f"{EXTENSION_BASE}/item-source"
#: On a response item: who gave this answer, when it is not the response's author (the
#: client, through their check-in, reviewed and kept by the clinician who saved).
EXT_ANSWER_SOURCE = f"{EXTENSION_BASE}/answer-source"
EXT_FLAG_ACK = f"{EXTENSION_BASE}/flag-acknowledgement"
EXT_ANNOTATION_SHARED = f"{EXTENSION_BASE}/annotation-shared-for-supervision"
EXT_ENTERED_IN_ERROR_REASON = f"{EXTENSION_BASE}/entered-in-error-reason"
#: Why a clinician edited a stored response: on the version the edit created.
EXT_CHANGE_REASON = f"{EXTENSION_BASE}/change-reason"

#: Resource types the module stores and serves.
SERVED_RESOURCE_TYPES = (
    "Patient",
    "Practitioner",
    "Encounter",
    "Questionnaire",
    "QuestionnaireResponse",
    "Observation",
    "Consent",
    "Flag",
    "CodeSystem",
    "ValueSet",
    "StructureDefinition",
    "OperationDefinition",
    "AuditEvent",
    "Provenance",
)

#: Resource types served but never stored: built on read from the directory (a Group is
#: a clinician's caseload, or the practice, as the care assignments stand).
BUILT_ON_READ_TYPES = ("Group",)
#: Every resource type the API answers for, stored or built.
API_RESOURCE_TYPES = SERVED_RESOURCE_TYPES + BUILT_ON_READ_TYPES

#: Definitional resources: no subject, readable by any authenticated API client.
DEFINITIONAL_TYPES = frozenset(
    {"Questionnaire", "CodeSystem", "ValueSet", "StructureDefinition", "OperationDefinition"}
)


def translated(language: str, content: str) -> dict[str, Any]:
    """The ``_element`` of a text carrying its translation (the core translation extension)."""
    return {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": language},
                    {"url": "content", "valueString": content},
                ],
            }
        ]
    }


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    """A CodeableConcept with one coding; ``text`` repeats the display for people."""
    result: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if display:
        result["text"] = display
    return result


def local(code: str, display: str | None = None) -> dict[str, Any]:
    return concept(LOCAL_SYSTEM, code, display)


CATEGORY_SURVEY = concept(OBSERVATION_CATEGORY, "survey", "Survey")
CATEGORY_SOCIAL_HISTORY = concept(OBSERVATION_CATEGORY, "social-history", "Social History")

#: Clinical resources carry these: psychiatry-related, restricted confidentiality.
SENSITIVE_SECURITY = [
    coding(ACT_CODE, "PSY", "psychiatry disorder information sensitivity"),
    coding(CONFIDENTIALITY, "R", "restricted"),
]

DECLINED = coding(DATA_ABSENT_REASON, "asked-declined", "Asked But Declined")
#: An answer that exists but is withheld from this reader (data-absent-reason "masked").
MASKED = coding(DATA_ABSENT_REASON, "masked", "Masked")
#: meta.security of a copy served with parts withheld (FHIR security labels: REDACTED).
REDACTED = coding(
    "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "REDACTED", "redacted"
)
#: meta.tag of a copy that holds only some elements (_elements, _summary), as FHIR asks.
SUBSETTED = coding(
    "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "SUBSETTED", "subsetted"
)

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
LOINC = "http://loinc.org"
