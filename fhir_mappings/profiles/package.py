"""The module's conformance resources as a FHIR NPM package (the layout of an IG's
``package.tgz``): ``package/package.json``, ``package/.index.json`` and one JSON file per
resource, so validators and terminology servers can load them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fhir_mappings.codes import CANONICAL_BASE
from fhir_mappings.profiles.elements import PROFILES_DATE
from fhir_mappings.terminology import PUBLISHER

PACKAGE_NAME = "org.intake-ai.fhir"
PACKAGE_VERSION = "0.1.0"
IMPLEMENTATION_GUIDE_ID = "intake-ai"
IMPLEMENTATION_GUIDE_URL = f"{CANONICAL_BASE}/ImplementationGuide/{IMPLEMENTATION_GUIDE_ID}"
FHIR_VERSION = "4.0.1"


def implementation_guide(resources: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The guide the package is: every resource it holds, listed."""
    return {
        "resourceType": "ImplementationGuide",
        "id": IMPLEMENTATION_GUIDE_ID,
        "url": IMPLEMENTATION_GUIDE_URL,
        "version": PACKAGE_VERSION,
        "name": "IntakeAI",
        "title": "intake_ai: AI chat use in therapy",
        "status": "active",
        "experimental": False,
        "date": PROFILES_DATE,
        "publisher": PUBLISHER,
        "packageId": PACKAGE_NAME,
        "fhirVersion": [FHIR_VERSION],
        "dependsOn": [
            {
                "uri": "http://hl7.org/fhir/ImplementationGuide/fhir",
                "packageId": "hl7.fhir.r4.core",
                "version": FHIR_VERSION,
            }
        ],
        "definition": {
            "resource": [
                {
                    "reference": {"reference": f"{r['resourceType']}/{r['id']}"},
                    "exampleBoolean": False,
                }
                for r in resources
            ]
        },
    }


def _file_name(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}-{resource['id']}.json"


def _index_entry(resource: dict[str, Any]) -> dict[str, Any]:
    entry = {
        "filename": _file_name(resource),
        "resourceType": resource["resourceType"],
        "id": resource["id"],
    }
    for key in ("url", "version", "kind", "type"):
        if key in resource:
            entry[key] = resource[key]
    return entry


def package_files(resources: Iterable[dict[str, Any]]) -> dict[str, bytes]:
    """Relative path -> bytes of every file of the package."""
    held = list(resources)
    held.append(implementation_guide(held))
    manifest = {
        "name": PACKAGE_NAME,
        "version": PACKAGE_VERSION,
        "canonical": CANONICAL_BASE,
        "url": CANONICAL_BASE,
        "title": "intake_ai conformance resources",
        "description": (
            "Questionnaires (every published version), the local CodeSystem and ValueSets, "
            "the StructureDefinitions of the extensions and profiles of intake_ai, and the "
            "OperationDefinitions of its own operations."
        ),
        "fhirVersions": [FHIR_VERSION],
        "type": "fhir.ig",
        "author": PUBLISHER,
        "license": "MIT",
        "dependencies": {"hl7.fhir.r4.core": FHIR_VERSION},
    }
    index = {"index-version": 1, "files": [_index_entry(r) for r in held]}
    files = {
        "package/package.json": manifest,
        "package/.index.json": index,
        **{f"package/{_file_name(r)}": r for r in held},
    }
    return {
        path: json.dumps(body, indent=2, ensure_ascii=False).encode()
        for path, body in files.items()
    }
