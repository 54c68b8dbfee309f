"""The client page, read top-down: consent, open flags, current band with its tags, and the
sessions with their notes and annotations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.definitions.risk import (
    MAX_SCORE,
    PROVISIONAL_CAVEAT,
    RULES_VERSION,
    band_by_code,
)
from fhir_mappings.definitions.session_note import SESSION_NOTE
from fhir_mappings.extraction import derived_id
from fhir_mappings.questionnaire import questionnaire_url
from fhir_mappings.response import answers_of
from intake_ai import access
from intake_ai.auth.actors import Actor
from intake_ai.charts.embed import Chart
from intake_ai.charts.figures import NO_DATA, client_charts
from intake_ai.charts.queries import client_trends
from intake_ai.charts.table import Table, client_table
from intake_ai.clients import service
from intake_ai.forms.records import responses_of
from intake_ai.forms.views import AnswerRow, describe
from intake_ai.models import Client, ConsentState, Encounter, StoredResource, User
from intake_ai.pages.formats import clinic_locale, iso_date_text
from intake_ai.records.annotation import is_shared, user_annotations
from intake_ai.records.service import Record
from intake_ai.risk import reviews
from intake_ai.risk.courses import EMPTY, course_of_client
from intake_ai.risk.flag_views import (
    AcknowledgedView,
    FlagView,
    acknowledged_flag_views,
    open_flag_views,
)
from intake_ai.risk.service import indicator_id
from intake_ai.risk.trend import Course
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session
from intake_ai.supervision import feedback
from intake_ai.supervision.feedback import FeedbackView
from intake_ai.usage_export.service import SavedExport, saved_exports

#: The note fields shown on the client page; the rest is one click away.
SUMMARY_FIELDS = (
    "any-use",
    "tools",
    "days-per-week",
    "reliance-rating",
    "distress-unavailable",
    "crisis-use",
    "human-contact",
    "plan",
)


@dataclass(frozen=True)
class AnnotationView:
    id: str
    text: str
    author: str
    time: str
    shared: bool
    mine: bool


@dataclass(frozen=True)
class OverrideView:
    band_code: str
    band_display: str
    reason: str


@dataclass
class IndicatorView:
    observation_id: str
    score: int
    band_code: str
    band_display: str
    tags: list[str]
    zero_tags: list[str]
    context: list[str]
    effective: str
    override: OverrideView | None = None
    agreed: bool = False
    annotations: list[AnnotationView] = field(default_factory=list)
    max_score: int = MAX_SCORE
    caveat: str = PROVISIONAL_CAVEAT
    rules_version: str = RULES_VERSION


@dataclass
class NoteView:
    row: StoredResource
    summary: list[AnswerRow]
    panel_id: str | None
    indicator: IndicatorView | None
    annotations: list[AnnotationView] = field(default_factory=list)


@dataclass
class SessionEntry:
    encounter: Encounter
    intake: StoredResource | None = None
    note: NoteView | None = None


@dataclass
class ConsentView:
    state: ConsentState
    resource: dict[str, Any] | None = None

    @property
    def research_opt_in(self) -> bool:
        if self.resource is None:
            return False
        nested = self.resource.get("provision", {}).get("provision", [])
        return any(p.get("type") == "permit" for p in nested)


@dataclass
class ClientTimeline:
    client: Client
    may_record: bool
    consent: ConsentView
    flags: list[FlagView]
    indicator: IndicatorView | None
    intake: StoredResource | None = None
    sessions: list[SessionEntry] = field(default_factory=list)
    #: Chart name -> chart (empty when nothing is recorded); the same numbers as a table.
    trends: dict[str, Chart] = field(default_factory=dict)
    trend_table: Table = field(default_factory=lambda: ([], []))
    trends_nothing: str = NO_DATA
    #: The client's chatbot exports whose figures are saved.
    exports: list[SavedExport] = field(default_factory=list)
    #: Score, band, arrow and rising reasons exactly as the caseload pages read them.
    course: Course = EMPTY
    acknowledged: list[AcknowledgedView] = field(default_factory=list)
    #: Supervisors' feedback for the clinician (shown to them and the supervisors only).
    feedback: list[FeedbackView] = field(default_factory=list)
    may_give_feedback: bool = False


def _names(refs: set[str]) -> dict[str, str]:
    ids = [int(r.split("/")[1]) for r in refs if r.startswith("Practitioner/")]
    users = session().scalars(select(User).where(User.id.in_(ids))).all() if ids else []
    return {u.practitioner_ref: u.display_name for u in users}


def _annotations(actor: Actor, resource: dict[str, Any], client_id: int) -> list[AnnotationView]:
    notes = user_annotations(resource)
    if not access.sees_free_text(actor, client_id):
        notes = [n for n in notes if is_shared(n)]  # supervisors see what was shared
    names = _names({n["authorReference"]["reference"] for n in notes})
    me = actor.user.practitioner_ref
    return [
        AnnotationView(
            n["id"],
            n["text"],
            names.get(n["authorReference"]["reference"], "unknown"),
            iso_date_text(n.get("time", ""), clinic_locale()),
            is_shared(n),
            n["authorReference"]["reference"] == me,
        )
        for n in notes
    ]


def indicator_view(actor: Actor, row: StoredResource) -> IndicatorView:
    resource = resource_store.load(row)
    band = band_by_code(resource["interpretation"][0]["coding"][0]["code"])
    tags: list[str] = []
    zero: list[str] = []

    for component in resource.get("component", []):
        if "valueInteger" not in component:
            continue
        (tags if component["valueInteger"] > 0 else zero).append(component["code"]["text"])
    context = [
        n["text"].removeprefix("Context (no points): ")
        for n in resource.get("note", [])
        if n.get("text", "").startswith("Context (no points): ")
    ]
    view = IndicatorView(
        row.resource_id,
        resource["valueInteger"],
        band.code,
        band.display,
        tags,
        zero,
        context,
        resource.get("effectiveDateTime", "")[:10],
    )
    reviewed = reviews.reviews_of(row)
    if reviewed:
        # A supervisor sees the override, not its reason (free text the clinician typed).
        latest = access.shown_to(actor, reviewed[-1])
        decision = latest["component"][0]["valueCodeableConcept"]["coding"][0]["code"]
        if decision == "review-override":
            chosen = band_by_code(latest["valueCodeableConcept"]["coding"][0]["code"])
            reason = latest.get("note", [{}])[0].get("text", "")
            view.override = OverrideView(chosen.code, chosen.display, reason)
        else:
            view.agreed = True
    assert row.client_id is not None
    view.annotations = _annotations(actor, resource, row.client_id)
    return view


def note_view(actor: Actor, record: Record | StoredResource) -> NoteView:
    row = record.row if isinstance(record, Record) else record
    assert row.client_id is not None
    answers = answers_of(SESSION_NOTE, resource_store.load(row))
    sections = describe(SESSION_NOTE, answers, access.sees_free_text(actor, row.client_id))
    summary = [r for s in sections for r in s.rows if r.item.link_id in SUMMARY_FIELDS]
    panel = resource_store.current("Observation", _panel_id(row))
    indicator = resource_store.current("Observation", indicator_id(row.resource_id))
    view = NoteView(
        row,
        summary,
        panel.resource_id if panel and not panel.deleted else None,
        indicator_view(actor, indicator)
        if indicator is not None
        and not indicator.deleted
        and indicator.status != "entered-in-error"
        else None,
    )
    if panel is not None and not panel.deleted:
        view.annotations = _annotations(actor, resource_store.load(panel), row.client_id)
    return view


def _panel_id(row: StoredResource) -> str:
    return derived_id(row.resource_id, SESSION_NOTE.panel_code)


def build_timeline(actor: Actor, client_id: int, reading: str | None = None) -> ClientTimeline:
    """The client page's content; ``reading`` names another view of it for the audit
    record (the copied summary, the printed one)."""
    from intake_ai.intake.service import consent_id

    read: list[FeedbackView] = []

    def feedback_read() -> str | None:
        read.extend(feedback.notes_for(actor, client_id))
        details = [d for d in (reading, feedback.read_detail(read)) if d]
        return "; ".join(details) or None

    client = service.open_client(actor, client_id, feedback_read)
    consent_row = resource_store.current("Consent", consent_id(client_id))
    consent = ConsentView(
        client.consent_state, resource_store.load(consent_row) if consent_row else None
    )
    intakes = responses_of(client_id, INTAKE)
    intake = intakes[0] if intakes else None
    latest = reviews.latest_indicator(client_id)
    page = ClientTimeline(
        client=client,
        consent=consent,
        intake=intake,
        flags=open_flag_views(client_id, actor),
        indicator=indicator_view(actor, latest) if latest is not None else None,
        may_record=access.is_clinician_of_record(actor, client_id),
        feedback=read,
        may_give_feedback=access.is_supervisor(actor),
    )
    page.course = course_of_client(client_id)
    page.acknowledged = acknowledged_flag_views(client_id, actor)
    trends = client_trends(client_id)
    page.trends = client_charts(trends)
    page.trend_table = client_table(trends)
    page.exports = saved_exports(client_id)
    notes = {row.encounter_id: row for row in _all_notes(client_id)}

    for encounter in service.client_encounters(client_id):
        entry = SessionEntry(encounter)
        if intake is not None and intake.encounter_id == encounter.id:
            entry.intake = intake
        if encounter.id in notes:
            entry.note = note_view(actor, notes[encounter.id])
        page.sessions.append(entry)
    return page


def _all_notes(client_id: int) -> list[StoredResource]:
    """Notes of every status (entered-in-error ones stay visible, struck through)."""
    return list(
        session().scalars(
            select(StoredResource).where(
                StoredResource.resource_type == "QuestionnaireResponse",
                StoredResource.client_id == client_id,
                StoredResource.is_current,
                StoredResource.deleted.is_(False),
                StoredResource.code.startswith(questionnaire_url(SESSION_NOTE) + "|"),
            )
        )
    )
