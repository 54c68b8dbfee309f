"""Bulk seeding for benchmarks: the same resources the module writes, loaded in batches.

Records are built by the module's own pieces (answer schema, fhir_mappings builders,
rules-v1, flag rules) exactly as a submission builds them; only the per-submission
bookkeeping (one transaction and audit entry per form) is skipped, so that ten thousand
clients with 26 sessions each load in minutes rather than hours.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from fhir_mappings.consent import ConsentFacts, consent_resource
from fhir_mappings.datetimes import fhir_datetime
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.definitions.session_note import SESSION_NOTE
from fhir_mappings.extraction import ExtractionContext, derived_id, extract_observations
from fhir_mappings.flags import FlagFacts, flag_resource
from fhir_mappings.indicator import IndicatorFacts, ScoredInput, indicator_observation
from fhir_mappings.people import encounter_resource, patient_resource
from fhir_mappings.response import ResponseContext, build_response
from intake_ai import directory
from intake_ai.demo.notes import PROFILE_LEVEL, note_answers
from intake_ai.demo.records import PROFILES, intake_answers
from intake_ai.forms.definitions import publish_once
from intake_ai.forms.schema import load_answers
from intake_ai.models import (
    CareAssignment,
    Client,
    ConsentState,
    Encounter,
    EncounterKind,
    Role,
    StoredResource,
    User,
)
from intake_ai.risk.flags import flags_from
from intake_ai.risk.rules import INTAKE_FORM, NOTE_FORM, AnswerSource, score_dependency
from intake_ai.store.database import session, transaction
from intake_ai.store.resources import new_id, row_values

CLIENTS_PER_CLINICIAN = 25
CLINICIANS_PER_SUPERVISOR = 40  # so the first supervisor's caseload is 1,000 clients
PASSWORD = "bench-password"


@dataclass
class Staff:
    clinicians: list[User]


def _staff(count: int) -> Staff:
    """Clinicians (and their supervisors) up to ``count`` clinicians; reuses existing ones."""
    with transaction():
        have = {u.username: u for u in session().scalars(select(User))}
        clinicians = []
        for n in range(count):
            supervisor_name = f"bench-sup-{n // CLINICIANS_PER_SUPERVISOR + 1}"
            supervisor = have.get(supervisor_name)
            if supervisor is None:
                supervisor = directory.create_user(
                    supervisor_name, supervisor_name, Role.SUPERVISOR, PASSWORD
                )
                have[supervisor_name] = supervisor
            name = f"bench-clinician-{n + 1}"
            clinician = have.get(name)
            if clinician is None:
                clinician = directory.create_user(name, name, Role.CLINICIAN, PASSWORD)
                directory.assign_supervisor(supervisor, clinician)
                have[name] = clinician
            clinicians.append(clinician)
        if "bench-integrator" not in have:
            directory.create_user("bench-integrator", "bench", Role.INTEGRATOR, PASSWORD)
    return Staff([session().merge(c) for c in clinicians])


def _client_records(
    rng: random.Random,
    client: Client,
    clinician: User,
    encounters: list[Encounter],
    now: datetime,
    system: str,
) -> list[dict[str, Any]]:
    """Every resource row of one client, built as the services build them."""
    rows: list[dict[str, Any]] = []

    def add(resource: dict[str, Any], moment: datetime) -> None:
        rows.append(row_values(resource, 1, moment, clinician.id, check=False))

    add(patient_resource(client.id, client.ehr_patient_id, system), now)
    for encounter in encounters:
        add(
            encounter_resource(
                encounter.id, client.id, clinician.id, encounter.start, encounter.kind.value
            ),
            now,
        )
    profile = rng.choices(PROFILES, weights=(1, 3, 4, 2))[0]
    level = PROFILE_LEVEL[profile]
    drift = rng.choice((-0.15, 0.0, 0.1, 0.2))
    sources: list[AnswerSource] = []
    bases: list[int] = []
    open_kinds: set[str] = set()
    practitioner = f"Practitioner/{clinician.id}"
    patient = f"Patient/{client.id}"
    for index, encounter in enumerate(encounters):
        moment = encounter.start + timedelta(hours=1)
        if index == 0:
            definition, form = INTAKE, INTAKE_FORM
            answers = load_answers(INTAKE, intake_answers(rng, profile, False))
        else:
            level = max(0.0, min(3.0, level + drift + rng.gauss(0, 0.25)))
            definition, form = SESSION_NOTE, NOTE_FORM
            answers = load_answers(SESSION_NOTE, note_answers(rng, level, client.is_minor))
        response_id = new_id()
        when = fhir_datetime(encounter.start)
        add(
            build_response(
                definition,
                answers,
                ResponseContext(
                    response_id,
                    "completed",
                    patient,
                    f"Encounter/{encounter.id}",
                    practitioner,
                    patient,
                    fhir_datetime(moment),
                ),
            ),
            moment,
        )
        for observation in extract_observations(
            definition,
            answers,
            ExtractionContext(
                response_id, patient, f"Encounter/{encounter.id}", when, practitioner
            ),
        ):
            add(observation, moment)
        source = AnswerSource(
            f"QuestionnaireResponse/{response_id}",
            f"{form} of {encounter.start:%-d %b %Y}",
            form,
            answers,
        )
        sources.append(source)
        result = score_dependency(sources, bases)
        bases.append(result.base_score)
        add(
            indicator_observation(
                IndicatorFacts(
                    derived_id(response_id, "dependency-indicator"),
                    "final",
                    patient,
                    f"Encounter/{encounter.id}",
                    when,
                    result.score,
                    result.band,
                    [ScoredInput(i.input.code, i.points, i.tag) for i in result.inputs],
                    [(c.code, c.display) for c in result.context],
                    result.sources,
                )
            ),
            moment,
        )
        for trigger in flags_from(source, sources, client.is_minor):
            if trigger.kind.code in open_kinds:
                continue
            open_kinds.add(trigger.kind.code)
            add(
                flag_resource(
                    FlagFacts(
                        derived_id(response_id, trigger.kind.code),
                        trigger.kind,
                        patient,
                        f"Encounter/{encounter.id}",
                        when,
                        practitioner,
                        source.ref,
                        trigger.reason,
                    )
                ),
                moment,
            )
        if index == 0:
            add(
                consent_resource(
                    ConsentFacts(
                        derived_id("consent", str(client.id)),
                        "active",
                        patient,
                        when,
                        practitioner,
                        source_response=source.ref,
                    )
                ),
                moment,
            )
    return rows


def bulk_seed(
    clients: int,
    sessions: int,
    *,
    seed: int = 11,
    batch_clients: int = 100,
    progress: Callable[[str], None] = print,
) -> dict[str, float]:
    """Add ``clients`` clients with ``sessions`` weekly sessions each; returns timings."""
    from flask import current_app

    publish_once()
    rng = random.Random(seed)
    started = time.perf_counter()
    existing = session().scalar(select(func.count()).select_from(Client)) or 0
    staff = _staff((existing + clients + CLIENTS_PER_CLINICIAN - 1) // CLIENTS_PER_CLINICIAN)
    system = current_app.config["INTAKE_AI_PATIENT_IDENTIFIER_SYSTEM"]
    now = datetime.now(UTC)
    first_day = now - timedelta(weeks=sessions)
    loaded = 0
    for offset in range(0, clients, batch_clients):
        with transaction():
            db = session()
            batch = []
            for n in range(existing + offset, existing + min(offset + batch_clients, clients)):
                clinician = staff.clinicians[n // CLIENTS_PER_CLINICIAN]
                client = Client(
                    ehr_patient_id=f"BENCH-{n:06d}",
                    display_name=f"Bench {n}",
                    pseudonym=f"Client B{n:05d}",
                    is_minor=rng.random() < 0.05,
                    consent_state=ConsentState.ACTIVE,
                )
                db.add(client)
                batch.append((client, clinician))
            db.flush()
            db.add_all(
                CareAssignment(clinician_id=c.id, client_id=client.id) for client, c in batch
            )
            visits = []
            for client, clinician in batch:
                starts = [
                    first_day + timedelta(weeks=w, hours=rng.randint(0, 8)) for w in range(sessions)
                ]
                visits.append(
                    [
                        Encounter(
                            client_id=client.id,
                            clinician_id=clinician.id,
                            start=start,
                            kind=EncounterKind.INTAKE if w == 0 else EncounterKind.SESSION,
                        )
                        for w, start in enumerate(starts)
                    ]
                )
                db.add_all(visits[-1])
            db.flush()
            rows = []
            for (client, clinician), encounters in zip(batch, visits, strict=True):
                rows += _client_records(rng, client, clinician, encounters, now, system)
            db.execute(insert(StoredResource), rows)
            loaded += len(rows)
        progress(
            f"  {offset + len(batch):>6} of {clients} clients, {loaded:,} resources, "
            f"{time.perf_counter() - started:,.0f} s"
        )
    # Statistics and the visibility map, as autovacuum (PostgreSQL) or a periodic ANALYZE
    # (SQLite) keeps them on a running system; fresh bulk loads have neither yet. Then the
    # load's writes are checkpointed, as a server at rest has them: SQLite readers otherwise
    # search a write-ahead log of gigabytes for every page they read.
    engine = session().get_bind()
    postgres = engine.dialect.name == "postgresql"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")
        connection.exec_driver_sql("CHECKPOINT" if postgres else "PRAGMA wal_checkpoint(TRUNCATE)")

    return {"seconds": time.perf_counter() - started, "resources": loaded}
