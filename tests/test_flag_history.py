"""Flags keep their history: acknowledged ones stay on the client page (collapsed) with who,
when, the note and the owner; the banner and the card never list the same flag twice; a
supervisor sees the history without the clinician's note."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from intake_ai.models import StoredResource
from intake_ai.store.database import session
from tests.conftest import AuthActions
from tests.intake_helpers import FULL_INTAKE, WORRYING_NOTE, submit_intake, submit_note

START = datetime(2026, 9, 7, 10, tzinfo=UTC)
NOTE = "Risk assessment done; safety plan reviewed with the client."


def _open_flag_ids(app, client_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            session().scalars(
                select(StoredResource.resource_id).where(
                    StoredResource.resource_type == "Flag",
                    StoredResource.client_id == client_id,
                    StoredResource.is_current,
                    StoredResource.status == "active",
                )
            )
        )


def test_acknowledged_flags_stay_visible_once_with_who_when_note_and_owner(
    app, client, auth, make
) -> None:
    make.user("supervisor", "sup")
    make.user("clinician", "dr-a", supervisor="sup")
    auth.login("dr-a")
    client_id = make.client("dr-a")
    submit_intake(client, make.encounter(client_id, "dr-a", start=START), FULL_INTAKE)
    submit_note(
        client, make.encounter(client_id, "dr-a", start=START + timedelta(weeks=1)), WORRYING_NOTE
    )
    flags = _open_flag_ids(app, client_id)
    assert len(flags) >= 2
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    banner = page[page.index("<body") : page.index('<main id="main">')]
    assert f"{len(flags)} open flags for this client" in banner
    # Each open flag is listed once on the page, in the card (the banner points there).
    for flag_id in flags:
        assert page.count(f"/flags/{flag_id}/acknowledge") == 1
    assert 'id="flag-history"' not in page

    target = flags[0]
    owner = re.search(
        r'<option value="(\d+)">Sup \(supervisor\)',
        client.get(f"/flags/{target}/acknowledge").get_data(as_text=True),
    )
    assert owner
    done = client.post(
        f"/flags/{target}/acknowledge",
        data={"note": NOTE, "owner": owner.group(1), "base_version": "1"},
    )
    assert done.status_code == 302
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    history = page[
        page.index('<details id="flag-history">') : page.index(
            "</details>", page.index('id="flag-history"')
        )
    ]
    assert "Acknowledged flags (1)" in history
    assert re.search(r"acknowledged by Dr-A on \w{3} \d{1,2}, \d{4}; owner Sup\.", history)
    assert NOTE in history
    assert page.count(f"/flags/{target}/acknowledge") == 0  # no longer offered
    assert (
        f"{len(flags) - 1} open flag" in page[page.index("<body") : page.index('<main id="main">')]
    )

    supervisor = app.test_client()
    AuthActions(supervisor).login("sup")
    seen = supervisor.get(f"/clients/{client_id}").get_data(as_text=True)
    history = seen[seen.index('id="flag-history"') : seen.index('id="indicator"')]
    assert "acknowledged by Dr-A" in history and "owner Sup" in history
    assert NOTE not in seen and "shared with the clinician only" in history
