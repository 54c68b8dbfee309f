"""Profiles of what the module produces, generated from the definitions, and the rule that
names the profile a stored resource declares (``profile_of``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_mappings.codes import (
    CANONICAL_BASE,
    CONSENT_SCOPE,
    EXTENSION_BASE,
    LOCAL_SYSTEM,
    LOINC,
    coding,
)
from fhir_mappings.definitions import DEFINITIONS
from fhir_mappings.definitions.model import Definition
from fhir_mappings.definitions.risk import INDICATOR, INDICATOR_REVIEW
from fhir_mappings.profiles.elements import element, reference_to, structure_definition

OBSERVATION = "ai-use-observation"
INDICATOR_PROFILE = "ai-use-dependency-indicator"
REVIEW_PROFILE = "ai-use-indicator-review"
FLAG_PROFILE = "ai-use-red-flag"
CONSENT_PROFILE = "ai-use-consent"
#: US Core 6's profile of a screening or assessment answer, which the answers follow
#: where they can (status, category survey, code, subject, effective, performer, value or
#: dataAbsentReason, derivedFrom the response, hasMember for the panel).
US_CORE_SCREENING = (
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-screening-assessment"
)


def response_profile_id(definition: Definition) -> str:
    return f"{definition.id}-response"


def profile_url(profile_id: str) -> str:
    return f"{EXTENSION_BASE}/{profile_id}"


def _local_pattern(code: str) -> dict[str, Any]:
    return {"coding": [{"system": LOCAL_SYSTEM, "code": code}]}


def _response(definition: Definition) -> dict[str, Any]:
    canonical = f"{CANONICAL_BASE}/Questionnaire/{definition.id}"
    return structure_definition(
        response_profile_id(definition),
        title=f"{definition.title}: response",
        description=(
            f"A completed {definition.title} for one session: answers to a published "
            f"version of {canonical} (url|version), by the client's clinician of record."
        ),
        base_type="QuestionnaireResponse",
        elements=[
            element("QuestionnaireResponse", short=definition.title),
            element("QuestionnaireResponse.questionnaire", min=1, short=f"{canonical}|version"),
            element("QuestionnaireResponse.subject", min=1, type=reference_to("Patient")),
            element("QuestionnaireResponse.encounter", min=1, type=reference_to("Encounter")),
            element("QuestionnaireResponse.authored", min=1),
            element("QuestionnaireResponse.author", min=1, type=reference_to("Practitioner")),
            element("QuestionnaireResponse.source", min=1, type=reference_to("Patient")),
        ],
    )


def _observation() -> dict[str, Any]:
    return structure_definition(
        OBSERVATION,
        title="AI chat use: an extracted answer",
        description=(
            "One answer extracted from a response (or the panel grouping them), aligned "
            f"with US Core's screening and assessment Observation ({US_CORE_SCREENING}) "
            "where it can be: category survey for what the client reports (social-history "
            "for the clinician's judgment), a local code, the client as subject, when, who "
            "answered, the answer or why it is absent, and the response it came from."
        ),
        base_type="Observation",
        elements=[
            element("Observation", short="Extracted answer"),
            element("Observation.category", min=1),
            element("Observation.subject", min=1, type=reference_to("Patient")),
            element("Observation.encounter", type=reference_to("Encounter")),
            element("Observation.effective[x]", min=1, type=[{"code": "dateTime"}]),
            element("Observation.performer", type=reference_to("Patient", "Practitioner")),
            element(
                "Observation.value[x]",
                type=[{"code": t} for t in ("CodeableConcept", "integer", "boolean", "string")],
            ),
            element("Observation.derivedFrom", min=1, type=reference_to("QuestionnaireResponse")),
            element("Observation.hasMember", type=reference_to("Observation")),
        ],
    )


def _indicator() -> dict[str, Any]:
    return structure_definition(
        INDICATOR_PROFILE,
        title="AI dependency-risk indicator",
        description=INDICATOR.definition or INDICATOR.display,
        base_type="Observation",
        elements=[
            element("Observation", short=INDICATOR.display),
            element("Observation.category", min=1),
            element("Observation.code", patternCodeableConcept=_local_pattern(INDICATOR.code)),
            element("Observation.subject", min=1, type=reference_to("Patient")),
            element("Observation.effective[x]", min=1, type=[{"code": "dateTime"}]),
            element("Observation.value[x]", min=1, type=[{"code": "integer"}]),
            element("Observation.interpretation", min=1, max="1"),
            element("Observation.method", min=1),
        ],
    )


def _review() -> dict[str, Any]:
    return structure_definition(
        REVIEW_PROFILE,
        title=INDICATOR_REVIEW.display,
        description=INDICATOR_REVIEW.definition or INDICATOR_REVIEW.display,
        base_type="Observation",
        elements=[
            element("Observation", short=INDICATOR_REVIEW.display),
            element(
                "Observation.code", patternCodeableConcept=_local_pattern(INDICATOR_REVIEW.code)
            ),
            element("Observation.subject", min=1, type=reference_to("Patient")),
            element("Observation.focus", min=1, max="1", type=reference_to("Observation")),
            element("Observation.effective[x]", min=1, type=[{"code": "dateTime"}]),
            element("Observation.performer", min=1, type=reference_to("Practitioner")),
            element("Observation.value[x]", min=1, type=[{"code": "CodeableConcept"}]),
        ],
    )


def _flag() -> dict[str, Any]:
    return structure_definition(
        FLAG_PROFILE,
        title="AI chat use: red flag",
        description=(
            "A red flag raised by the rules (or by hand) on a client's answers: clinical "
            "category and urgency, the flag's local code, since when, and who raised it."
        ),
        base_type="Flag",
        elements=[
            element("Flag", short="Red flag"),
            element("Flag.category", min=1),
            element("Flag.subject", type=reference_to("Patient")),
            element("Flag.period", min=1),
            element("Flag.encounter", type=reference_to("Encounter")),
            element("Flag.author", min=1, type=reference_to("Practitioner")),
        ],
    )


def _consent() -> dict[str, Any]:
    return structure_definition(
        CONSENT_PROFILE,
        title="AI chat use: the client's consent to the record",
        description=(
            "The client's decision at intake (items 19-20): whether their answers may enter "
            "the health record, and whether de-identified answers may be used for research."
        ),
        base_type="Consent",
        elements=[
            element("Consent", short="Consent to the record"),
            element(
                "Consent.scope",
                patternCodeableConcept={"coding": [coding(CONSENT_SCOPE, "patient-privacy")]},
            ),
            # LOINC 59284-0 "Patient Consent" (a pattern on a repeating element is read
            # differently by validators, so it is said here rather than enforced).
            element("Consent.category", min=1, max="1", short=f"{LOINC}#59284-0"),
            element("Consent.patient", min=1, type=reference_to("Patient")),
            element("Consent.dateTime", min=1),
            element("Consent.policy", min=1),
            element("Consent.provision", min=1),
        ],
    )


def resource_profiles() -> list[dict[str, Any]]:
    return [
        *(_response(d) for d in DEFINITIONS.values()),
        _observation(),
        _indicator(),
        _review(),
        _flag(),
        _consent(),
    ]


def supported_profiles() -> dict[str, list[str]]:
    """The module's profiles of each resource type (a CapabilityStatement's supportedProfile)."""
    found: dict[str, list[str]] = {}
    for profile in resource_profiles():
        found.setdefault(profile["type"], []).append(profile["url"])
    return found


def _local_code(resource: Mapping[str, Any]) -> str | None:
    for entry in (resource.get("code") or {}).get("coding") or []:
        if entry.get("system") == LOCAL_SYSTEM:
            return str(entry.get("code"))
    return None


def profile_of(resource: Mapping[str, Any]) -> str | None:
    """The canonical of the module's profile this resource follows, if it has one."""
    kind = resource.get("resourceType")
    if kind == "QuestionnaireResponse":
        questionnaire = str(resource.get("questionnaire", ""))
        for definition in DEFINITIONS.values():
            if questionnaire.startswith(f"{CANONICAL_BASE}/Questionnaire/{definition.id}|"):
                return profile_url(response_profile_id(definition))
        return None
    if kind == "Observation":
        code = _local_code(resource)
        if code == INDICATOR.code:
            return profile_url(INDICATOR_PROFILE)
        if code == INDICATOR_REVIEW.code:
            return profile_url(REVIEW_PROFILE)
        return profile_url(OBSERVATION) if code is not None else None
    if kind == "Flag":
        return profile_url(FLAG_PROFILE)
    if kind == "Consent":
        return profile_url(CONSENT_PROFILE)
    return None
