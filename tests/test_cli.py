"""The flask commands, with their errors."""

from __future__ import annotations

from sqlalchemy import select

from intake_ai.models import Client, Supervision, User
from intake_ai.store.database import session


def test_create_user_with_supervisor(app, runner) -> None:
    assert (
        runner.invoke(
            args=["create-user", "sup", "--role", "supervisor", "--password", "long-enough-1"]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        args=[
            "create-user",
            "dr",
            "--role",
            "clinician",
            "--supervisor",
            "sup",
            "--password",
            "long-enough-1",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert session().scalars(select(Supervision)).one() is not None
        assert (
            session().scalars(select(User).where(User.username == "dr")).one().role == "clinician"
        )


def test_create_user_prompts_for_the_password(app, runner) -> None:
    result = runner.invoke(
        args=["create-user", "dr", "--role", "clinician"], input="long-enough-1\nlong-enough-1\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert session().scalars(select(User)).one().check_password("long-enough-1")


def test_create_user_errors(runner) -> None:
    bad_role = runner.invoke(args=["create-user", "x", "--role", "wizard", "--no-password"])
    assert bad_role.exit_code == 2 and "wizard" in bad_role.output
    no_sup = runner.invoke(
        args=["create-user", "x", "--role", "clinician", "--no-password", "--supervisor", "ghost"]
    )
    assert no_sup.exit_code == 1 and "no user named 'ghost'" in no_sup.output
    short = runner.invoke(args=["create-user", "y", "--role", "clinician", "--password", "short"])
    assert short.exit_code == 1 and "at least 12" in short.output
    runner.invoke(args=["create-user", "z", "--role", "admin", "--no-password"])
    twice = runner.invoke(args=["create-user", "z", "--role", "admin", "--no-password"])
    assert twice.exit_code == 1 and "already taken" in twice.output
    sup_for_admin = runner.invoke(
        args=["create-user", "w", "--role", "admin", "--no-password", "--supervisor", "z"]
    )
    assert sup_for_admin.exit_code == 2


def test_create_token_prints_it_once_and_it_works(client, runner) -> None:
    runner.invoke(args=["create-user", "ehr", "--role", "integrator", "--no-password"])
    result = runner.invoke(args=["create-token", "ehr", "--scope", "system/*.read"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    assert secret.startswith("iat_")
    response = client.get("/fhir/Patient/999", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 404  # authenticated; the patient just does not exist


def test_create_token_refuses_bad_scopes_and_unknown_users(runner) -> None:
    runner.invoke(args=["create-user", "ehr", "--role", "integrator", "--no-password"])
    bad = runner.invoke(args=["create-token", "ehr", "--scope", "everything"])
    assert bad.exit_code == 2 and "not a scope" in bad.output
    ghost = runner.invoke(args=["create-token", "ghost", "--scope", "system/*.read"])
    assert ghost.exit_code == 1


def test_create_client_command(app, runner) -> None:
    runner.invoke(args=["create-user", "dr", "--role", "clinician", "--no-password"])
    result = runner.invoke(args=["create-client", "EHR-1", "--name", "Sam", "--clinician", "dr"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert session().scalars(select(Client)).one().ehr_patient_id == "EHR-1"


def test_seed_demo_is_deterministic_and_refuses_a_used_database(app, runner) -> None:
    first = runner.invoke(args=["seed-demo", "--clients", "3", "--sessions", "2", "--seed", "5"])
    assert first.exit_code == 0, first.output
    assert "demo-clinician-1" in first.output and "demo-supervisor-1" in first.output
    with app.app_context():
        names = session().scalars(select(Client.display_name).order_by(Client.id)).all()
    assert all("(demo" in name for name in names)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 1 and "already has users" in again.output

    from tests.conftest import empty_all_tables

    empty_all_tables(app)
    runner.invoke(args=["seed-demo", "--clients", "3", "--sessions", "2", "--seed", "5"])
    with app.app_context():
        assert session().scalars(select(Client.display_name).order_by(Client.id)).all() == names


def test_seed_demo_rejects_bad_numbers(runner) -> None:
    result = runner.invoke(args=["seed-demo", "--clients", "0"])
    assert result.exit_code == 2
