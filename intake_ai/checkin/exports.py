"""The chatbot export a client may add to their check-in. It is read by the very reader
of the clinician's upload (``usage_export``: same bounds, same figures), kept only as the
figures it yields (never a word of the chats, never the file's name) beside the link it
came through, and waits there for the clinician's review (``usage_export/sent.py``).

It travels with the answers, in the same request: the link's rules (open, once, rate
limited) are the send's own, and an export is never kept for a link that was not sent.
"""

from __future__ import annotations

import json
from typing import IO

from intake_ai import audit
from intake_ai.checkin.links import CLIENT_DETAIL
from intake_ai.errors import InvalidInput
from intake_ai.models import CheckIn, CheckInExport
from intake_ai.store.database import session
from intake_ai.usage_export.archive import RefusedExport
from intake_ai.usage_export.metrics import UsageFigures
from intake_ai.usage_export.service import figures_data, figures_of

#: What the audit says of a client's export: that one came, nothing of what it holds.
SENT_DETAIL = "an export read, kept for the clinician's review; file not kept"

#: The form field of the file; its error is shown in the client's words by the page.
FIELD = "export"


def read_client_export(link: CheckIn, upload: IO[bytes]) -> UsageFigures:
    """The export's figures; a file that cannot be read is refused on file (on its own
    connection, without a word of it) and raised as ``InvalidInput`` on ``FIELD``."""
    try:
        return figures_of(upload)
    except RefusedExport as error:
        # The reader's reason is for clinicians; the page says it in the client's words.
        audit.record_refusal(
            "upload",
            link.reference,
            client_id=link.client_id,
            detail=f"{CLIENT_DETAIL}: export refused",
        )
        raise InvalidInput({FIELD: ["refused"]}) from error


def keep_figures(link: CheckIn, figures: UsageFigures) -> None:
    """The figures, waiting for the clinician's review (in the send's unit of work)."""
    session().add(
        CheckInExport(
            checkin_id=link.id,
            client_id=link.client_id,
            encounter_id=link.encounter_id,
            provider=figures.provider,
            figures=json.dumps(figures_data(figures, with_days=True)),
        )
    )
    audit.record(
        "upload",
        link.reference,
        client_id=link.client_id,
        # Not the provider nor the weeks: integrators read this entry before the clinician
        # has reviewed anything, and which chatbot a client uses is clinical.
        detail=f"{CLIENT_DETAIL}: {SENT_DETAIL}",
    )
