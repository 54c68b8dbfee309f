"""A client's chatbot export in a real browser: the clinician uploads each provider's format,
reviews the figures, saves them and finds them charted beside the client-reported answers;
a hostile file is refused on the form, with nothing stored."""

from __future__ import annotations

import io
import zipfile

import pytest

from intake_ai.demo.exports import export_json, export_zip
from tests.e2e.conftest import sign_in
from tests.export_helpers import CONVERSATIONS

pytestmark = pytest.mark.e2e


def _open_upload(page, base: str, client_id: int) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/clients/{client_id}")
    page.get_by_role("link", name="Upload the client's export").click()
    page.wait_for_load_state()


def _choose(page, name: str, data: bytes, mime: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Export file (.zip or conversations.json)").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    page.get_by_role("button", name="Read the export").click()
    page.wait_for_load_state()


@pytest.mark.parametrize(
    ("provider", "name", "packing", "mime"),
    [
        ("chatgpt", "chatgpt-export.zip", export_zip, "application/zip"),
        ("claude", "conversations.json", export_json, "application/json"),
    ],
)
def test_upload_review_and_save_each_provider(
    live_server, page, world, provider, name, packing, mime, tmp_path
) -> None:
    sign_in(page, live_server, "dr-a")
    _open_upload(page, live_server, world.agreed)
    _choose(page, name, packing(provider, CONVERSATIONS), mime)
    heading = page.get_by_role("heading", level=1).inner_text()
    assert ("ChatGPT" if provider == "chatgpt" else "Claude") in heading
    assert "Nothing is saved yet" in page.locator("main").inner_text()
    weeks = page.locator("#export-weeks tbody tr")
    assert weeks.count() == 2
    assert weeks.first.inner_text().split("\t")[:4] == ["05 Oct 2026", "3", "6", "3"]
    page.locator("#export-days summary").click()
    page.screenshot(path=str(tmp_path / f"review-{provider}.png"), full_page=True)
    page.get_by_role("button", name="Save these figures to the record").click()
    page.wait_for_load_state()
    assert "figures from the export are saved" in page.locator(".notice").inner_text()
    page.wait_for_selector("#chart-usage svg.main-svg")
    legend = page.locator("#chart-usage .legend").text_content() or ""
    assert "From export (per week)" in legend and "Client-reported (per session)" in legend
    # Days a week and time a day: the sessions' answers and the export's two weeks.
    points = page.evaluate(
        """() => Array.from(document.querySelectorAll('#chart-usage .scatterlayer .trace'))
              .map(t => t.querySelectorAll('path.point').length)"""
    )
    assert sorted(points) == [2, 2, 3, 3]
    page.screenshot(path=str(tmp_path / f"charts-{provider}.png"), full_page=True)


def test_a_hostile_upload_is_refused_on_the_form_and_nothing_saved(
    live_server, page, world
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("conversations.json", b"[" + b" " * (8 << 20) + b"]")
    sign_in(page, live_server, "dr-a")
    _open_upload(page, live_server, world.agreed)
    _choose(page, "export.zip", buffer.getvalue(), "application/zip")
    error = page.locator("#export-error")
    assert "bomb" in error.inner_text()
    assert (
        page.get_by_label("Export file (.zip or conversations.json)").get_attribute("aria-invalid")
        == "true"
    )
    _choose(
        page, "conversations.json", b'[{"header": "Gemini Apps", "time": "x"}]', "application/json"
    )
    assert "not a ChatGPT or Claude export" in page.locator("#export-error").inner_text()
    page.goto(f"{live_server}/clients/{world.agreed}")
    assert page.locator("#chart-usage .legend").count() == 0 or "From export" not in (
        page.locator("#chart-usage").text_content() or ""
    )
