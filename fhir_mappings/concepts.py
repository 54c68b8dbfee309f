"""Local concepts that are neither questions nor answers of a form (session types).

Questions, answers and panels come from the definitions; the risk indicator's inputs and
the red flags from ``fhir_mappings.definitions.risk``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    code: str
    display: str
    definition: str | None = None
    #: The display in Spanish, where a client or a Spanish form may read it.
    display_es: str | None = None


ENCOUNTER_INTAKE = Concept("encounter-intake", "Intake session")
ENCOUNTER_SESSION = Concept("encounter-session", "Therapy session")

ENCOUNTER_TYPES = {"intake": ENCOUNTER_INTAKE, "session": ENCOUNTER_SESSION}

OTHER_CONCEPTS: tuple[Concept, ...] = (ENCOUNTER_INTAKE, ENCOUNTER_SESSION)
