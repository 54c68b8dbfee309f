"""Demo data: clearly fake people with plausible records, the same for the same seed."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from functools import partial

from sqlalchemy import func, select

from intake_ai import directory
from intake_ai.errors import InvalidInput
from intake_ai.forms.definitions import publish_once
from intake_ai.models import Client, EncounterKind, Role, User
from intake_ai.store.database import session, transaction

FIRST_NAMES = [
    "Alex",
    "Sam",
    "Robin",
    "Jordan",
    "Kai",
    "Noor",
    "Mika",
    "Rene",
    "Toni",
    "Ari",
    "Jules",
    "Remy",
    "Sasha",
    "Quinn",
    "Eli",
    "Maxi",
]
#: Surnames no real person is likely to carry, so demo data is never mistaken for a record.
LAST_NAMES = ["Testperson", "Example", "Sample", "Placeholder", "Fakename", "Demodata"]

#: Printed with the demo logins; demo data only, never a real account.
DEMO_PASSWORD = "demo-password"  # noqa: S105

CLINICIANS = ["demo-clinician-1", "demo-clinician-2", "demo-clinician-3", "demo-clinician-4"]
SUPERVISORS = {"demo-supervisor-1": CLINICIANS[:2], "demo-supervisor-2": CLINICIANS[2:]}


def _fake_name(rng: random.Random, number: int) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} (demo {number})"


def _create_staff(password: str) -> list[tuple[str, str]]:
    # The password policy is not applied: these are fake people whose one shared password
    # is printed for everyone to use, so it protects nothing.
    staff = partial(directory.create_user, password=password, password_policy=False)
    logins: list[tuple[str, str]] = []
    for username in CLINICIANS:
        staff(username, f"Dr {username.split('-')[-1]} Demo", Role.CLINICIAN)
        logins.append((username, Role.CLINICIAN.value))
    for username, supervisees in SUPERVISORS.items():
        supervisor = staff(username, f"Supervisor {username[-1]} Demo", Role.SUPERVISOR)
        for clinician in supervisees:
            directory.assign_supervisor(supervisor, directory.find_user(clinician))
        logins.append((username, Role.SUPERVISOR.value))
    staff("demo-admin", "Admin Demo", Role.ADMIN)
    staff("demo-integrator", "EHR integration (demo)", Role.INTEGRATOR)
    logins += [("demo-admin", Role.ADMIN.value), ("demo-integrator", Role.INTEGRATOR.value)]
    return logins


def seed_demo(
    clients: int = 12,
    sessions: int = 6,
    seed: int = 7,
    password: str = DEMO_PASSWORD,
    progress: Callable[[str], None] | None = None,
    today: datetime | None = None,
) -> list[tuple[str, str]]:
    """Create demo staff, ``clients`` clients and ``sessions`` weekly sessions each.

    Returns the demo logins as (username, role). Refuses a database that already has users.
    """
    from intake_ai.demo.records import record_demo_history

    if session().scalar(select(func.count()).select_from(User)):
        raise InvalidInput({"database": ["already has users: seed-demo only fills an empty one"]})
    publish_once()
    rng = random.Random(seed)

    today = today or datetime.now(UTC)
    with transaction():
        logins = _create_staff(password)
    clinicians = [directory.find_user(name) for name in CLINICIANS]
    for number in range(1, clients + 1):
        with transaction():
            clinician = clinicians[(number - 1) % len(clinicians)]
            client = directory.create_client(
                f"DEMO-{number:05d}",
                _fake_name(rng, number),
                clinician,
                is_minor=rng.random() < 0.08,
            )
            first_day = today.date() - timedelta(weeks=sessions)
            for week in range(sessions):
                day = first_day + timedelta(weeks=week, days=rng.randint(0, 2))
                start = datetime.combine(day, time(9 + rng.randint(0, 8)), tzinfo=UTC)
                kind = EncounterKind.INTAKE if week == 0 else EncounterKind.SESSION
                directory.create_encounter(client, clinician, start, kind)
            record_demo_history(client, clinician, rng)
        if progress and (number % 100 == 0 or number == clients):
            progress(f"  {number} of {clients} demo clients")
    return logins


def demo_client_count() -> int:
    return session().scalar(select(func.count()).select_from(Client)) or 0
