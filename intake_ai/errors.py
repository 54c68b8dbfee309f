"""Domain exceptions. Services raise them; each blueprint maps them to its own responses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class IntakeError(Exception):
    """Base of the module's expected failures (never a 500)."""


class AccessDenied(IntakeError):
    def __init__(self, message: str = "You do not have access to this record.") -> None:
        super().__init__(message)


class NotFound(IntakeError):
    pass


class Gone(IntakeError):
    """The record existed and was purged."""


class Conflict(IntakeError):
    """Someone else changed the record first (optimistic locking)."""


class InvalidInput(IntakeError):
    """Field-level errors: ``{"field or FHIR path": ["reason", ...]}``."""

    def __init__(self, errors: Mapping[str, Sequence[str]], message: str | None = None) -> None:
        self.errors = {key: list(value) for key, value in errors.items()}
        super().__init__(message or _joined(self.errors))


class ConsentRequired(IntakeError):
    """Nothing but the consent answer may be stored before the client agrees."""


def message_of(error: Exception) -> str:
    """One line for a person at a terminal: each field's messages, or the error's own."""
    return _joined(error.errors) if isinstance(error, InvalidInput) else str(error)


def _joined(errors: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items())
