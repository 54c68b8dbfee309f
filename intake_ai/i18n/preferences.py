"""The language each client reads: chosen by their clinician with them, on the client page."""

from __future__ import annotations

from fhir_mappings.definitions.model import Language
from intake_ai import access, audit
from intake_ai.auth.actors import Actor
from intake_ai.errors import InvalidInput
from intake_ai.i18n import LANGUAGE_NAMES, language_of
from intake_ai.models import ClientLanguage
from intake_ai.store.database import session, utcnow


def client_language(client_id: int) -> Language:
    row = session().get(ClientLanguage, client_id)
    return language_of(row.language if row is not None else None)


def set_client_language(actor: Actor, client_id: int, raw: str) -> Language:
    access.require_clinician_of_record(actor, client_id)
    if raw not in LANGUAGE_NAMES:
        raise InvalidInput({"language": ["Choose English or Spanish."]})
    language = language_of(raw)
    row = session().get(ClientLanguage, client_id)
    if row is None:
        session().add(ClientLanguage(client_id=client_id, language=language))
    else:
        row.language = language
        row.updated_at = utcnow()
    session().flush()
    audit.record("set-language", f"Patient/{client_id}", client_id=client_id, detail=language)
    return language
