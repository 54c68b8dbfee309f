"""Usage measured from the client's own chatbot export, as Observations: one per week of
the export's range and a summary that groups them (``hasMember``).

``method`` says how they were made (derived from the client's export: times and counts,
no content). Nothing stored stands for the export itself, so ``derivedFrom`` is left out
and a note says which export and which dates the figures come from: the file is
discarded once read, and a DocumentReference stub would point at nothing anyone can open.
Ids are derived from the client, the provider and the week, so saving a later export of
the same provider updates the weeks the two share instead of doubling them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fhir_mappings.codes import CATEGORY_SOCIAL_HISTORY, DATA_ABSENT_REASON, coding, local
from fhir_mappings.concepts import Concept
from fhir_mappings.datetimes import fhir_datetime
from fhir_mappings.extraction import derived_id

UCUM = "http://unitsofmeasure.org"

METHOD = Concept(
    "from-client-export",
    "Derived from the client's own chatbot data export",
    "Counted from the message times of a data export the client brought (ChatGPT or "
    "Claude); no message content was read into the record or kept.",
)
WEEK = Concept(
    "export-usage-week",
    "AI chat use in one week, from the client's export",
    "One calendar week (Monday to Sunday, clinic time) of the client's AI chat use, "
    "measured from their own data export.",
)
SUMMARY = Concept(
    "export-usage-summary",
    "AI chat use measured from the client's export",
    "The whole range of one data export: its totals, longest stretch and trend; its "
    "weeks are its members.",
)
CONVERSATIONS = Concept("export-conversations", "Conversations with a message from the client")
MESSAGES = Concept("export-client-messages", "Messages the client sent")
ACTIVE_DAYS = Concept("export-active-days", "Days with a message from the client")
MINUTES = Concept(
    "export-estimated-minutes",
    "Estimated time in use",
    "Messages closer than the gap joined into stretches of use; each stretch from its "
    "first message to its last, plus a minute.",
)
MINUTES_PER_DAY = Concept("export-minutes-per-active-day", "Estimated time on a day of use")
AFTER_MIDNIGHT = Concept(
    "export-after-midnight-share",
    "Share of the client's messages sent after midnight",
    "Messages from midnight to 05:00, clinic time, over all the client's messages.",
)
LONGEST = Concept("export-longest-stretch", "Longest stretch of use")
WEEKS = Concept("export-weeks", "Weeks covered")
PROVIDER = Concept("export-provider", "Chatbot the export comes from")
TREND = Concept(
    "export-trend",
    "Trend of estimated time",
    "The last four weeks against the four before: rising or falling by more than a "
    "quarter, else steady; too short under eight weeks.",
)
PROVIDERS = {
    "chatgpt": Concept("provider-chatgpt", "ChatGPT"),
    "claude": Concept("provider-claude", "Claude"),
}
TRENDS = {
    "rising": Concept("trend-rising", "Rising"),
    "falling": Concept("trend-falling", "Falling"),
    "steady": Concept("trend-steady", "Steady"),
    "too-short": Concept("trend-too-short", "Too few weeks to tell"),
}
EXPORT_CONCEPTS: tuple[Concept, ...] = (
    METHOD,
    WEEK,
    SUMMARY,
    CONVERSATIONS,
    MESSAGES,
    ACTIVE_DAYS,
    MINUTES,
    MINUTES_PER_DAY,
    AFTER_MIDNIGHT,
    LONGEST,
    WEEKS,
    PROVIDER,
    TREND,
    *PROVIDERS.values(),
    *TRENDS.values(),
)
NOT_APPLICABLE = coding(DATA_ABSENT_REASON, "not-applicable", "Not Applicable")


class Week(Protocol):
    """The figures of one week (``intake_ai.usage_export.metrics.WeekFigures``)."""

    @property
    def start(self) -> date: ...
    @property
    def conversations(self) -> int: ...
    @property
    def messages(self) -> int: ...
    @property
    def active_days(self) -> int: ...
    @property
    def minutes(self) -> int: ...
    @property
    def after_midnight_share(self) -> float | None: ...
    @property
    def longest_minutes(self) -> int: ...
    @property
    def minutes_per_active_day(self) -> int | None: ...


@dataclass(frozen=True)
class ExportContext:
    client_id: int
    subject: str  # "Patient/1"
    clinician: str  # "Practitioner/3"
    provider: str  # "chatgpt" | "claude"
    zone: ZoneInfo
    #: When the clinician saved the figures (aware).
    saved: datetime
    #: The first and last message of the export (aware, clinic time).
    first: datetime
    last: datetime


@dataclass(frozen=True)
class ExportTotals:
    conversations: int
    messages: int
    after_midnight_share: float | None
    longest_minutes: int
    trend: str


def _minutes(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "min", "system": UCUM, "code": "min"}


def _share(value: float) -> dict[str, Any]:
    return {"value": round(value * 100, 1), "unit": "%", "system": UCUM, "code": "%"}


def _component(concept: Concept, value: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": local(concept.code, concept.display)}
    if value is None:
        entry["dataAbsentReason"] = {"coding": [NOT_APPLICABLE], "text": "No messages"}
    elif isinstance(value, Concept):
        entry["valueCodeableConcept"] = local(value.code, value.display)
    elif isinstance(value, dict):
        entry["valueQuantity"] = value
    else:
        entry["valueInteger"] = int(value)
    return entry


def source_note(context: ExportContext) -> str:
    """Which export and dates the figures come from (the record keeps no copy of it)."""
    name = PROVIDERS[context.provider].display
    return (
        f"From the client's {name} data export, read on {context.saved.date().isoformat()}: "
        f"messages dated {context.first.date().isoformat()} to "
        f"{context.last.date().isoformat()}. Counted from message times only; no content "
        "was read into the record and the file was not kept."
    )


def _midnight(day: date, zone: ZoneInfo) -> str:
    return datetime.combine(day, time(), zone).isoformat()


def week_id(context: ExportContext, start: date) -> str:
    return derived_id("usage-export", str(context.client_id), context.provider, start.isoformat())


def _base(context: ExportContext, observation_id: str, concept: Concept) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": observation_id,
        "status": "final",
        "category": [CATEGORY_SOCIAL_HISTORY],
        "code": local(concept.code, concept.display),
        "subject": {"reference": context.subject},
        "issued": context.saved.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "performer": [{"reference": context.clinician}],
        "method": local(METHOD.code, METHOD.display),
        "note": [{"text": source_note(context)}],
    }


def week_observation(context: ExportContext, week: Week) -> dict[str, Any]:
    observation = _base(context, week_id(context, week.start), WEEK)
    observation["effectivePeriod"] = {
        "start": _midnight(week.start, context.zone),
        "end": _midnight(week.start + timedelta(days=7), context.zone),
    }
    observation["component"] = [
        _component(PROVIDER, PROVIDERS[context.provider]),
        _component(CONVERSATIONS, week.conversations),
        _component(MESSAGES, week.messages),
        _component(ACTIVE_DAYS, week.active_days),
        _component(MINUTES, _minutes(week.minutes)),
        _component(
            MINUTES_PER_DAY,
            _minutes(week.minutes_per_active_day)
            if week.minutes_per_active_day is not None
            else None,
        ),
        _component(
            AFTER_MIDNIGHT,
            _share(week.after_midnight_share) if week.after_midnight_share is not None else None,
        ),
        _component(LONGEST, _minutes(week.longest_minutes)),
    ]
    return observation


def export_observations(
    context: ExportContext, weeks: Sequence[Week], totals: ExportTotals
) -> list[dict[str, Any]]:
    """The week Observations followed by the summary that groups them."""
    observations = [week_observation(context, week) for week in weeks]
    summary = _base(
        context,
        derived_id(
            "usage-export",
            str(context.client_id),
            context.provider,
            fhir_datetime(context.first),
            fhir_datetime(context.last),
        ),
        SUMMARY,
    )
    summary["effectivePeriod"] = {
        "start": context.first.isoformat(timespec="seconds"),
        "end": context.last.isoformat(timespec="seconds"),
    }
    summary["component"] = [
        _component(PROVIDER, PROVIDERS[context.provider]),
        _component(WEEKS, len(weeks)),
        _component(CONVERSATIONS, totals.conversations),
        _component(MESSAGES, totals.messages),
        _component(
            AFTER_MIDNIGHT,
            _share(totals.after_midnight_share)
            if totals.after_midnight_share is not None
            else None,
        ),
        _component(LONGEST, _minutes(totals.longest_minutes)),
        _component(TREND, TRENDS[totals.trend]),
    ]
    summary["hasMember"] = [{"reference": f"Observation/{o['id']}"} for o in observations]
    return [*observations, summary]


def component_value(observation: dict[str, Any], concept: Concept) -> float | None:
    """A component's number (integer or quantity), None when absent."""
    for component in observation.get("component", []):
        if component["code"]["coding"][0]["code"] == concept.code:
            if "valueInteger" in component:
                return float(component["valueInteger"])
            if "valueQuantity" in component:
                return float(component["valueQuantity"]["value"])
    return None


def component_display(observation: dict[str, Any], concept: Concept) -> str | None:
    """A coded component's display (the provider, the trend), None when absent."""
    for component in observation.get("component", []):
        if component["code"]["coding"][0]["code"] == concept.code:
            value = component.get("valueCodeableConcept")
            if value:
                return str(value["coding"][0].get("display", ""))
    return None
