"""The module's Questionnaires in two independent SDC renderers, LHC-Forms and Smart Forms.

Each renders the intake and the session note, offline (the served Questionnaire, whose
choices carry their answerOptions: no terminology server is asked, nor any other server)
and with the module as its terminology server (answerValueSet + preferredTerminologyServer:
the options come from the module's ValueSet/$expand). A person's answers are clicked in,
including a boolean "No" and items shown only by enableWhen; every question the skip logic
asks must be on the page, with every option. The renderer's own QuestionnaireResponse is
then POSTed to the API and must be accepted, read back with the same answers and extracted
to the same Observations as the same answers saved through the module's own form.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from fhir_mappings.definitions import DEFINITIONS
from fhir_mappings.definitions.answers import enabled
from fhir_mappings.questionnaire import build_questionnaire, questionnaire_id
from fhir_mappings.response import answers_of
from tests.conftest import AuthActions, bearer
from tests.e2e.sdc_renderers import NOT_CHECKED, RENDERERS, RendererUnavailable, serve
from tests.intake_helpers import FULL_INTAKE, submit_intake, submit_note

pytestmark = pytest.mark.e2e

#: What a person answers in each form: (action, linkId, value), in the order clicked; and
#: the same answers as the module's own form posts them.
STEPS = {
    "ai-use-intake": [
        ("choose", "consent-record", "consent-agree"),  # the gate: the rest appears
        ("yes_no", "consent-terms", True),
        ("yes_no", "research-opt-in", False),
        ("choose", "tools", "tool-chatgpt"),
        ("choose", "days-per-week", "dpw-3-4"),  # shown only while item 1 is not "None"
        ("choose", "purpose-looking-up", "freq-often"),  # a row of the purposes table
        ("yes_no", "privacy-tips", False),
        ("choose", "withdrawal", "reliance-2"),
    ],
    "ai-use-session-note": [
        ("choose", "any-use", "use-yes"),  # the rest of the section appears
        ("choose", "tools", "tool-claude"),
        ("choose", "days-per-week", "dpw-1-2"),
        ("number", "reliance-rating", 3),
        ("choose", "crisis-use", "crisis-no"),
    ],
}
FORM_ANSWERS = {
    "ai-use-intake": {
        "consent-record": "consent-agree",
        "consent-terms": "true",
        "research-opt-in": "false",
        "tools": ["tool-chatgpt"],
        "days-per-week": "dpw-3-4",
        "purpose-looking-up": "freq-often",
        "privacy-tips": "false",
        "withdrawal": "reliance-2",
    },
    "ai-use-session-note": {
        "any-use": "use-yes",
        "tools": ["tool-claude"],
        "days-per-week": "dpw-1-2",
        "reliance-rating": "3",
        "crisis-use": "crisis-no",
    },
}


def _unavailable(message: str) -> None:
    if os.environ.get("INTAKE_AI_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def renderer_files() -> dict[str, Path]:
    """Each renderer's files, installed from the npm registry once per cache directory."""
    try:
        return {name: kind.install() for name, kind in RENDERERS.items()}
    except RendererUnavailable as error:
        _unavailable(f"the SDC renderers are needed for these tests: {error}")
        raise


@pytest.fixture
def clinic(app, make):  # type: ignore[no-untyped-def]
    """dr-a with two clients: one answered through the module's form, one through a
    renderer; for the session note, each already has its intake."""
    make.user("clinician", "dr-a")
    web = app.test_client()
    assert AuthActions(web).login("dr-a").status_code == 302
    token = bearer(make.token("dr-a", "system/*.read", "system/*.write"))
    return web, token


def _first_sessions(app, make, web, form: str) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(client, encounter) answered by the form, and the renderer's client and encounter."""
    ids = []
    for _ in range(2):
        client_id = make.client("dr-a")
        encounter = make.encounter(client_id, "dr-a")
        if form == "ai-use-session-note":
            assert submit_intake(web, encounter, FULL_INTAKE).status_code == 302
            encounter = make.encounter(client_id, "dr-a")
        ids.append((client_id, encounter))
    (_, form_encounter), (client_id, renderer_encounter) = ids
    return form_encounter, client_id, renderer_encounter


def _practitioner(app) -> int:  # type: ignore[no-untyped-def]
    from intake_ai.models import User
    from intake_ai.store.database import session

    with app.app_context():
        return session().query(User).filter_by(username="dr-a").one().id


