"""Users, clients, who treats and supervises whom, and sessions.

Each change also writes the FHIR resource that stands for it (Practitioner, Patient,
Encounter) in the same unit of work, so API references always resolve.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from fhir_mappings.people import encounter_resource, patient_resource, practitioner_resource
from intake_ai.auth.passwords import require_acceptable_password
from intake_ai.errors import InvalidInput, NotFound
from intake_ai.models import (
    CareAssignment,
    Client,
    Encounter,
    EncounterKind,
    Role,
    StoredResource,
    Supervision,
    User,
)
from intake_ai.store import resources as resource_store
from intake_ai.store.database import session

_PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def find_user(username: str) -> User:
    user = session().scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def create_user(
    username: str,
    display_name: str,
    role: Role,
    password: str | None,
    *,
    password_policy: bool = True,
    must_change_password: bool = False,
) -> User:
    """A new user, with a password checked against the policy (``auth/passwords.py``).

    ``password_policy=False`` is for clearly fake data only (the demo seeder, whose one
    shared password is printed for everyone to use).
    """
    db = session()
    if db.scalars(select(User).where(User.username == username)).first() is not None:
        raise InvalidInput({"username": [f"{username!r} is already taken"]})
    if not username or len(username) > 80:
        raise InvalidInput({"username": ["must be 1 to 80 characters"]})
    user = User(username=username, display_name=display_name or username, role=role)
    if password is not None:
        if password_policy:
            require_acceptable_password(password, username, [display_name])
        user.must_change_password = must_change_password
        user.set_password(password, current_app.config["INTAKE_AI_PASSWORD_HASH_METHOD"])
    db.add(user)
    db.flush()
    if role in (Role.CLINICIAN, Role.SUPERVISOR):
        resource_store.save(practitioner_resource(user.id, user.username, user.display_name))
    return user


def assign_supervisor(supervisor: User, clinician: User) -> None:
    if supervisor.role is not Role.SUPERVISOR:
        raise InvalidInput({"supervisor": [f"{supervisor.username} is not a supervisor"]})
    if clinician.role is not Role.CLINICIAN:
        raise InvalidInput({"clinician": [f"{clinician.username} is not a clinician"]})
    if session().get(Supervision, (supervisor.id, clinician.id)) is None:
        session().add(Supervision(supervisor_id=supervisor.id, clinician_id=clinician.id))
        session().flush()


def new_pseudonym() -> str:
    return "Client " + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(5))


def create_client(
    ehr_patient_id: str, display_name: str, clinician: User, is_minor: bool = False
) -> Client:
    """Register a host EHR patient with the module, in this clinician's care."""
    db = session()
    if clinician.role is not Role.CLINICIAN:
        raise InvalidInput({"clinician": [f"{clinician.username} is not a clinician"]})
    if db.scalars(select(Client).where(Client.ehr_patient_id == ehr_patient_id)).first():
        raise InvalidInput(
            {"ehr_patient_id": [f"patient {ehr_patient_id!r} is already registered"]}
        )
    client = Client(
        ehr_patient_id=ehr_patient_id,
        display_name=display_name,
        pseudonym=new_pseudonym(),
        is_minor=is_minor,
    )
    db.add(client)
    db.flush()
    db.add(CareAssignment(clinician_id=clinician.id, client_id=client.id))
    db.flush()
    save_patient(client)
    return client


def save_patient(client: Client) -> StoredResource:
    """The client's Patient, its clinicians of record as ``generalPractitioner``."""
    system = current_app.config["INTAKE_AI_PATIENT_IDENTIFIER_SYSTEM"]
    clinicians = tuple(sorted(user.id for user in clinicians_of_record(client.id)))
    resource = patient_resource(client.id, client.ehr_patient_id, system, clinicians)
    previous = resource_store.current("Patient", str(client.id))
    if previous is not None and previous.content is not None:
        stored = resource_store.load(previous)
        stored.pop("meta", None)
        if stored == resource:
            return previous  # nothing changed: no new version
    return resource_store.save(resource)


def set_clinicians_of_record(client: Client, clinicians: list[User]) -> StoredResource:
    """Who treats the client from now on (the EHR's ``generalPractitioner``): care
    assignments added and removed to match, the Patient saved with them."""
    for user in clinicians:
        if user.role is not Role.CLINICIAN:
            raise InvalidInput({"clinician": [f"{user.username} is not a clinician"]})
    if not clinicians:
        raise InvalidInput({"clinician": ["a client needs a clinician of record"]})
    db = session()
    wanted = {user.id for user in clinicians}
    for assignment in db.scalars(
        select(CareAssignment).where(CareAssignment.client_id == client.id)
    ).all():
        if assignment.clinician_id not in wanted:
            db.delete(assignment)
        wanted.discard(assignment.clinician_id)
    for clinician_id in sorted(wanted):
        db.add(CareAssignment(clinician_id=clinician_id, client_id=client.id))
    db.flush()
    return save_patient(client)


def create_encounter(
    client: Client,
    clinician: User,
    start: datetime,
    kind: EncounterKind,
    ehr_encounter_id: str | None = None,
) -> Encounter:
    """A session of the client with this clinician, and its Encounter resource."""
    encounter = Encounter(
        client_id=client.id,
        clinician_id=clinician.id,
        start=start,
        kind=kind,
        ehr_encounter_id=ehr_encounter_id,
    )
    session().add(encounter)
    session().flush()
    save_encounter(encounter)
    return encounter


def save_encounter(encounter: Encounter) -> StoredResource:
    return resource_store.save(
        encounter_resource(
            encounter.id,
            encounter.client_id,
            encounter.clinician_id,
            encounter.start,
            encounter.kind.value,
            encounter.ehr_encounter_id,
        ),
        author_id=encounter.clinician_id,
    )


def clinicians_of_record(client_id: int) -> list[User]:
    return list(
        session().scalars(
            select(User)
            .join(CareAssignment, CareAssignment.clinician_id == User.id)
            .where(CareAssignment.client_id == client_id)
            .order_by(User.display_name)
        )
    )
