"""The app factory: configuration from a mapping and the environment, safe defaults."""

from __future__ import annotations

from pathlib import Path

from intake_ai import create_app
from intake_ai.config import from_environment


def test_config_mapping_wins_over_defaults(migrated: str) -> None:
    app = create_app(
        {"INTAKE_AI_DATABASE_URL": migrated, "INTAKE_AI_FLAG_QUEUE_HOURS": 24, "SECRET_KEY": "x"}
    )
    assert app.config["INTAKE_AI_FLAG_QUEUE_HOURS"] == 24
    assert app.config["INTAKE_AI_FHIR_BASE"] == "/fhir"


def test_config_from_environment(monkeypatch, migrated: str) -> None:
    monkeypatch.setenv("INTAKE_AI_DATABASE_URL", migrated)
    monkeypatch.setenv("INTAKE_AI_FLAG_QUEUE_HOURS", "72")
    monkeypatch.setenv("INTAKE_AI_TIMEZONE", "Europe/Berlin")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == migrated
    assert app.config["INTAKE_AI_FLAG_QUEUE_HOURS"] == 72
    assert app.config["INTAKE_AI_TIMEZONE"] == "Europe/Berlin"


def test_database_url_stays_a_string_even_if_it_looks_like_json() -> None:
    assert from_environment({"INTAKE_AI_DATABASE_URL": "123"}) == {"INTAKE_AI_DATABASE_URL": "123"}


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("INTAKE_AI_DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"})
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert url.startswith("sqlite:///")
    assert url.endswith("intake_ai.sqlite3")
    assert str(Path(app.instance_path)) in url


def test_bound_parameters_are_kept_out_of_error_messages(migrated: str) -> None:
    app = create_app({"INTAKE_AI_DATABASE_URL": migrated, "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True


def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path: Path, migrated: str) -> None:
    monkeypatch.delenv("INTAKE_AI_SECRET_KEY", raising=False)
    first = create_app({"INTAKE_AI_DATABASE_URL": migrated})
    second = create_app({"INTAKE_AI_DATABASE_URL": migrated})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64


def test_pages_and_api_are_mounted(client) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/fhir/metadata").status_code == 200
    with client.get("/intake-ai-static/css/intake_ai.css") as css:
        assert css.status_code == 200 and b"--accent" in css.data


def test_plotly_js_is_served_locally_and_cacheable(client) -> None:
    from intake_ai.pages.guard import PLOTLY_VERSION

    with client.get(f"/intake-ai-vendor/plotly.min.js?v={PLOTLY_VERSION}") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert "immutable" in response.headers["Cache-Control"]
        assert len(response.data) > 1_000_000
