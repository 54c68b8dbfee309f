"""The dependency-risk indicator (rules-v1) and the red flags, as data.

The rules themselves are in ``intake_ai/risk/rules.py`` and ``flags.py`` (pure functions);
this module holds what they name: the rule-set version, bands, inputs and flag kinds, each
also a concept of the local CodeSystem.
"""

from __future__ import annotations

from dataclasses import dataclass

from fhir_mappings.concepts import Concept

RULES_VERSION = "rules-v1"
RULES_CONCEPT = Concept(
    RULES_VERSION,
    "Transparent rules, version 1",
    "The dependency-risk indicator's rule set, version 1 (provisional bands).",
)
INDICATOR = Concept(
    "dependency-indicator",
    "AI dependency-risk indicator",
    "Sum of transparent rule points from the client's answers. Supports clinical "
    "judgment; not a diagnosis, not a suicide-risk assessment, not validated.",
)
INDICATOR_REVIEW = Concept(
    "indicator-review",
    "Clinician review of the indicator",
    "The clinician agrees with the computed band or overrides it.",
)
REVIEW_DECISION = Concept("review-decision", "Review decision")
REVIEW_AGREE = Concept("review-agree", "Agree")
REVIEW_OVERRIDE = Concept("review-override", "Override")
BAND_COMPONENT = Concept("indicator-band", "Indicator band (provisional)")

PROVISIONAL_CAVEAT = (
    "Bands are provisional until a clinician panel calibrates them. The indicator supports "
    "clinical judgment and never replaces it: it does not diagnose, does not assess suicide "
    "risk, and is not a validated instrument."
)


@dataclass(frozen=True)
class Band:
    code: str
    display: str
    low: int
    high: int


BANDS = (
    Band("band-low", "Low", 0, 5),
    Band("band-moderate", "Moderate", 6, 10),
    Band("band-high", "High", 11, 18),
)
MAX_SCORE = 18


def band_for(score: int) -> Band:
    for band in BANDS:
        if band.low <= score <= band.high:
            return band
    raise ValueError(f"score {score} is outside 0-{MAX_SCORE}")


def band_by_code(code: str) -> Band:
    for band in BANDS:
        if band.code == code:
            return band
    raise KeyError(code)


@dataclass(frozen=True)
class RiskInput:
    code: str
    label: str
    max_points: int


#: One entry per row of the rules table (clinical content, section 3).
INPUTS = (
    RiskInput("input-days", "intensity: days a week", 1),
    RiskInput("input-time", "intensity: time a day", 1),
    RiskInput("input-emotional-purpose", "emotional, companion or romantic use", 1),
    RiskInput("input-after-midnight", "use after midnight", 1),
    RiskInput("input-withdrawal", "withdrawal", 3),
    RiskInput("input-loss-of-control", "loss of control", 2),
    RiskInput("input-displacement", "displacement or conflict", 2),
    RiskInput("input-less-contact", "less human contact (clinician)", 1),
    RiskInput("input-prefers-people", "prefers AI to people", 1),
    RiskInput("input-prefers-therapist", "prefers AI to the therapist", 1),
    RiskInput("input-framing", "relational framing", 2),
    RiskInput("input-validation-loop", "validation loop", 1),
    RiskInput("input-trend", "trend: score up over the last 3 records", 1),
)
assert sum(i.max_points for i in INPUTS) == MAX_SCORE

#: Shown, never scored.
CONTEXT_TAGS = (
    Concept("context-homework", "uses AI for therapy homework"),
    Concept("context-brings-conversations", "brings conversations to session"),
)


@dataclass(frozen=True)
class FlagKind:
    code: str
    display: str
    urgency: str  # review-now | this-session | info
    #: Raised from answers; otherwise only a clinician raises it.
    automatic: bool = True


URGENCIES = (
    Concept(
        "urgency-review-now", "Review now", "Prompts a human risk assessment per local protocol."
    ),
    Concept("urgency-this-session", "This session"),
    Concept("urgency-info", "For information"),
)
#: The order flags are listed in everywhere: "review now" first.
URGENCY_ORDER = {"review-now": 0, "this-session": 1, "info": 2}
#: FHIR flag-priority for each urgency.
URGENCY_PRIORITY = {
    "review-now": ("PH", "High priority"),
    "this-session": ("PM", "Medium priority"),
    "info": ("PL", "Low priority"),
}

FLAG_KINDS = (
    FlagKind(
        "flag-crisis-use",
        "AI used during a crisis, or self-harm or suicidal thoughts disclosed to AI",
        "review-now",
    ),
    FlagKind(
        "flag-advice-conflict",
        "AI advice conflicts with the safety plan or treatment",
        "review-now",
    ),
    FlagKind(
        "flag-delusion-reinforcement",
        "AI appears to reinforce unusual or delusional beliefs",
        "review-now",
        automatic=False,
    ),
    FlagKind(
        "flag-minor-romantic",
        "Minor engaged in sexual or romantic role-play on a companion app",
        "review-now",
    ),
    FlagKind(
        "flag-withdrawal-from-people",
        "New or worsening withdrawal from human relationships",
        "this-session",
    ),
    FlagKind(
        "flag-attachment-distress",
        "Parasocial or romantic attachment with distress, incl. grief at a model change",
        "this-session",
    ),
    FlagKind(
        "flag-replace-therapy",
        "Client plans to replace therapy with AI",
        "this-session",
        automatic=False,
    ),
    FlagKind(
        "flag-identifying-info",
        "Client shared identifying information about self or others and is worried about it",
        "info",
    ),
)


def flag_kind(code: str) -> FlagKind:
    for kind in FLAG_KINDS:
        if kind.code == code:
            return kind
    raise KeyError(code)


RISK_CONCEPTS: tuple[Concept, ...] = (
    RULES_CONCEPT,
    INDICATOR,
    INDICATOR_REVIEW,
    REVIEW_DECISION,
    REVIEW_AGREE,
    REVIEW_OVERRIDE,
    BAND_COMPONENT,
    *(Concept(b.code, f"{b.display} (provisional)", f"Score {b.low}-{b.high}") for b in BANDS),
    *(Concept(i.code, i.label, f"Up to {i.max_points} points") for i in INPUTS),
    *CONTEXT_TAGS,
    *URGENCIES,
    *(Concept(k.code, k.display) for k in FLAG_KINDS),
)