def _observations(base: str, token: dict[str, str], encounter: int) -> list[str]:
    """The encounter's Observations as (code, value) facts, ids and times left out."""
    found = requests.get(
        f"{base}/fhir/Observation",
        params={"encounter": f"Encounter/{encounter}", "_count": 500},
        headers=token,
        timeout=30,
    ).json()
    facts = []
    for entry in found.get("entry", []):
        resource = entry["resource"]
        kept = {
            k: v
            for k, v in resource.items()
            if k.startswith("value") or k in ("code", "component", "dataAbsentReason", "category")
        }
        facts.append(json.dumps(kept, sort_keys=True))
    return sorted(facts)


@pytest.fixture
def renderer_page(browser, live_server, renderer_files, request) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    def open_page(kind_name: str, token: dict[str, str]) -> tuple[Any, Any]:
        kind = RENDERERS[kind_name]
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, extra_http_headers=token
        )
        context._intake_axe_off = NOT_CHECKED  # type: ignore[attr-defined]
        opened.append(context)
        traffic = serve(context, live_server, renderer_files, kind.page_html)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server}/_sdc/index.html")
        driver = kind.driver(page)
        driver.errors = errors  # type: ignore[attr-defined]
        return driver, traffic

    opened: list[Any] = []
    yield open_page
    for context in opened:
        context.close()


@pytest.mark.parametrize("form", sorted(STEPS))
@pytest.mark.parametrize("mode", ["offline", "terminology-server"])
@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_renderer_response_is_accepted_and_extracted_like_the_form(
    renderer, mode, form, app, make, clinic, live_server, renderer_page
) -> None:
    web, token = clinic
    definition = DEFINITIONS[form]
    form_encounter, client_id, encounter = _first_sessions(app, make, web, form)
    saved = (submit_intake if form == "ai-use-intake" else submit_note)(
        web, form_encounter, FORM_ANSWERS[form]
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]

    if mode == "offline":  # what the API serves, as any client would read it
        served = requests.get(
            f"{live_server}/fhir/Questionnaire/{questionnaire_id(definition)}",
            headers=token,
            timeout=30,
        )
        assert served.status_code == 200
        questionnaire = served.json()
    else:
        questionnaire = build_questionnaire(definition, terminology_server=f"{live_server}/fhir")
    driver, traffic = renderer_page(renderer, token)
    driver.render(questionnaire)
    for action, link_id, value in STEPS[form]:
        getattr(driver, action)(link_id, value)
    shown = driver.text()
    response = driver.response()
    assert driver.errors == [], driver.errors

    # Offline, nothing but the renderer's own files was fetched; online, the options came
    # from the module's $expand. Never a public terminology server.
    assert traffic.foreign == []
    if mode == "offline":
        assert traffic.expansions == []
    else:
        assert len(traffic.expansions) >= 3, traffic.expansions

    # The EHR that hosts the renderer knows whose session this is; the renderer does not.
    posted = {
        **response,
        "subject": {"reference": f"Patient/{client_id}"},
        "encounter": {"reference": f"Encounter/{encounter}"},
        "author": {"reference": f"Practitioner/{_practitioner(app)}"},
        "status": "completed",
    }
    stored = requests.post(
        f"{live_server}/fhir/QuestionnaireResponse",
        data=json.dumps(posted),
        headers={**token, "Content-Type": "application/fhir+json"},
        timeout=30,
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["questionnaire"] == response["questionnaire"]

    # Read back: the same answers, and the same extraction, as the module's own form.
    answers = answers_of(definition, stored.json())
    by_form = _stored_response(live_server, token, form_encounter)
    assert answers == answers_of(definition, by_form)
    assert answers["research-opt-in" if form == "ai-use-intake" else "any-use"].values
    if form == "ai-use-intake":
        assert answers["privacy-tips"].values == (False,)
        assert answers["research-opt-in"].values == (False,)
    assert _observations(live_server, token, encounter) == _observations(
        live_server, token, form_encounter
    )

    # Every question the answers make the skip logic ask was on the page, with its options.
    for item in definition.questions():
        if not enabled(definition, item.link_id, answers):
            continue
        assert item.text in shown, f"{driver.name} did not show {item.link_id!r}"
        for option in item.answers.options if item.answers else ():
            assert option.display in shown, f"{driver.name}: {item.link_id} {option.code}"


def _stored_response(base: str, token: dict[str, str], encounter: int) -> dict[str, Any]:
    found = requests.get(
        f"{base}/fhir/QuestionnaireResponse",
        params={"encounter": f"Encounter/{encounter}"},
        headers=token,
        timeout=30,
    ).json()
    assert found["total"] == 1, found
    resource = found["entry"][0]["resource"]
    assert isinstance(resource, dict)
    return resource
