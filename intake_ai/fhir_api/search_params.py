"""Search parameters: what each type supports. The parser and the CapabilityStatement read
this one table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ParamKind = Literal["token", "reference", "date", "uri"]
HL7_SP = "http://hl7.org/fhir/SearchParameter/"


@dataclass(frozen=True)
class SearchParam:
    name: str
    kind: ParamKind
    #: Index columns: (system column, code column) for tokens; one column otherwise.
    columns: tuple[str, ...]
    definition: str
    documentation: str
    #: For references: the resource type the reference must point to.
    target: str | None = None


def _p(
    name: str,
    kind: ParamKind,
    columns: tuple[str, ...],
    definition: str,
    doc: str,
    target: str | None = None,
) -> SearchParam:
    return SearchParam(name, kind, columns, HL7_SP + definition, doc, target)


PATIENT = _p(
    "patient",
    "reference",
    ("client_id",),
    "clinical-patient",
    "The client (Patient/id).",
    "Patient",
)
SUBJECT = _p(
    "subject",
    "reference",
    ("client_id",),
    "Observation-subject",
    "The subject; only Patient subjects exist here.",
    "Patient",
)
ENCOUNTER = _p(
    "encounter",
    "reference",
    ("encounter_id",),
    "clinical-encounter",
    "The session (Encounter/id).",
    "Encounter",
)
STATUS = _p(
    "status",
    "token",
    ("status",),
    "Observation-status",
    "Status; entered-in-error is left out unless asked for.",
)
CODE = _p("code", "token", ("code_system", "code"), "clinical-code", "system|code, or code.")
CATEGORY = _p(
    "category",
    "token",
    ("category_system", "category"),
    "Observation-category",
    "system|code, or code.",
)
DATE = _p(
    "date",
    "date",
    ("effective",),
    "clinical-date",
    "When (prefixes eq, ne, gt, lt, ge, le, sa, eb).",
)
IDENTIFIER = _p(
    "identifier", "token", ("code_system", "code"), "Patient-identifier", "system|value, or value."
)
URL = _p("url", "uri", ("code",), "conformance-url", "The canonical URL.")

#: The search parameters of each type; anything else is refused (or ignored if lenient).
PARAMETERS: dict[str, tuple[SearchParam, ...]] = {
    "Observation": (PATIENT, SUBJECT, ENCOUNTER, STATUS, CODE, CATEGORY, DATE),
    "QuestionnaireResponse": (
        PATIENT,
        SUBJECT,
        ENCOUNTER,
        _p("status", "token", ("status",), "QuestionnaireResponse-status", "Status."),
        _p(
            "authored",
            "date",
            ("effective",),
            "QuestionnaireResponse-authored",
            "When the answers were recorded.",
        ),
        _p(
            "questionnaire",
            "uri",
            ("code",),
            "QuestionnaireResponse-questionnaire",
            "The Questionnaire canonical (url or url|version).",
        ),
    ),
    "Consent": (
        PATIENT,
        _p("status", "token", ("status",), "Consent-status", "Status."),
        _p("category", "token", ("category_system", "category"), "Consent-category", "Category."),
        _p("date", "date", ("effective",), "clinical-date", "When consent was recorded."),
    ),
    "Flag": (
        PATIENT,
        SUBJECT,
        ENCOUNTER,
        _p("date", "date", ("effective",), "clinical-date", "When the flag was raised."),
        _p(
            "status",
            "token",
            ("status",),
            "Flag-status",
            "active, inactive (acknowledged) or entered-in-error (not a core parameter).",
        ),
    ),
    "Encounter": (
        PATIENT,
        SUBJECT,
        _p("date", "date", ("effective",), "clinical-date", "Session start."),
        _p("status", "token", ("status",), "Encounter-status", "Status."),
    ),
    "Provenance": (
        # The client the targets belong to (there is no Patient target here).
        _p("patient", "reference", ("client_id",), "Provenance-patient", "The client.", "Patient"),
        # Any record a Provenance names, as Type/id (one index row per target).
        _p("target", "reference", ("target",), "Provenance-target", "A record it is about."),
        _p("recorded", "date", ("effective",), "Provenance-recorded", "When it was recorded."),
    ),
    "Patient": (IDENTIFIER,),
    "Practitioner": (
        _p(
            "identifier",
            "token",
            ("code_system", "code"),
            "Practitioner-identifier",
            "The user's login.",
        ),
    ),
    "Questionnaire": (URL, _p("status", "token", ("status",), "Questionnaire-status", "Status.")),
    "CodeSystem": (URL,),
    "ValueSet": (URL,),
    "StructureDefinition": (URL,),
}
#: What every type accepts besides its own parameters.
COMMON = (
    "_id",
    "_lastUpdated",
    "_count",
    "_sort",
    "_summary",
    "_include",
    "_format",
    "_cursor",
    "_total",
)
SINGLE = frozenset({"_count", "_sort", "_summary", "_cursor", "_format", "_total"})
INCLUDES = {
    "Observation": ("Observation:derived-from",),
    "QuestionnaireResponse": ("QuestionnaireResponse:questionnaire",),
}
SORTS = {"date": "effective", "_lastUpdated": "last_updated"}
#: Types whose records can be entered in error (left out of searches by default).
CORRECTABLE = frozenset({"Observation", "QuestionnaireResponse", "Consent", "Flag"})
FHIR_JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})
