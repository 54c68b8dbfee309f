"""The summary for the host EHR's progress note: a short plain-text paragraph (band with
its inputs, changes since the last session, open flags, plan) and a printable page; both
audited as reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from intake_ai.clients.summary import SummaryFacts, summary_text
from intake_ai.models import AuditRecord
from intake_ai.store.database import session
from tests.conftest import AuthActions
from tests.intake_helpers import CALM_NOTE, FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note

START = datetime(2026, 9, 7, 10, tzinfo=UTC)


def test_the_paragraph_says_band_inputs_changes_flags_and_plan() -> None:
    text = summary_text(
        SummaryFacts(
            client="Client 1",
            band="moderate (score 8 of 18)",
            inputs=["intensity: 5–6 days, +1", "withdrawal: marked, +3"],
            trend="rising",
            changes=["Days of use per week: 1–2 days → Every day"],
            first_note=False,
            flags=["Review now: AI used during a crisis"],
            plan="Risk assessment per local protocol",
            last_session="Sep 14, 2026",
        )
    )
    assert text.startswith("AI chat use (Client 1). Last recorded session: Sep 14, 2026.")
    assert (
        "moderate (score 8 of 18), trend rising; made of: intensity: 5–6 days, +1; withdrawal"
        in text
    )
    assert "Changes since the last session: Days of use per week: 1–2 days → Every day." in text
    assert "Open flags: Review now: AI used during a crisis." in text
    assert text.endswith("Plan: Risk assessment per local protocol.")
    assert "\n" not in text and len(text) < 1200
    empty = summary_text(SummaryFacts(client="Client 2", band=None))
    assert "No dependency-risk score yet." in empty and "No open flags." in empty


def _views(app, client_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return [
            d or ""
            for d in session().scalars(
                select(AuditRecord.detail).where(
                    AuditRecord.client_id == client_id, AuditRecord.operation == "view"
                )
            )
        ]


def test_summary_text_and_print_page_from_the_stored_record(app, client, auth, make) -> None:
    make.user("clinician", "dr-a")
    auth.login("dr-a")
    client_id = make.client("dr-a")
    submit_intake(client, make.encounter(client_id, "dr-a", start=START), FULL_INTAKE)
    submit_note(
        client, make.encounter(client_id, "dr-a", start=START + timedelta(weeks=1)), CALM_NOTE
    )
    submit_note(
        client, make.encounter(client_id, "dr-a", start=START + timedelta(weeks=2)), WORRYING_NOTE
    )
    response = client.get(f"/clients/{client_id}/summary.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    score = page.split("Score <strong>", 1)[1].split("<", 1)[0]
    assert f"(score {score} of 18)" in text
    assert "trend rising" in text
    assert "Changes since the last session:" in text and "→" in text
    assert "Review now: AI used during a crisis" in text
    assert "Plan: " in text and "Last recorded session: Sep 21, 2026." in text
    printed = client.get(f"/clients/{client_id}/summary")
    assert printed.status_code == 200
    body = printed.get_data(as_text=True)
    assert text.replace("→", "→") in body.replace("&amp;", "&") or "For the progress note" in body
    assert 'data-figure="figure-' in body  # the charts are on it
    assert "<script>" not in body  # no inline script (CSP)
    views = _views(app, client_id)
    assert any("summary for the EHR note" in v for v in views)
    assert any("printable summary" in v for v in views)


def test_summaries_follow_who_may_see_the_client(app, make) -> None:
    make.user("clinician", "dr-a")
    make.user("clinician", "dr-b")
    client_id = make.client("dr-a")
    other = app.test_client()
    AuthActions(other).login("dr-b")
    assert other.get(f"/clients/{client_id}/summary.txt").status_code == 404
    assert other.get(f"/clients/{client_id}/summary").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/clients/{client_id}/summary.txt").status_code == 302
