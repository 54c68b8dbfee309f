"""A Spanish-reading client's intake in a real browser: the questions and the answers are in
Spanish on the form, the review before saving and the stored record, and what is stored is
the same codes an English reader's intake stores."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from fhir_mappings.definitions.intake import INTAKE
from intake_ai.models import StoredResource
from intake_ai.store.database import session
from intake_ai.store.resources import load
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

#: The answers given on both paths, by code: the same clicks whatever the language.
CHOSEN = {
    "consent-record": "consent-agree",
    "tools": "tool-chatgpt",
    "days-per-week": "dpw-5-6",
    "time-per-day": "tpd-2-4h",
    "purpose-emotional-support": "freq-often",
    "withdrawal": "reliance-3",
    "framing": "framing-friend",
    "helped": "yes",
}
HELPED = "Escribió una disculpa para su hermana"


def _option_es(link_id: str, code: str) -> str:
    answers = INTAKE.item(link_id).answers
    assert answers is not None
    spanish = answers.option(code).es
    assert spanish, f"{link_id} {code} has no Spanish"
    return spanish


def _set_language(page, live_server: str, client_id: int, language: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/clients/{client_id}")
    page.locator("#client-language").select_option(language)
    page.get_by_role("button", name="Save language").click()
    page.wait_for_url(f"**/clients/{client_id}*")


def _fill_in_and_review(page, live_server: str, encounter_id: int) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/sessions/{encounter_id}/intake")
    page.locator("input[name='consent-record'][value='consent-agree']").check()
    page.locator("input[name='consent-terms']").check()
    for link_id, code in CHOSEN.items():
        page.locator(f"input[name='{link_id}'][value='{code}']").check()
    page.locator("input[name='declined'][value='loss-of-control']").check()
    page.locator("textarea[name='helped-detail']").fill(HELPED)
    page.get_by_role("button", name="Review before saving").click()
    page.wait_for_selector("input[name='answers']", state="attached")
    return str(page.locator("main").inner_text())


def _save(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Save to the record").click()
    page.wait_for_selector(".notice")
    assert "Intake saved" in page.locator(".notice").inner_text()


def _answer_codes(node: Any) -> list[tuple[str, list[Any]]]:
    """(linkId, answer values) of a QuestionnaireResponse's items, nested ones included:
    codes for choices, the value itself otherwise."""
    found = []
    for item in node.get("item", []):
        values = []
        for answer in item.get("answer", []):
            for key, value in answer.items():
                if key.startswith("value"):
                    values.append(value["code"] if key == "valueCoding" else value)
            found += _answer_codes(answer)
        found.append((item["linkId"], values))
        found += _answer_codes(item)
    return found


def _stored_response(app, client_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with app.app_context():
        row = (
            session()
            .scalars(
                select(StoredResource)
                .where(
                    StoredResource.client_id == client_id,
                    StoredResource.resource_type == "QuestionnaireResponse",
                )
                .order_by(StoredResource.version_id.desc())
            )
            .first()
        )
        assert row is not None
        return load(row)


def test_a_spanish_readers_intake_reviews_in_spanish_and_stores_the_same_codes(
    live_server, page, make, e2e_app, tmp_path
) -> None:
    make.user("clinician", "dr-a")
    spanish_client = make.client("dr-a")
    english_client = make.client("dr-a")
    spanish_session = make.encounter(spanish_client, "dr-a")
    english_session = make.encounter(english_client, "dr-a")
    sign_in(page, live_server, "dr-a")

    _set_language(page, live_server, spanish_client, "es")
    review = _fill_in_and_review(page, live_server, spanish_session)
    assert page.get_by_role("heading", name="Review before saving").is_visible()
    answers = page.locator("dl.answers")
    # The questions, from the definition's Spanish, each followed by the English.
    for link_id in ("days-per-week", "time-per-day", "framing"):
        item = INTAKE.item(link_id)
        assert f"{item.display_label_es} ({item.display_label})" in review
    # The answers in Spanish: options, the declined one and a yes/no.
    assert answers.locator("[lang=es]", has_text=_option_es("days-per-week", "dpw-5-6")).count()
    assert answers.locator("[lang=es]", has_text=_option_es("framing", "framing-friend")).count()
    assert "Se preguntó; prefirió no responder (Asked, declined)" in review
    assert answers.locator("[lang=es]", has_text="Sí").count()  # the acknowledgement
    assert page.locator("#answers-h [lang=es]").inner_text() == "Respuestas"
    assert HELPED in review  # what was typed stays as typed
    page.screenshot(path=str(tmp_path / "intake-review-es.png"), full_page=True)
    _save(page)
    page.get_by_role("link", name="Open the intake").click()
    stored_page = page.locator("main").inner_text()
    assert f"{_option_es('time-per-day', 'tpd-2-4h')} (2–4 hours)" in stored_page

    _set_language(page, live_server, english_client, "en")
    english_review = _fill_in_and_review(page, live_server, english_session)
    assert "5–6 days" in english_review and _option_es("days-per-week", "dpw-5-6") not in (
        english_review
    )
    assert page.locator("main [lang=es]").count() == 0
    _save(page)

    spanish = _stored_response(e2e_app, spanish_client)
    english = _stored_response(e2e_app, english_client)
    assert _answer_codes(spanish) == _answer_codes(english)
    assert ("days-per-week", ["dpw-5-6"]) in _answer_codes(spanish)
    assert ("helped-detail", [HELPED]) in _answer_codes(spanish)
    assert page.console_errors == []
