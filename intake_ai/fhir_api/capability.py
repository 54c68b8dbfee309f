"""The CapabilityStatement, built from the same tables the API dispatches on, so it never
claims an interaction, parameter or operation that is not served."""

from __future__ import annotations

from typing import Any

from flask import current_app

from fhir_mappings.codes import SERVED_RESOURCE_TYPES
from fhir_mappings.operations import OPERATIONS
from fhir_mappings.profiles import supported_profiles
from fhir_mappings.profiles.package import IMPLEMENTATION_GUIDE_URL
from intake_ai.boundary.hosts import public_root
from intake_ai.fhir_api.search_params import HL7_SP, INCLUDES, PARAMETERS, REVINCLUDES
from intake_ai.smart.discovery import rest_security, token_url

SOFTWARE_VERSION = "0.1.0"
READ = ("read", "vread", "history-instance", "history-type", "search-type")
#: Interactions per type beyond reading.
WRITES = {
    "QuestionnaireResponse": ("create", "update"),
    "Observation": ("update",),
    "Patient": ("create", "update"),
    "Encounter": ("create", "update"),
}
#: Conditional writes: If-None-Exist creates; Patient's update by identifier.
CONDITIONAL_CREATE = frozenset({"QuestionnaireResponse", "Patient"})
CONDITIONAL_UPDATE = frozenset({"Patient"})
SDC_EXTRACT = "http://hl7.org/fhir/uv/sdc/OperationDefinition/QuestionnaireResponse-extract"
#: Types read from the audit table rather than the resource store.
AUDIT_ONLY = {"AuditEvent": ("read", "search-type")}
AUDIT_PARAMS = (
    ("date", "date", "AuditEvent-date", "When it happened."),
    ("patient", "reference", "AuditEvent-patient", "The client concerned."),
)
OPERATION_BASE = "http://hl7.org/fhir/OperationDefinition/"
#: Whole-system interactions: POST [base] with a batch (reads and searches), GET _history.
SYSTEM_INTERACTIONS = ("batch", "history-system")
BULK_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/"
#: The Bulk Data IG's server CapabilityStatement, which this one instantiates.
BULK_DATA_CAPABILITY = "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"
#: Groups are built on read (``fhir_api/groups.py``): read and search, and their export.
GROUP_PARAMS = (
    ("managing-entity", "reference", "Group-managing-entity", "The clinician of a caseload."),
    ("member", "reference", "Group-member", "A client in the group."),
)
#: The terminology operations (fhir_api/terminology/), type and instance level.
TERMINOLOGY_OPERATIONS = {
    "ValueSet": (("expand", "ValueSet-expand"), ("validate-code", "ValueSet-validate-code")),
    "CodeSystem": (("lookup", "CodeSystem-lookup"), ("validate-code", "CodeSystem-validate-code")),
}


def interactions(resource_type: str) -> tuple[str, ...]:
    if resource_type == "Group":
        return ("read", "search-type")
    if resource_type in AUDIT_ONLY:
        return AUDIT_ONLY[resource_type]
    return READ + WRITES.get(resource_type, ())


def _group() -> dict[str, Any]:
    return {
        "type": "Group",
        "documentation": "One Group per clinician's caseload (caseload-<id>) and one for "
        "the practice (practice), built from the care assignments on every read; members are "
        "the clients the caller may read.",
        "interaction": [{"code": code} for code in interactions("Group")],
        "searchParam": [
            {"name": "_id", "type": "token", "definition": HL7_SP + "Resource-id"},
            *(
                {"name": n, "type": t, "definition": HL7_SP + d, "documentation": doc}
                for n, t, d, doc in GROUP_PARAMS
            ),
        ],
        "operation": [{"name": "export", "definition": BULK_EXPORT + "group-export"}],
    }


def _resource(resource_type: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": resource_type}
    # What the module stores of this type declares one of these in meta.profile.
    if resource_type in supported_profiles():
        entry["supportedProfile"] = supported_profiles()[resource_type]
    entry["interaction"] = [{"code": code} for code in interactions(resource_type)]
    if resource_type in AUDIT_ONLY:
        entry["searchParam"] = [
            {"name": n, "type": t, "definition": HL7_SP + d, "documentation": doc}
            for n, t, d, doc in AUDIT_PARAMS
        ]
        return entry
    entry.update(
        {
            "versioning": "versioned",
            "readHistory": True,
            "updateCreate": False,
            "conditionalCreate": resource_type in CONDITIONAL_CREATE,
            "conditionalRead": "not-match",
            "conditionalUpdate": resource_type in CONDITIONAL_UPDATE,
            "conditionalDelete": "not-supported",
        }
    )
    params = [
        {"name": "_id", "type": "token", "definition": HL7_SP + "Resource-id"},
        {"name": "_lastUpdated", "type": "date", "definition": HL7_SP + "Resource-lastUpdated"},
    ]
    for param in PARAMETERS.get(resource_type, ()):
        declared = {"name": param.name, "type": param.fhir_type}
        if param.definition is not None:  # a local parameter has no R4 definition to name
            declared["definition"] = param.definition
        params.append({**declared, "documentation": param.documentation})
    entry["searchParam"] = params
    if resource_type in INCLUDES:
        entry["searchInclude"] = [*INCLUDES[resource_type], "*"]
    if resource_type in REVINCLUDES:
        entry["searchRevInclude"] = list(REVINCLUDES[resource_type])
    entry["operation"] = [{"name": "validate", "definition": OPERATION_BASE + "Resource-validate"}]
    if resource_type == "Patient":
        entry["operation"].append({"name": "export", "definition": BULK_EXPORT + "patient-export"})
        entry["operation"].append(
            {"name": "everything", "definition": OPERATION_BASE + "Patient-everything"}
        )
    entry["operation"] += [
        {"name": name, "definition": OPERATION_BASE + definition}
        for name, definition in TERMINOLOGY_OPERATIONS.get(resource_type, ())
    ]
    if resource_type == "QuestionnaireResponse":
        entry["operation"].append({"name": "extract", "definition": SDC_EXTRACT})
    # The module's own operations, defined by the OperationDefinitions it serves.
    entry["operation"] += [
        {"name": operation.code, "definition": operation.url}
        for operation in OPERATIONS
        if operation.resource_type == resource_type
    ]
    return entry


def build_capability_statement() -> dict[str, Any]:
    base = public_root() + current_app.config["INTAKE_AI_FHIR_BASE"].rstrip("/")
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-24",
        "publisher": "intake_ai",
        "kind": "instance",
        "instantiates": [BULK_DATA_CAPABILITY],
        "software": {"name": "intake_ai", "version": SOFTWARE_VERSION},
        "implementation": {"description": "intake_ai FHIR R4 API", "url": base},
        "fhirVersion": "4.0.1",
        # The module's own package (flask export-package): its profiles, extensions,
        # Questionnaires and terminology. It claims conformance to no other guide.
        "implementationGuide": [IMPLEMENTATION_GUIDE_URL],
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Bearer tokens with SMART scopes (system/Type.rs, "
                "system/*.read, ...): SMART Backend Services tokens from the token endpoint, "
                "or the operator's own. Searches page by keyset (_cursor links). "
                "Entered-in-error records are left out unless status asks.",
                "security": rest_security(token_url()),
                "resource": [*(_resource(t) for t in SERVED_RESOURCE_TYPES), _group()],
                "interaction": [{"code": code} for code in SYSTEM_INTERACTIONS],
                "compartment": ["http://hl7.org/fhir/CompartmentDefinition/patient"],
                "operation": [{"name": "export", "definition": BULK_EXPORT + "export"}],
            }
        ],
    }
