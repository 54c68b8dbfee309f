"""The optional TOTP second factor: enrolment with a QR code, the code step at sign-in,
recovery codes, no replay, failures counted, MFA required; and interoperability with an
authenticator app, shown with an RFC 6238 implementation written here from the RFC."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import select

from intake_ai.models import AuditRecord, RecoveryCode, SecondFactor
from intake_ai.store.database import session
from tests.conftest import PASSWORD


def _login(client: FlaskClient, username: str = "dr-a", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password})


def _secret(page: str) -> str:
    return re.search(r'<code class="secret" aria-label="Setup key">([A-Z2-7]+)</code>', page).group(
        1
    )


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _enrol(client: FlaskClient, *, password: str | None = PASSWORD, steps_ahead: int = -1):  # type: ignore[no-untyped-def]
    """Set up an authenticator; returns (secret, recovery codes). Uses the previous step's
    code, so that the current and next steps are left for signing in."""
    secret = _secret(client.get("/two-step").get_data(as_text=True))
    data = {"code": _code(secret, steps_ahead)}
    if password is not None:
        data["password"] = password
    page = client.post("/two-step", data=data)
    assert page.status_code == 200, page.get_data(as_text=True)
    codes = re.findall(r"<li><code>([A-Z0-9-]{19})</code></li>", page.get_data(as_text=True))
    return secret, codes


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/clients").status_code == 200


def test_enrolment_shows_a_qr_code_and_the_secret_and_confirms_with_a_code(app, client, make):  # type: ignore[no-untyped-def]
    make.user("clinician", "dr-a")
    _login(client)
    page = client.get("/two-step").get_data(as_text=True)
    assert "<svg" in page and 'class="segno"' in page
    secret = _secret(page)
    uri = re.search(r"(otpauth://totp/[^<\s]+)", page).group(1).replace("&amp;", "&")
    parts = urlsplit(uri)
    assert unquote(parts.path) == "/intake_ai:dr-a"
    assert parse_qs(parts.query)["secret"] == [secret]
    assert parse_qs(parts.query)["issuer"] == ["intake_ai"]
    # The same secret until it is confirmed (the app scanned it once).
    assert _secret(client.get("/two-step").get_data(as_text=True)) == secret

    wrong = client.post("/two-step", data={"code": "000000", "password": PASSWORD})
    if _code(secret) != "000000":
        assert wrong.status_code == 400
        assert "Wrong code" in wrong.get_data(as_text=True)
    confirmed = client.post("/two-step", data={"code": _code(secret), "password": PASSWORD})
    assert confirmed.status_code == 200
    codes = re.findall(r"<li><code>([A-Z0-9-]{19})</code></li>", confirmed.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        factor = session().scalars(select(SecondFactor)).one()
        assert factor.secret == secret and factor.pending_secret is None
        stored = [r.code_hash for r in session().scalars(select(RecoveryCode))]
        assert len(stored) == 10
        assert not set(codes) & set(stored)
        assert all(len(h) == 64 for h in stored)
        assert any(
            r.detail == "second factor set up"
            for r in session().scalars(select(AuditRecord).where(AuditRecord.operation == "login"))
        )


def test_a_signed_in_person_confirms_enrolment_with_their_password(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    secret = _secret(client.get("/two-step").get_data(as_text=True))
    refused = client.post("/two-step", data={"code": _code(secret), "password": "not-mine-1"})
    assert refused.status_code == 401
    with app.app_context():
        assert session().scalars(select(SecondFactor)).one().secret is None


def test_sign_in_asks_for_the_code_after_the_password(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    secret, _codes = _enrol(client)
    client.post("/logout")
    step = client.post("/login?next=/clients", data={"username": "dr-a", "password": PASSWORD})
    assert step.headers["Location"] == "/login/code?next=/clients"
    # No page before the code: every one sends back to the code step.
    for path in ("/clients", "/", "/supervision", "/two-step"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    assert client.get("/session/status").status_code == 401
    done = client.post("/login/code?next=/clients", data={"code": _code(secret)})
    assert done.headers["Location"] == "/clients"
    assert _signed_in(client)


def test_a_code_cannot_be_used_twice(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    secret, _codes = _enrol(client)
    client.post("/logout")
    _login(client)
    code = _code(secret)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    _login(client)
    replay = client.post("/login/code", data={"code": code})
    assert replay.status_code == 401
    assert "already used" in replay.get_data(as_text=True)
    # Nor an older one, still inside the clock-drift window.
    assert client.post("/login/code", data={"code": _code(secret, -1)}).status_code == 401
    assert not _signed_in(client)
    assert client.post("/login/code", data={"code": _code(secret, 1)}).status_code == 302


def test_recovery_codes_sign_in_once_each(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    _secret_, codes = _enrol(client)
    client.post("/logout")
    _login(client)
    assert client.post("/login/code", data={"code": codes[3].lower()}).status_code == 302
    assert _signed_in(client)
    client.post("/logout")
    _login(client)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 401
    with app.app_context():
        used = session().scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None)))
        assert len(used.all()) == 1
        logins = session().scalars(select(AuditRecord).where(AuditRecord.operation == "login"))
        assert any("recovery code (9 left)" in (r.detail or "") for r in logins)


def test_wrong_codes_count_toward_the_lockout(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    secret, _codes = _enrol(client)
    client.post("/logout")
    _login(client)
    right = _code(secret)
    wrong = "123456" if right != "123456" else "654321"
    for _ in range(5):
        assert client.post("/login/code", data={"code": wrong}).status_code == 401
    locked = client.post("/login/code", data={"code": right})
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "2"
    with app.app_context():
        refusals = (
            session()
            .scalars(
                select(AuditRecord).where(
                    AuditRecord.operation == "login", AuditRecord.outcome == "4"
                )
            )
            .all()
        )
    assert sum("wrong or already used second-factor code" in r.detail for r in refusals) == 5
    assert all(wrong not in (r.detail or "") for r in refusals)


def test_required_mfa_sends_a_user_without_one_to_enrol_first(app_factory, make) -> None:
    app = app_factory(INTAKE_AI_REQUIRE_MFA=True)
    make.app = app
    make.user("clinician", "dr-a")
    client = app.test_client()
    first = client.post("/login?next=/clients", data={"username": "dr-a", "password": PASSWORD})
    assert first.headers["Location"] == "/two-step?next=/clients"
    for path in ("/clients", "/"):
        response = client.get(path)
        assert response.headers["Location"] == "/two-step", path
    page = client.get("/two-step?next=/clients").get_data(as_text=True)
    assert "Your password" not in page  # the password was just given
    secret = _secret(page)
    done = client.post("/two-step?next=/clients", data={"code": _code(secret)})
    assert done.status_code == 200
    assert 'href="/clients"' in done.get_data(as_text=True)
    assert _signed_in(client)
    client.post("/logout")
    assert _login(client).headers["Location"] == "/login/code"


def test_without_mfa_required_a_user_without_totp_signs_in_with_the_password(app, client, make):  # type: ignore[no-untyped-def]
    make.user("clinician", "dr-a")
    assert _login(client).headers["Location"] == "/"
    assert _signed_in(client)


# --- An independent TOTP (RFC 6238 over RFC 4226), written from the RFCs, not pyotp. ---


def rfc6238(key: bytes, unix_time: int, digits: int = 6, step: int = 30) -> str:
    counter = struct.pack(">Q", unix_time // step)
    mac = hmac.new(key, counter, hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def test_the_independent_implementation_reproduces_the_rfc_vectors() -> None:
    key = b"12345678901234567890"  # RFC 6238, appendix B, SHA-1
    assert rfc6238(key, 59, digits=8) == "94287082"
    assert rfc6238(key, 1111111109, digits=8) == "07081804"
    assert rfc6238(key, 1234567890, digits=8) == "89005924"
    assert rfc6238(key, 20000000000, digits=8) == "65353130"


def test_codes_from_an_authenticator_app_are_accepted(app, client, make) -> None:
    make.user("clinician", "dr-a")
    _login(client)
    secret = _secret(client.get("/two-step").get_data(as_text=True))
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    now = int(time.time())
    confirmed = client.post(
        "/two-step", data={"code": rfc6238(key, now - 30), "password": PASSWORD}
    )
    assert confirmed.status_code == 200
    client.post("/logout")
    _login(client)
    assert client.post("/login/code", data={"code": rfc6238(key, now)}).status_code == 302
    assert _signed_in(client)
