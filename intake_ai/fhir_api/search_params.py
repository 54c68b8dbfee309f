"""Search parameters: what each type supports. The parser and the CapabilityStatement read
this one table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fhir_mappings.codes import SERVED_RESOURCE_TYPES

ParamKind = Literal["token", "reference", "date", "uri"]
HL7_SP = "http://hl7.org/fhir/SearchParameter/"


@dataclass(frozen=True)
class SearchParam:
    name: str
    kind: ParamKind
    #: Index columns: (system column, code column) for tokens; one column otherwise.
    columns: tuple[str, ...]
    #: The R4 SearchParameter this one implements; None for a parameter R4 does not define.
    definition: str | None
    documentation: str
    #: For references: the resource type the reference must point to.
    target: str | None = None
    #: The type the CapabilityStatement declares, when it is not ``kind`` (a canonical is
    #: matched as a URI but R4 declares it a reference).
    declared: str | None = None

    @property
    def fhir_type(self) -> str:
        return self.declared or self.kind


def _p(
    name: str,
    kind: ParamKind,
    columns: tuple[str, ...],
    definition: str | None,
    doc: str,
    target: str | None = None,
    declared: str | None = None,
) -> SearchParam:
    url = None if definition is None else HL7_SP + definition
    return SearchParam(name, kind, columns, url, doc, target, declared)


def _patient(definition: str = "clinical-patient") -> SearchParam:
    return _p(
        "patient", "reference", ("client_id",), definition, "The client (Patient/id).", "Patient"
    )


def _subject(resource_type: str) -> SearchParam:
    return _p(
        "subject",
        "reference",
        ("client_id",),
        f"{resource_type}-subject",
        "The subject; only Patient subjects exist here.",
        "Patient",
    )


def _encounter(definition: str = "clinical-encounter") -> SearchParam:
    return _p(
        "encounter",
        "reference",
        ("encounter_id",),
        definition,
        "The session (Encounter/id).",
        "Encounter",
    )


def _status(resource_type: str | None, doc: str = "Status.") -> SearchParam:
    definition = None if resource_type is None else f"{resource_type}-status"
    return _p("status", "token", ("status",), definition, doc)


def _date(doc: str, definition: str = "clinical-date") -> SearchParam:
    return _p("date", "date", ("effective",), definition, doc)


def _category(definition: str) -> SearchParam:
    return _p(
        "category", "token", ("category_system", "category"), definition, "system|code, or code."
    )


def _url(definition: str = "conformance-url") -> SearchParam:
    return _p("url", "uri", ("code",), definition, "The canonical URL.")


#: The search parameters of each type; anything else is refused (or ignored if lenient).
PARAMETERS: dict[str, tuple[SearchParam, ...]] = {
    "Observation": (
        _patient(),
        _subject("Observation"),
        _encounter(),
        _status("Observation", "Status; entered-in-error is left out unless asked for."),
        _p("code", "token", ("code_system", "code"), "clinical-code", "system|code, or code."),
        _category("Observation-category"),
        _date("When (prefixes eq, ne, gt, lt, ge, le, sa, eb)."),
    ),
    "QuestionnaireResponse": (
        _patient("QuestionnaireResponse-patient"),
        _subject("QuestionnaireResponse"),
        _encounter("QuestionnaireResponse-encounter"),
        _status("QuestionnaireResponse"),
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
            declared="reference",
        ),
    ),
    "Consent": (
        _patient(),
        _status("Consent"),
        _category("Consent-category"),
        _date("When consent was recorded."),
    ),
    "Flag": (
        _patient(),
        _subject("Flag"),
        _encounter(),
        _date("When the flag was raised."),
        # R4 defines no status parameter for Flag: a local one, with no definition to claim.
        _status(
            None, "active, inactive (acknowledged) or entered-in-error (not a core parameter)."
        ),
    ),
    "Encounter": (
        _patient(),
        _subject("Encounter"),
        _date("Session start."),
        _status("Encounter"),
    ),
    "Patient": (
        _p(
            "identifier",
            "token",
            ("code_system", "code"),
            "Patient-identifier",
            "system|value, or value.",
        ),
    ),
    "Provenance": (
        # The client the targets belong to (there is no Patient target here).
        _p("patient", "reference", ("client_id",), "Provenance-patient", "The client.", "Patient"),
        # Any record a Provenance names, as Type/id (one index row per target).
        _p("target", "reference", ("target",), "Provenance-target", "A record it is about."),
        _p("recorded", "date", ("effective",), "Provenance-recorded", "When it was recorded."),
    ),
    "Practitioner": (
        _p(
            "identifier",
            "token",
            ("code_system", "code"),
            "Practitioner-identifier",
            "The user's login.",
        ),
    ),
    "Questionnaire": (_url("Questionnaire-url"), _status("Questionnaire")),
    "CodeSystem": (_url(),),
    "ValueSet": (_url(),),
    "StructureDefinition": (_url(),),
    "OperationDefinition": (_url(),),
}
#: What every type accepts besides its own parameters.
COMMON = (
    "_id",
    "_lastUpdated",
    "_count",
    "_sort",
    "_summary",
    "_include",
    "_revinclude",
    "_elements",
    "_format",
    "_cursor",
    "_total",
    "_pretty",
)
SINGLE = frozenset({"_count", "_sort", "_summary", "_cursor", "_format", "_total", "_pretty"})


@dataclass(frozen=True)
class Link:
    """A reference search parameter that _include follows and _revinclude follows back."""

    source: str  # the type that holds the reference
    name: str
    element: str  # the JSON element holding the Reference (or list of them)
    targets: tuple[str, ...]
    #: The index column that holds the reference, for _revinclude; None: not indexed.
    column: str | None = None
    #: The element is a canonical (QuestionnaireResponse.questionnaire), not a Reference.
    canonical: bool = False

    @property
    def spec(self) -> str:
        return f"{self.source}:{self.name}"


def _links_to_people(source: str, element: str = "subject") -> tuple[Link, ...]:
    return (
        Link(source, "patient", element, ("Patient",), "client_id"),
        *(
            (Link(source, "subject", element, ("Patient",), "client_id"),)
            if element == "subject"
            else ()
        ),
    )


LINKS: tuple[Link, ...] = (
    *_links_to_people("Observation"),
    Link("Observation", "encounter", "encounter", ("Encounter",), "encounter_id"),
    Link(
        "Observation",
        "derived-from",
        "derivedFrom",
        ("QuestionnaireResponse", "Observation"),
        "derived_from",
    ),
    Link("Observation", "performer", "performer", ("Practitioner", "Patient")),
    *_links_to_people("QuestionnaireResponse"),
    Link("QuestionnaireResponse", "encounter", "encounter", ("Encounter",), "encounter_id"),
    Link("QuestionnaireResponse", "author", "author", ("Practitioner",)),
    Link(
        "QuestionnaireResponse",
        "questionnaire",
        "questionnaire",
        ("Questionnaire",),
        canonical=True,
    ),
    *_links_to_people("Flag"),
    Link("Flag", "encounter", "encounter", ("Encounter",), "encounter_id"),
    Link("Flag", "author", "author", ("Practitioner",)),
    *_links_to_people("Consent", "patient"),
    *_links_to_people("Encounter"),
    # Every target has a row of its own (``ProvenanceTarget``, written with the Provenance).
    Link("Provenance", "target", "target", ("*",), "derived_from"),
)
_SERVED = frozenset(SERVED_RESOURCE_TYPES)
#: _include values by the type searched (``*`` includes them all).
INCLUDES: dict[str, tuple[str, ...]] = {}
#: _revinclude values by the type searched: links back to it through an index column.
REVINCLUDES: dict[str, tuple[str, ...]] = {}
for _link in LINKS:
    if _link.source not in _SERVED:
        continue
    INCLUDES[_link.source] = (*INCLUDES.get(_link.source, ()), _link.spec)
    if _link.column is None:
        continue
    for _target in _SERVED if _link.targets == ("*",) else _link.targets:
        if _target in _SERVED and _target != "AuditEvent":
            REVINCLUDES[_target] = (*REVINCLUDES.get(_target, ()), _link.spec)
LINK_BY_SPEC = {link.spec: link for link in LINKS if link.source in _SERVED}
SORTS = {"date": "effective", "_lastUpdated": "last_updated"}
#: Types whose records can be entered in error (left out of searches by default).
CORRECTABLE = frozenset({"Observation", "QuestionnaireResponse", "Consent", "Flag"})
FHIR_JSON_FORMATS = frozenset(
    {"json", "application/json", "application/fhir+json", "application/json+fhir"}
)
