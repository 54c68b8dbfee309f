"""StructureDefinitions of the local extensions and profiles of what the module produces,
generated from the definitions; the profile a stored resource declares; the NPM package."""

from __future__ import annotations

from typing import Any

from fhir_mappings.profiles.extensions import extension_definitions
from fhir_mappings.profiles.resources import profile_of, resource_profiles, supported_profiles

__all__ = ["profile_of", "structure_definitions", "supported_profiles"]


def structure_definitions() -> list[dict[str, Any]]:
    return [*extension_definitions(), *resource_profiles()]
