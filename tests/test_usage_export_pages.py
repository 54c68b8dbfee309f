"""The clinician's upload of a client's chatbot export: review first, then save; the
figures served by the FHIR API, beside the client-reported ones, never in the indicator."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from intake_ai.demo.exports import export_json, export_zip
from intake_ai.models import StoredResource
from intake_ai.store.database import session
from tests.export_helpers import CONVERSATIONS, EXPORT_CODES, audits_of, export_observations
from tests.fhir_validator import run_validator

SECRET = "Demo-secret-phrase"


def _upload(web, client_id: int, data: bytes, name: str = "export.zip"):  # type: ignore[no-untyped-def]
    # Encoded in memory: the test client would spool a large body to a temporary file of
    # its own, left open when the server refuses the body unread.
    boundary, body = encode_multipart({"export": FileStorage(io.BytesIO(data), name)})
    return web.post(
        f"/clients/{client_id}/usage-export",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _sealed(page: str) -> str:
    found = re.search(r'name="figures" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _web(app, who: str = "dr-a"):  # type: ignore[no-untyped-def]
    from tests.conftest import AuthActions

    web = app.test_client()
    AuthActions(web).login(who)
    return web


@pytest.mark.parametrize("provider", ["chatgpt", "claude"])
def test_upload_shows_figures_and_stores_nothing_until_saved(app, world, provider) -> None:
    web = _web(app)
    data = export_zip(provider, CONVERSATIONS).replace(b"Demo text", SECRET.encode())
    page = _upload(web, world.agreed, data)
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[:2000]
    assert "Nothing is saved yet" in text
    assert "05 Oct 2026" in text and "12 Oct 2026" in text  # the two weeks
    assert SECRET not in text and SECRET not in _sealed(text)
    assert export_observations(app, world.agreed) == []
    (upload,) = audits_of(app, "upload")
    assert upload.client_id == world.agreed and upload.outcome == "0"
    assert provider in upload.detail and SECRET not in upload.detail

    saved = web.post(f"/clients/{world.agreed}/usage-export/save", data={"figures": _sealed(text)})
    assert saved.status_code == 302
    rows = export_observations(app, world.agreed)
    assert sorted(r.code for r in rows) == [
        "export-usage-summary",
        "export-usage-week",
        "export-usage-week",
    ]
    assert all(SECRET.encode() not in r.content for r in rows)
    creates = [a for a in audits_of(app, "create") if a.entity and "Observation/" in a.entity]
    assert creates and creates[-1].client_id == world.agreed


def test_saving_the_same_export_again_updates_its_weeks(app, world) -> None:
    web = _web(app)
    for _ in range(2):
        page = _upload(
            web, world.agreed, export_json("claude", CONVERSATIONS), "conversations.json"
        )
        web.post(
            f"/clients/{world.agreed}/usage-export/save",
            data={"figures": _sealed(page.get_data(as_text=True))},
        )
    rows = export_observations(app, world.agreed)
    assert len(rows) == 3 and {r.version_id for r in rows} == {2}


def test_saved_figures_are_served_by_the_api_and_pass_the_validators(
    app, world, client, tmp_path
) -> None:
    web = _web(app)
    page = _upload(web, world.agreed, export_zip("chatgpt", CONVERSATIONS))
    web.post(
        f"/clients/{world.agreed}/usage-export/save",
        data={"figures": _sealed(page.get_data(as_text=True))},
    )
    found = client.get(
        f"/fhir/Observation?patient={world.agreed}&code=export-usage-week,export-usage-summary",
        headers=world.integrator,
    )
    assert found.status_code == 200
    resources = [e["resource"] for e in found.json["entry"]]
    assert len(resources) == 3
    summary = next(r for r in resources if r["code"]["coding"][0]["code"] == "export-usage-summary")
    assert summary["method"]["coding"][0]["code"] == "from-client-export"
    assert "ChatGPT data export" in summary["note"][0]["text"]
    assert "derivedFrom" not in summary and len(summary["hasMember"]) == 2
    week = next(r for r in resources if r["effectivePeriod"]["start"].startswith("2026-10-05"))
    values = {c["code"]["coding"][0]["code"]: c for c in week["component"]}
    assert values["export-active-days"]["valueInteger"] == 3
    assert values["export-client-messages"]["valueInteger"] == 6
    assert values["export-estimated-minutes"]["valueQuantity"]["value"] == 11 + 2 + 3 + 4
    code_system = client.get(
        "/fhir/CodeSystem?url=http://intake-ai.org/fhir/CodeSystem/ai-use", headers=world.integrator
    ).json["entry"][0]["resource"]
    run_validator([found.json, *resources, code_system], tmp_path)


def test_a_hostile_upload_is_refused_with_its_reason_audited_and_nothing_stored(app, world) -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("conversations.json", b"[" + b" " * (8 << 20) + b"]")
    page = _upload(_web(app), world.agreed, buffer.getvalue())
    assert page.status_code == 400
    assert "bomb" in page.get_data(as_text=True)
    for data in (b'{"not": "an export"}', b"[" * 500, b"\x89PNG\r\n"):
        refused = _upload(_web(app), world.agreed, data, "conversations.json")
        assert refused.status_code == 400
        assert 'class="error" id="export-error"' in refused.get_data(as_text=True)
    assert export_observations(app, world.agreed) == []
    refusals = audits_of(app, "upload")
    assert len(refusals) == 4 and {r.outcome for r in refusals} == {"4"}
    assert _upload(_web(app), world.agreed, b"", "x").status_code == 400


def test_only_the_clinician_of_record_of_an_agreeing_client_may_upload(app, world) -> None:
    data = export_zip("claude", CONVERSATIONS)
    assert _upload(_web(app, "dr-b"), world.agreed, data).status_code in (403, 404)
    assert _upload(_web(app, "sup"), world.agreed, data).status_code in (403, 404)
    refused = _upload(_web(app), world.undecided, data)
    assert refused.status_code == 400 and "agreed" in refused.get_data(as_text=True)
    assert (
        export_observations(app, world.agreed) == []
        and export_observations(app, world.undecided) == []
    )


def test_figures_cannot_be_changed_or_moved_to_another_client(app, world) -> None:
    web = _web(app)
    sealed = _sealed(
        _upload(web, world.agreed, export_zip("claude", CONVERSATIONS)).get_data(as_text=True)
    )
    tampered = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")
    assert (
        web.post(
            f"/clients/{world.agreed}/usage-export/save", data={"figures": tampered}
        ).status_code
        == 400
    )
    moved = web.post(f"/clients/{world.second}/usage-export/save", data={"figures": sealed})
    assert moved.status_code == 400
    other = _web(app, "dr-b")
    assert other.post(
        f"/clients/{world.agreed}/usage-export/save", data={"figures": sealed}
    ).status_code in (403, 404)
    assert (
        export_observations(app, world.agreed) == []
        and export_observations(app, world.second) == []
    )


def test_the_indicator_does_not_read_the_export(app, world) -> None:
    from intake_ai.risk.history import answer_sources, score_history

    def indicator_state():  # type: ignore[no-untyped-def]
        with app.app_context():
            scored = [s.result.score for s in score_history(answer_sources(world.agreed))]
            rows = (
                session()
                .execute(
                    select(func.count(), func.max(StoredResource.pk)).where(
                        StoredResource.code == "dependency-indicator",
                        StoredResource.client_id == world.agreed,
                    )
                )
                .one()
            )
            session().rollback()
        return scored, tuple(rows)

    before = indicator_state()
    web = _web(app)
    page = _upload(web, world.agreed, export_zip("chatgpt", CONVERSATIONS))
    web.post(
        f"/clients/{world.agreed}/usage-export/save",
        data={"figures": _sealed(page.get_data(as_text=True))},
    )
    assert export_observations(app, world.agreed)
    assert indicator_state() == before


def test_client_page_charts_the_export_beside_the_client_reported_answers(app, world) -> None:
    import json as jsonlib

    web = _web(app)
    page = web.get(f"/clients/{world.agreed}")
    assert f"/clients/{world.agreed}/usage-export" in page.get_data(as_text=True)
    sealed = _sealed(
        _upload(web, world.agreed, export_zip("claude", CONVERSATIONS)).get_data(as_text=True)
    )
    web.post(f"/clients/{world.agreed}/usage-export/save", data={"figures": sealed})
    text = web.get(f"/clients/{world.agreed}").get_data(as_text=True)
    block = re.search(
        r'<script type="application/json" id="figure-usage">(.*?)</script>', text, re.S
    )
    assert block
    figure = jsonlib.loads(block.group(1))
    names = [t.get("name") for t in figure["data"]]
    assert "From export (per week)" in names and "Client-reported (per session)" in names
    export_days = next(t for t in figure["data"] if t.get("name") == "From export (per week)")
    # Week 1: 3 active days (band 3-4, index 2); week 2: 1 day (band 1-2, index 1).
    assert export_days["y"] == [2, 1]
    assert "3 active days" in export_days["text"][0]
    from intake_ai.charts import style

    assert export_days["marker"]["color"] == style.EXPORT_DAYS.colour
    assert "3 active days (from export)" in text  # the table twin
    saved = re.search(r'<ul id="saved-exports">(.*?)</ul>', text, re.S)
    assert saved and "Claude export" in saved.group(1) and "2 weeks" in saved.group(1)


def test_pages_without_the_right_to_record_do_not_offer_the_upload(app, world) -> None:
    assert "usage-export" not in _web(app).get(f"/clients/{world.undecided}").get_data(as_text=True)
    assert _web(app).get(f"/clients/{world.agreed}/usage-export").status_code == 200
    assert _web(app, "sup").get(f"/clients/{world.agreed}/usage-export").status_code in (403, 404)


def test_the_upload_page_alone_takes_a_body_over_the_form_limit(app, app_factory, world) -> None:
    from intake_ai.demo.exports import FakeConversation
    from tests.export_helpers import at

    talks = [FakeConversation(f"t{n}", [at(n / 20, 0), at(n / 20, 1)]) for n in range(1500)]
    data = export_json("claude", talks, text_size=1200)
    assert len(data) > app.config["INTAKE_AI_MAX_FORM_BODY"]
    page = _upload(_web(app), world.agreed, data, "conversations.json")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    # Any other page refuses the same body before reading it.
    boundary, body = encode_multipart({"kind": FileStorage(io.BytesIO(data), "x.json")})
    other = _web(app).post(
        f"/clients/{world.agreed}/flags/new",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert other.status_code == 413
    small = app_factory(INTAKE_AI_MAX_EXPORT_UPLOAD=100_000)
    refused = _upload(_web(small), world.agreed, data, "conversations.json")
    assert refused.status_code == 413
    assert export_observations(app, world.agreed) == []


def test_the_upload_leaves_no_file_behind(app, world, tmp_path, monkeypatch) -> None:
    import tempfile

    from intake_ai.demo.exports import FakeConversation
    from tests.export_helpers import at

    # Werkzeug spools an upload over 500 KB to a temporary file: in this folder.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    talks = [FakeConversation(f"t{n}", [at(n / 20, 0), at(n / 20, 1)]) for n in range(600)]
    data = export_zip("chatgpt", talks, text_size=2000)
    assert len(data) > 500 * 1024 or len(export_json("chatgpt", talks, text_size=2000)) > 500 * 1024
    for name, body in (("export.zip", data), ("conversations.json", export_json("claude", talks))):
        assert _upload(_web(app), world.agreed, body, name).status_code == 200
    assert list(tmp_path.iterdir()) == []


def _save_export(app, web, client_id: int) -> str:  # type: ignore[no-untyped-def]
    sealed = _sealed(
        _upload(web, client_id, export_zip("claude", CONVERSATIONS)).get_data(as_text=True)
    )
    assert (
        web.post(f"/clients/{client_id}/usage-export/save", data={"figures": sealed}).status_code
        == 302
    )
    (summary,) = [
        r for r in export_observations(app, client_id) if r.code == "export-usage-summary"
    ]
    return summary.resource_id


def test_saved_figures_can_be_marked_entered_in_error_with_their_weeks(app, world) -> None:
    web = _web(app)
    summary = _save_export(app, web, world.agreed)
    page = web.get(f"/clients/{world.agreed}").get_data(as_text=True)
    assert f"/records/Observation/{summary}/entered-in-error" in page
    marked = web.post(
        f"/records/Observation/{summary}/entered-in-error",
        data={"reason": "Another person's export."},
    )
    assert marked.status_code == 302
    assert {r.status for r in export_observations(app, world.agreed)} == {"entered-in-error"}
    after = web.get(f"/clients/{world.agreed}").get_data(as_text=True)
    assert 'id="saved-exports"' not in after and "From export (per week)" not in after


def test_saved_figures_can_be_removed_for_good_with_their_weeks(app, world) -> None:
    web = _web(app)
    summary = _save_export(app, web, world.agreed)
    removed = web.post(f"/records/Observation/{summary}/purge", data={"reason": "client-request"})
    assert removed.status_code == 302
    with app.app_context():
        left = session().scalar(
            select(func.count()).where(
                StoredResource.client_id == world.agreed,
                StoredResource.code.in_(EXPORT_CODES),
                StoredResource.content.is_not(None),
            )
        )
    assert left == 0
