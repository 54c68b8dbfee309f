"""Absolute URLs come from the configured public URL or a trusted host, never from whatever
``Host`` header a client sends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake_ai import create_app
from intake_ai.models import AuditRecord
from intake_ai.store.database import session
from tests.api_world import build_world
from tests.conftest import AuthActions, base_config

EVIL = {"Host": "evil.example"}
ASYNC = {"Prefer": "respond-async"}


def _absolute_urls(app, world, headers: dict[str, str]) -> list[str]:
    """Every absolute URL the API hands out: links, fullUrls, Location, the export's."""
    web = app.test_client()
    found: list[str] = []
    sent = {**world.integrator, **headers}
    bundle = web.get(f"/fhir/Observation?patient={world.agreed}&_count=1", headers=sent)
    assert bundle.status_code == 200, bundle.data
    found += [link["url"] for link in bundle.json["link"]]
    found += [entry["fullUrl"] for entry in bundle.json["entry"]]
    history = web.get("/fhir/Observation/_history?_count=1", headers=sent)
    found += [link["url"] for link in history.json["link"]]
    found += [entry["fullUrl"] for entry in history.json["entry"]]
    kicked = web.get("/fhir/$export", headers={**world.integrator, **ASYNC, **headers})
    assert kicked.status_code == 202
    status_url = kicked.headers["Content-Location"]
    found.append(status_url)
    path = status_url.split("/fhir/", 1)[1]
    manifest = web.get(f"/fhir/{path}", headers={**world.integrator, **headers}).json
    found.append(manifest["request"])
    found += [output["url"] for output in manifest["output"]]
    metadata = web.get("/fhir/metadata", headers=headers).json
    found.append(metadata["implementation"]["url"])
    return found


def test_an_untrusted_host_is_refused_when_nothing_is_configured(app, client, world) -> None:
    api = client.get("/fhir/Observation", headers={**world.integrator, **EVIL})
    assert api.status_code == 400
    assert "evil.example" in api.json["issue"][0]["diagnostics"]
    page = client.get("/login", headers=EVIL)
    assert page.status_code == 400
    assert "INTAKE_AI_PUBLIC_URL" in page.get_data(as_text=True)
    web = app.test_client()
    AuthActions(web).login("dr-a")
    refused = web.get(f"/clients/{world.agreed}", headers=EVIL)
    assert refused.status_code == 400
    with app.app_context():
        entry = session().scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
    assert (entry.entity, entry.outcome, entry.client_id) == (
        f"/clients/{world.agreed}",
        "4",
        world.agreed,
    )


def test_urls_are_on_the_public_url_whatever_the_host_header(app, app_factory, make) -> None:
    world = build_world(app, make)  # the apps share the database
    public = app_factory(INTAKE_AI_PUBLIC_URL="https://ehr.example.org/")
    urls = _absolute_urls(public, world, EVIL)
    assert len(urls) >= 8
    assert all(url.startswith("https://ehr.example.org/fhir") for url in urls), urls


def test_a_trusted_host_gives_urls_on_that_host(app, app_factory, make) -> None:
    world = build_world(app, make)
    app = app_factory(INTAKE_AI_TRUSTED_HOSTS=["ehr.example.org", ".clinic.example"])
    assert app.config["TRUSTED_HOSTS"] == ["ehr.example.org", ".clinic.example"]
    urls = _absolute_urls(app, world, {"Host": "ehr.example.org"})
    assert all(url.startswith("http://ehr.example.org/fhir") for url in urls), urls
    web = app.test_client()
    assert web.get("/fhir/metadata", headers={"Host": "a.clinic.example"}).status_code == 200
    refused = web.get("/fhir/metadata", headers=EVIL)
    assert refused.status_code == 400
    assert refused.json["resourceType"] == "OperationOutcome"
    assert web.get("/login", headers={"Host": "localhost"}).status_code == 400


def test_a_host_apps_trusted_hosts_are_honoured_by_the_module(tmp_path) -> None:
    from tests.test_host_mount import make_host

    host, _db = make_host(f"sqlite:///{tmp_path}/trusted.sqlite3")
    host.config["TRUSTED_HOSTS"] = ["ehr.example.org"]
    web = host.test_client()
    assert web.get("/ehr/fhir/metadata", headers={"Host": "ehr.example.org"}).status_code == 200
    assert web.get("/ehr/fhir/metadata", headers=EVIL).status_code == 400


@pytest.mark.parametrize(
    "public_url", ["ehr.example.org", "ftp://ehr.example.org", "https://", "https://e.org/?a=1"]
)
def test_a_public_url_that_cannot_be_a_base_is_refused_at_start(migrated, public_url) -> None:
    with pytest.raises(ValueError, match="INTAKE_AI_PUBLIC_URL"):
        create_app(base_config(migrated) | {"INTAKE_AI_PUBLIC_URL": public_url})
