"""Concepts of the dependency-risk indicator and the red flags (filled in with the rules)."""

from __future__ import annotations

from fhir_mappings.concepts import Concept

RISK_CONCEPTS: tuple[Concept, ...] = ()
