"""The CapabilityStatement, built from the same tables the API dispatches on."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from fhir_mappings.codes import SERVED_RESOURCE_TYPES

SOFTWARE_VERSION = "0.1.0"


def build_capability_statement() -> dict[str, Any]:
    resources = [
        {"type": resource_type, "interaction": [{"code": "read"}]}
        for resource_type in SERVED_RESOURCE_TYPES
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-24",
        "kind": "instance",
        "software": {"name": "intake_ai", "version": SOFTWARE_VERSION},
        "implementation": {
            "description": "intake_ai FHIR R4 API",
            "url": url_for("intake_fhir.metadata", _external=True).removesuffix("/metadata"),
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer tokens with SMART-style scopes; see README.",
                    "cors": False,
                },
                "resource": resources,
            }
        ],
        "publisher": current_app.config.get("INTAKE_AI_PUBLISHER", "intake_ai"),
    }
