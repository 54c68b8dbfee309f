"""The standalone app for a WSGI server, and the server configuration shipped with it.

``python -m intake_ai.wsgi --listen 127.0.0.1:8000`` serves it with waitress, set up so that
slow or stalled clients cannot take the workers: waitress reads every request (headers and
body) in its own event loop and hands only complete requests to a worker thread, so a
client that dribbles its headers holds a socket, never a thread; idle connections are closed
after ``channel_timeout``; headers and bodies are bounded. Any other WSGI server can import
``intake_ai.wsgi:app`` (``gunicorn -w 4 intake_ai.wsgi:app``), but gunicorn's default sync
workers are each held by one slow client: put such a server behind a buffering proxy.

On import the app is built, the read audits a killed process left in its journal are
moved into the audit table, then what start-up loaded is frozen (the app, the FHIR models,
plotly's figure classes): it lives as long as the process, and otherwise every full garbage
collection scans all of it again (80 ms on the supervisor dashboard at practice scale, a
pause that struck one request in three or four).
"""

from __future__ import annotations

import argparse
import gc
import logging
from collections.abc import Sequence
from typing import Any

from flask import Flask

from intake_ai import audit, create_app

app = create_app()
with app.app_context():
    # Read audits a previous process journaled but did not drain (it was killed).
    try:
        audit.drain()
    except Exception:  # noqa: BLE001 - e.g. not migrated yet; the entries stay on disk
        logging.getLogger(__name__).exception("could not drain the read-audit journal")
gc.freeze()

#: waitress settings of the shipped configuration (see the README, "Serving").
SERVER_SETTINGS: dict[str, Any] = {
    "threads": 8,
    #: Open connections at most, slow ones included; more wait in the listen backlog.
    "connection_limit": 500,
    #: Seconds a connection may stay idle (nothing sent or received) before it is closed.
    "channel_timeout": 30,
    "cleanup_interval": 10,
    #: Request line and headers, in bytes (waitress allows 256 KB by default).
    "max_request_header_size": 64 * 1024,
    # poll() rather than select(), which stops working past 1024 open sockets.
    "asyncore_use_poll": True,
    "ident": "intake_ai",
}


def server_settings(application: Flask) -> dict[str, Any]:
    """The shipped settings, with waitress's own body limit above the module's.

    The module answers bodies over its limits with its own 413 page or OperationOutcome;
    waitress refuses, without buffering them, only bodies far beyond either.
    """
    config = application.config
    largest = max(config["INTAKE_AI_FHIR_MAX_BODY"], config["INTAKE_AI_MAX_FORM_BODY"])
    return {**SERVER_SETTINGS, "max_request_body_size": 4 * largest}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve intake_ai with waitress.")
    parser.add_argument("--listen", default="127.0.0.1:8000", help="host:port to listen on")
    parser.add_argument("--threads", type=int, default=SERVER_SETTINGS["threads"])
    args = parser.parse_args(argv)
    import waitress

    settings = {**server_settings(app), "threads": args.threads}
    waitress.serve(app, listen=args.listen, **settings)


if __name__ == "__main__":
    main()
