"""Building blocks of a StructureDefinition's differential, and the StructureDefinition itself.

Profiles are published as differentials (as SUSHI writes them): a validator expands them
against the R4 base definitions it already has (the HL7 validator and HAPI do so themselves).
"""

from __future__ import annotations

from typing import Any

from fhir_mappings.codes import CANONICAL_BASE, EXTENSION_BASE
from fhir_mappings.terminology import PUBLISHER

#: Bump when any StructureDefinition changes.
PROFILES_VERSION = "1.0.0"
PROFILES_DATE = "2026-12-01"
R4_BASE = "http://hl7.org/fhir/StructureDefinition/"


def element(path: str, **constraints: Any) -> dict[str, Any]:
    """One differential element; ``slice`` names a slice of a repeating element, ``within``
    the slice of ``Extension.extension`` an element belongs to."""
    slice_name = constraints.pop("slice", None)
    within = constraints.pop("within", None)
    ident = f"{path}:{slice_name}" if slice_name else path
    if within:
        ident = path.replace("Extension.extension.", f"Extension.extension:{within}.", 1)
    result: dict[str, Any] = {"id": ident, "path": path}
    if slice_name:
        result["sliceName"] = slice_name
    result.update(constraints)
    return result


def reference_to(*types: str) -> list[dict[str, Any]]:
    return [{"code": "Reference", "targetProfile": [R4_BASE + t for t in types]}]


def structure_definition(
    sd_id: str,
    *,
    title: str,
    description: str,
    base_type: str,
    elements: list[dict[str, Any]],
    kind: str = "resource",
    derivation: str = "constraint",
    context: list[str] | None = None,
) -> dict[str, Any]:
    name = "".join(part.title() for part in sd_id.split("-"))
    resource: dict[str, Any] = {
        "resourceType": "StructureDefinition",
        "id": sd_id,
        "url": f"{EXTENSION_BASE}/{sd_id}",
        "version": PROFILES_VERSION,
        "name": name,
        "title": title,
        "status": "active",
        "experimental": False,
        "date": PROFILES_DATE,
        "publisher": PUBLISHER,
        "description": description,
        "fhirVersion": "4.0.1",
        "kind": kind,
        "abstract": False,
    }
    if context:
        resource["context"] = [{"type": "element", "expression": e} for e in context]
    resource.update(
        {
            "type": base_type,
            "baseDefinition": R4_BASE + base_type,
            "derivation": derivation,
            "differential": {"element": elements},
        }
    )
    return resource


__all__ = ["CANONICAL_BASE", "element", "reference_to", "structure_definition"]
