"""The optional second factor: TOTP (RFC 6238, as authenticator apps do it) and recovery codes.

pyotp computes the codes and the ``otpauth://`` URI; segno draws the URI as an SVG QR code.
A code is accepted in the current 30-second step or the one either side of it (clocks
drift), and only in a step later than the last one accepted: a code seen once, or an older
one, never works again. Recovery codes are 80 random bits each, stored as SHA-256 digests,
good for one sign-in each.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from intake_ai.models import RecoveryCode, SecondFactor, User
from intake_ai.store.database import session, utcnow

RECOVERY_CODES = 10
#: Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L).
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_RECOVERY_LENGTH = 16  # 16 symbols of 31: 79 bits
_TOTP_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    #: The URI as an inline SVG QR code (no script, no external image: fits the CSP).
    qr_svg: str
    #: The user already has a confirmed second factor, which this one would replace.
    replacing: bool


def has_second_factor(user: User) -> bool:
    row = session().get(SecondFactor, user.id)
    return row is not None and row.secret is not None


def start_enrolment(user: User) -> Enrolment:
    """The secret to show: the one already waiting for confirmation, or a new one."""
    row = session().get(SecondFactor, user.id)
    if row is None:
        row = SecondFactor(user_id=user.id)
        session().add(row)
    if row.pending_secret is None:
        row.pending_secret = pyotp.random_base32()
    session().flush()
    uri = pyotp.TOTP(row.pending_secret).provisioning_uri(
        name=user.username, issuer_name=current_app.config["INTAKE_AI_MFA_ISSUER"]
    )
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return Enrolment(row.pending_secret, uri, qr_svg, replacing=row.secret is not None)


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Check a code against the waiting secret; on success it becomes the user's factor
    and the new recovery codes (shown once, never stored) are returned."""
    row = session().get(SecondFactor, user.id)
    if row is None or row.pending_secret is None:
        return None
    step = _matching_step(row.pending_secret, code, after=None)
    if step is None:
        return None
    row.secret, row.pending_secret = row.pending_secret, None
    row.confirmed_at = utcnow()
    row.last_step = step
    session().flush()
    return _new_recovery_codes(user)


def verify(user: User, code: str) -> str | None:
    """``"totp"`` or ``"recovery"`` if the code signs the user in (and is now spent), else None."""
    text = code.strip().replace(" ", "")
    row = session().get(SecondFactor, user.id)
    if row is None or row.secret is None:
        return None
    if _TOTP_CODE.match(text):
        step = _matching_step(row.secret, text, after=row.last_step)
        if step is None:
            return None
        # Conditional, so two requests racing with the same code cannot both win.
        taken = session().execute(
            update(SecondFactor)
            .where(
                SecondFactor.user_id == user.id,
                or_(SecondFactor.last_step.is_(None), SecondFactor.last_step < step),
            )
            .values(last_step=step)
            .execution_options(synchronize_session=False)
        )
        return "totp" if taken.rowcount == 1 else None  # type: ignore[attr-defined]
    spent = session().execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_digest(text),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return "recovery" if spent.rowcount == 1 else None  # type: ignore[attr-defined]


def recovery_codes_left(user: User) -> int:
    return int(
        session().scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    text = code.strip().replace(" ", "")
    if not _TOTP_CODE.match(text):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in (now - 1, now, now + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), text):
            return step
    return None


def _recovery_digest(text: str) -> str:
    normal = text.upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    session().execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
        session().add(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(raw)))
    session().flush()
    return codes
