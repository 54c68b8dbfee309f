"""API tokens and users from the command line, token expiry, revocation and last use."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select, update

from intake_ai.models import ApiToken, AuditRecord, User
from intake_ai.store.database import engine, session, transaction, utcnow
from tests.conftest import PASSWORD, bearer


def _tokens(app) -> list[ApiToken]:
    with app.app_context():
        rows = list(session().scalars(select(ApiToken).order_by(ApiToken.id)))
        session().expunge_all()
        return rows


def _issue(runner, *args: str) -> str:
    result = runner.invoke(args=["create-token", "ehr", "--scope", "system/*.read", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[0]


def test_tokens_expire_after_90_days_unless_told_otherwise(app, runner, make) -> None:
    make.user("integrator", "ehr")
    before = utcnow()
    _issue(runner)
    _issue(runner, "--expires-days", "7")
    _issue(runner, "--expires-days", "never")
    default, week, never = _tokens(app)
    assert default.expires_at is not None
    assert timedelta(days=90) <= default.expires_at - before < timedelta(days=90, minutes=1)
    assert week.expires_at is not None
    assert timedelta(days=7) <= week.expires_at - before < timedelta(days=7, minutes=1)
    assert never.expires_at is None


def test_the_token_lifetime_is_configurable(app_factory, make) -> None:
    app = app_factory(INTAKE_AI_TOKEN_DAYS=30)
    make.app = app
    make.user("integrator", "ehr")
    before = utcnow()
    _issue(app.test_cli_runner())
    (token,) = _tokens(app)
    assert token.expires_at is not None
    assert timedelta(days=30) <= token.expires_at - before < timedelta(days=30, minutes=1)


def test_bad_expiry_values_are_refused(app, runner, make) -> None:
    make.user("integrator", "ehr")
    for value in ("soon", "0", "-3", "1.5", ""):
        result = runner.invoke(
            args=["create-token", "ehr", "--scope", "system/*.read", "--expires-days", value]
        )
        assert result.exit_code == 2, value
        assert "neither a number of days" in result.output
    assert _tokens(app) == []


def test_an_expired_token_stops_working(app, client, runner, make) -> None:
    make.user("integrator", "ehr")
    secret = _issue(runner, "--expires-days", "1")
    assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 200
    with app.app_context(), transaction():
        session().execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 401


def test_list_tokens_and_revoke_token(app, client, runner, make) -> None:
    make.user("integrator", "ehr")
    make.user("clinician", "dr-a")
    secret = _issue(runner, "--label", "nightly sync")
    runner.invoke(args=["create-token", "dr-a", "--scope", "system/Observation.read"])
    client.get("/fhir/Patient", headers=bearer(secret))
    listed = runner.invoke(args=["list-tokens"])
    assert listed.exit_code == 0, listed.output
    header, *lines = listed.output.strip().splitlines()
    assert header.split("\t") == [
        "id",
        "user",
        "name",
        "scopes",
        "created",
        "expires",
        "last used",
        "revoked",
        "status",
    ]
    by_user = {line.split("\t")[1]: line.split("\t") for line in lines}
    ehr = by_user["ehr"]
    assert ehr[2] == "nightly sync" and ehr[3] == "system/*.read"
    assert ehr[6] != "-" and ehr[7] == "-" and ehr[8] == "active"
    assert by_user["dr-a"][6] == "-"  # never used
    assert secret not in listed.output
    only = runner.invoke(args=["list-tokens", "--user", "dr-a"])
    assert len(only.output.strip().splitlines()) == 2

    revoked = runner.invoke(args=["revoke-token", ehr[0]])
    assert revoked.exit_code == 0, revoked.output
    assert f"revoked token {ehr[0]} ('nightly sync' of 'ehr')" in revoked.output
    assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 401
    again = runner.invoke(args=["revoke-token", ehr[0]])
    assert again.exit_code == 1 and "already revoked" in again.output
    ghost = runner.invoke(args=["revoke-token", "999"])
    assert ghost.exit_code == 1 and "No token with id 999" in ghost.output
    after = runner.invoke(args=["list-tokens", "--user", "ehr"]).output
    assert after.strip().splitlines()[1].split("\t")[8] == "revoked"


def test_cli_user_lifecycle_is_audited_under_the_operator(app, client, runner, make) -> None:
    created = runner.invoke(
        args=["create-user", "dr-a", "--role", "clinician", "--password", PASSWORD, "--temporary"]
    )
    assert created.exit_code == 0, created.output
    runner.invoke(args=["create-user", "ehr", "--role", "integrator", "--no-password"])
    secret = _issue(runner)
    off = runner.invoke(args=["deactivate-user", "ehr"])
    assert off.exit_code == 0, off.output
    assert "1 unrevoked, unexpired token(s) are not revoked but stop working" in off.output
    assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 401
    on = runner.invoke(args=["reactivate-user", "ehr"])
    assert on.exit_code == 0 and "work again" in on.output
    assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 200
    ghost = runner.invoke(args=["deactivate-user", "ghost"])
    assert ghost.exit_code == 1 and "no user named 'ghost'" in ghost.output
    pw = runner.invoke(args=["set-password", "dr-a"], input="plum-river-quiet-9\n" * 2)
    assert pw.exit_code == 0, pw.output
    with app.app_context():
        dr = session().scalars(select(User).where(User.username == "dr-a")).one()
        assert dr.check_password("plum-river-quiet-9") and not dr.must_change_password
        records = list(session().scalars(select(AuditRecord).where(AuditRecord.action != "R")))
        by_cli = [(r.operation, r.detail) for r in records if r.agent_name.startswith("cli:")]
        assert all(r.agent_role == "command-line" for r in records if r.agent_name != "ehr")
    assert ("create", "created clinician dr-a (temporary password)") in by_cli
    assert ("create", "created integrator ehr (no password)") in by_cli
    assert ("update", "deactivated ehr") in by_cli and ("update", "reactivated ehr") in by_cli
    assert ("update", "password of dr-a reset (typed)") in by_cli
    assert any(op == "create" and "token 'ehr' for ehr" in (d or "") for op, d in by_cli)
    assert not any("plum-river" in (d or "") or PASSWORD in (d or "") for _, d in by_cli)


def test_cli_temporary_password_forces_a_change(app, client, auth, runner) -> None:
    runner.invoke(
        args=["create-user", "dr-a", "--role", "clinician", "--password", PASSWORD, "--temporary"]
    )
    auth.login("dr-a")
    assert client.get("/clients").headers["Location"] == "/account/password"


def test_admin_token_page_lists_and_revokes(app, client, auth, make) -> None:
    make.user("admin", "root")
    make.user("integrator", "ehr")
    secret = make.token("ehr", "system/Observation.read", "system/Patient.read")
    client.get("/fhir/Patient", headers=bearer(secret))
    (token,) = _tokens(app)
    auth.login("root")
    page = client.get("/admin/tokens").get_data(as_text=True)
    for heading in ("User", "Name", "Scopes", "Created", "Expires", "Last used", "Revoked"):
        assert f'<th scope="col">{heading}</th>' in page
    assert "<code>system/Observation.read</code>" in page and ">ehr</a>" in page
    assert page.count("<td>never</td>") == 1  # it never expires; it was used
    assert f'action="/admin/tokens/{token.id}/revoke"' in page
    answer = client.post(f"/admin/tokens/{token.id}/revoke", follow_redirects=True)
    assert b"is revoked" in answer.data
    assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 401
    assert _tokens(app)[0].revoked_at is not None
    assert f'action="/admin/tokens/{token.id}/revoke"' not in client.get("/admin/tokens").get_data(
        as_text=True
    )
    with app.app_context():
        revoke = (
            session()
            .scalars(select(AuditRecord).where(AuditRecord.entity == f"token/{token.id}"))
            .one()
        )
        assert revoke.agent_name == "root" and revoke.detail == "revoked token 'test' of ehr"


class Statements:
    """The statements run and the commits made, in order, while listening."""

    def __init__(self, app) -> None:
        with app.app_context():
            self.bound = engine()
        self.seen: list[str] = []
        event.listen(self.bound, "before_cursor_execute", self._executed)
        event.listen(self.bound, "commit", self._committed)

    def _executed(self, _conn, _cursor, statement: str, *_args: object) -> None:
        self.seen.append(" ".join(statement.split()))

    def _committed(self, _conn) -> None:
        self.seen.append("COMMIT")

    def close(self) -> None:
        event.remove(self.bound, "before_cursor_execute", self._executed)
        event.remove(self.bound, "commit", self._committed)

    def touches(self) -> int:
        return sum(s.startswith("UPDATE intake_api_token SET last_used_at") for s in self.seen)


def test_last_use_is_written_at_most_once_a_minute_with_the_audit_entry(app, client, make) -> None:
    make.user("integrator", "ehr")
    secret = make.token("ehr")
    assert _tokens(app)[0].last_used_at is None
    statements = Statements(app)
    try:
        assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 200
        assert statements.touches() == 1
        touch = next(i for i, s in enumerate(statements.seen) if s.startswith("UPDATE"))
        # The touch commits with the request's own work; the read's audit entry goes through
        # the durable journal (README, "Reliability") and is on file once the read answered.
        assert "COMMIT" in statements.seen[touch:]
        with app.app_context():
            reads = (
                session()
                .scalars(
                    select(AuditRecord).where(
                        AuditRecord.operation == "search-type", AuditRecord.entity == "Patient"
                    )
                )
                .all()
            )
        assert len(reads) == 1
        first = _tokens(app)[0].last_used_at
        assert first is not None and utcnow() - first < timedelta(seconds=30)

        statements.seen.clear()
        for _ in range(3):
            assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 200
        assert statements.touches() == 0
        assert not any(s.startswith("UPDATE") for s in statements.seen)
        assert _tokens(app)[0].last_used_at == first

        with app.app_context(), transaction():
            session().execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=2)))
        statements.seen.clear()
        assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 200
        assert statements.touches() == 1
        later = _tokens(app)[0].last_used_at
        assert later is not None and later > first - timedelta(seconds=1)
    finally:
        statements.close()


def test_a_refused_token_is_not_marked_used(app, client, make) -> None:
    make.user("integrator", "ehr")
    secret = make.token("ehr")
    with app.app_context(), transaction():
        session().execute(update(ApiToken).values(revoked_at=utcnow()))
    assert client.get("/fhir/Patient", headers=bearer(secret)).status_code == 401
    assert _tokens(app)[0].last_used_at is None
