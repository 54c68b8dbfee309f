"""The password policy (OWASP ASVS 2.1): long enough, not common, not the username.

Strength is judged by zxcvbn, which knows the common-password and word lists and the
usual patterns (sequences, repeats, keyboard walks, dates, l33t). It is applied wherever a
password is set: creating a user, the command line's set-password, an admin's reset and a
person changing their own.
"""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

from intake_ai.errors import InvalidInput

MIN_LENGTH = 12
#: Long passphrases are welcome (ASVS 2.1.2 asks for at least 64 characters to be allowed).
MAX_LENGTH = 128
#: zxcvbn's score 3: "safely unguessable", about 10^10 guesses or more.
MIN_SCORE = 3
#: zxcvbn's cost grows fast with length; past this prefix a password is long enough
#: that the prefix alone decides (a weak prefix is refused, which errs on the safe side).
_JUDGED_PREFIX = 72
#: Shorter usernames ("dr") would forbid ordinary words; zxcvbn still weighs them.
_MIN_NAME_CHECKED = 3


def password_problems(password: str, username: str, other_names: Iterable[str] = ()) -> list[str]:
    """Why ``password`` may not be used by ``username``; empty when it may."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters (this has {len(password)})."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    lowered = password.lower()
    if len(username) >= _MIN_NAME_CHECKED and username.lower() in lowered:
        return ["Do not put your username in the password."]
    names = [username, *(part for name in other_names for part in name.split())]
    verdict = zxcvbn(password[:_JUDGED_PREFIX], user_inputs=[n for n in names if n])
    if verdict["score"] >= MIN_SCORE:
        return []
    warning = verdict["feedback"]["warning"] or "This password is too easy to guess."
    suggestions = verdict["feedback"]["suggestions"] or ["Add another word or two."]
    return [f"{warning} {' '.join(suggestions)}".strip()]


def require_acceptable_password(
    password: str, username: str, other_names: Iterable[str] = (), field: str = "password"
) -> None:
    """Raise ``InvalidInput`` naming ``field`` and the reason when the policy refuses it."""
    problems = password_problems(password, username, other_names)
    if problems:
        raise InvalidInput({field: problems})
