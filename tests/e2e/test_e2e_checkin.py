"""The check-in in a real browser: the clinician issues a link, the client answers it on a
360 px phone in Spanish, the clinician reviews and saves the note; a used and an expired
link say so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from intake_ai.models import CheckIn
from intake_ai.store.database import session
from tests.conftest import AuthActions
from tests.e2e.conftest import sign_in
from tests.intake_helpers import FULL_INTAKE, submit_intake

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}


def _client_with_sessions_ahead(app, make) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    client_id = make.client("dr-a")
    intake = make.encounter(client_id, "dr-a", start=datetime.now(UTC) - timedelta(days=7))
    helper = app.test_client()  # the intake is not under test here (same database)
    AuthActions(helper).login("dr-a")
    assert submit_intake(helper, intake, FULL_INTAKE).status_code == 302
    soon = make.encounter(client_id, "dr-a", start=datetime.now(UTC) + timedelta(days=2))
    later = make.encounter(client_id, "dr-a", start=datetime.now(UTC) + timedelta(days=9))
    return client_id, soon, later


def _issue(page, live_server: str, client_id: int, first_name: str, which: int = 0) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/clients/{client_id}")
    section = page.locator("#checkin")
    section.get_by_label("First name to greet them by (optional)").nth(which).fill(first_name)
    section.get_by_role("button", name="Issue a check-in link").nth(which).click()
    assert page.locator("figure.qr svg").count() == 1
    url = page.get_by_role("textbox", name="Link").input_value()
    assert "/check-in/" in url
    return url


def test_a_client_answers_on_a_phone_in_spanish_and_the_clinician_saves_it(
    live_server, page, browser, make, app
) -> None:
    client_id, soon, _later = _client_with_sessions_ahead(app, make)
    sign_in(page, live_server, "dr-a")
    url = _issue(page, live_server, client_id, "Ana")

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    client_page = phone.new_page()
    client_page.goto(url)
    assert "Hello, Ana" in client_page.locator("h1").inner_text()
    client_page.get_by_role("link", name="Español").click()
    assert client_page.locator("html").get_attribute("lang") == "es"
    assert "Hola, Ana" in client_page.locator("h1").inner_text()
    # Phone-first: nothing wider than the screen, every answer a large target.
    width = client_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    heights = client_page.locator("label.choice").evaluate_all(
        "labels => labels.map(l => l.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, min(heights)
    assert client_page.locator("script").count() == 0

    client_page.locator("#q-any-use").get_by_label("Sí").check()
    client_page.locator("#q-tools").get_by_label("ChatGPT").check()
    client_page.locator("#q-days-per-week").get_by_label("3–4 días").check()
    client_page.locator("#q-reliance-rating").get_by_label("4", exact=True).check()
    client_page.locator("#q-distress-unavailable").get_by_label("Un poco").check()
    client_page.locator("#q-crisis-use").get_by_label("No", exact=True).check()
    client_page.get_by_role("button", name="Enviar a mi terapeuta").click()
    assert client_page.locator("h1").inner_text() == "Enviado a su terapeuta"
    summary = client_page.locator("dl.summary").inner_text()
    assert "3–4 días" in summary and "Un poco" in summary
    phone.close()

    # The clinician opens the session's note: the client's answers are proposals.
    page.goto(f"{live_server}/sessions/{soon}/note")
    proposed = page.locator("#carried-days-per-week").inner_text()
    assert "From the client's check-in (" in proposed and "3–4 days" in proposed
    page.locator("#more > summary").click()  # "tools" is folded under "more"
    for link_id in ("any-use", "tools", "days-per-week", "reliance-rating", "crisis-use"):
        page.locator(f"#carried-{link_id}").get_by_label("Confirmed with the client").check()
    # With the client, the distress answer is changed: it stays the clinician's.
    page.locator("#q-distress-unavailable").get_by_label("Marked").check()
    page.get_by_role("button", name="Review before saving").click()
    page.get_by_role("button", name="Save to the record").click()
    assert "Session note saved." in page.locator(".notice").inner_text()
    note = page.locator(f"#session-{soon}").inner_text()
    assert "3–4 days" in note and "Marked" in note
    assert "Sent" in page.locator("#checkin").inner_text()


def test_a_used_and_an_expired_link_say_so(live_server, page, browser, make, app) -> None:
    client_id, _soon, _later = _client_with_sessions_ahead(app, make)
    sign_in(page, live_server, "dr-a")
    used = _issue(page, live_server, client_id, "", which=0)
    expired = _issue(page, live_server, client_id, "", which=1)
    with app.app_context():
        session().execute(
            update(CheckIn)
            .where(
                CheckIn.id
                == session()
                .query(CheckIn.id)
                .order_by(CheckIn.id.desc())
                .limit(1)
                .scalar_subquery()
            )
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        session().commit()

    phone = browser.new_context(viewport=PHONE, is_mobile=True)
    client_page = phone.new_page()
    client_page.goto(used)
    client_page.get_by_role("button", name="Send to my clinician").click()
    assert client_page.locator("h1").inner_text() == "Sent to your clinician"
    client_page.goto(used)
    assert client_page.locator("h1").inner_text() == "This check-in was already sent"
    client_page.goto(expired)
    assert client_page.locator("h1").inner_text() == "This link has expired"
    text = client_page.locator("main").inner_text()
    assert "Client" not in text and "dr-a" not in text.lower()
    phone.close()


def _bomb() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", b"[" + b" " * (8 << 20) + b"]")
    return buffer.getvalue()


def test_a_client_adds_their_export_on_a_phone_in_spanish_and_the_clinician_saves_it(
    live_server, page, browser, make, app
) -> None:
    from intake_ai.demo.exports import export_zip
    from tests.export_helpers import CONVERSATIONS

    client_id, _soon, _later = _client_with_sessions_ahead(app, make)
    sign_in(page, live_server, "dr-a")
    url = _issue(page, live_server, client_id, "Ana")

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    client_page = phone.new_page()
    client_page.goto(url)
    client_page.get_by_role("link", name="Español").click()
    step = client_page.locator("#export-step")
    assert "Agregue su historial de ChatGPT o Claude (opcional)" in step.inner_text()
    assert "Nunca leemos ni guardamos lo que escribió" in step.inner_text()
    chooser = client_page.get_by_label(
        "El archivo de su historial de chats (.zip o conversations.json)"
    )
    assert chooser.evaluate("e => e.getBoundingClientRect().height") >= 44
    width = client_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width

    # A hostile file: refused in plain Spanish, the answers kept, nothing sent.
    client_page.locator("#q-any-use").get_by_label("Sí").check()
    client_page.locator("#q-days-per-week").get_by_label("3–4 días").check()
    chooser.set_input_files(
        files=[{"name": "export.zip", "mimeType": "application/zip", "buffer": _bomb()}]
    )
    client_page.get_by_role("button", name="Enviar a mi terapeuta").click()
    client_page.wait_for_selector("#err-export")
    assert "No pudimos leer este archivo" in client_page.locator("#err-export").inner_text()
    assert client_page.locator("#q-days-per-week").get_by_label("3–4 días").is_checked()
    assert chooser.get_attribute("aria-invalid") == "true"

    # The real export, shaped like ChatGPT's: sent with the answers.
    chooser.set_input_files(
        files=[
            {
                "name": "chatgpt-export.zip",
                "mimeType": "application/zip",
                "buffer": export_zip("chatgpt", CONVERSATIONS),
            }
        ]
    )
    client_page.get_by_role("button", name="Enviar a mi terapeuta").click()
    client_page.wait_for_selector("#export-sent")
    assert client_page.locator("h1").inner_text() == "Enviado a su terapeuta"
    sent = client_page.locator("#export-sent").inner_text()
    assert "ChatGPT" in sent and "semanas contadas: 2" in sent and "El archivo no se guardó" in sent
    phone.close()

    # The clinician finds the figures waiting, reviews them and saves them.
    page.goto(f"{live_server}/clients/{client_id}")
    waiting = page.locator("#sent-exports").inner_text()
    assert "Figures from the client's export, sent with the check-in (" in waiting
    page.get_by_role("link", name="Review the figures the client sent").click()
    page.wait_for_selector("#export-weeks")
    assert "ChatGPT" in page.get_by_role("heading", level=1).inner_text()
    weeks = page.locator("#export-weeks tbody tr")
    assert weeks.count() == 2
    assert weeks.first.inner_text().split("\t")[:4] == ["05 Oct 2026", "3", "6", "3"]
    page.get_by_role("button", name="Save these figures to the record").click()
    page.wait_for_selector(".notice")
    assert "figures the client sent are saved" in page.locator(".notice").inner_text()
    page.wait_for_selector("#chart-usage svg.main-svg")
    legend = page.locator("#chart-usage .legend").text_content() or ""
    assert "From export (per week)" in legend
    assert page.locator("#sent-exports").count() == 0
