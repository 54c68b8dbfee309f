"""The raw baseline of a read by id and of a patient search: a bare WSGI callable that
selects the stored bytes through the same driver and pool, served by waitress with the
shipped settings (``intake_ai.wsgi.SERVER_SETTINGS``). No access check, no audit, no Flask:
the limit for a Python server.

INTAKE_AI_DATABASE_URL=... .venv/bin/python -m bench.raw_wsgi --listen 127.0.0.1:8001
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import create_engine, text

from bench.run import RAW_SEARCH

READ = text(
    "SELECT content FROM intake_resource "
    "WHERE resource_type = :type AND resource_id = :id AND is_current = :yes"
)


def make_app(database_url: str) -> Callable[..., Iterable[bytes]]:
    engine = create_engine(database_url)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        parts = environ["PATH_INFO"].strip("/").split("/")
        with engine.connect() as connection:
            if len(parts) == 3:  # fhir/<type>/<id>
                content = connection.scalar(READ, {"type": parts[1], "id": parts[2], "yes": True})
                body = content.encode() if isinstance(content, str) else content
            else:  # fhir/Observation?patient=N
                client = int(environ["QUERY_STRING"].split("patient=", 1)[1].split("&", 1)[0])
                rows = connection.scalars(RAW_SEARCH, {"client": client, "yes": True, "no": False})
                entries = b",".join(
                    b'{"resource":' + (r.encode() if isinstance(r, str) else r) + b"}" for r in rows
                )
                body = b'{"resourceType":"Bundle","type":"searchset","entry":[' + entries + b"]}"
        if body is None:
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        start_response(
            "200 OK",
            [("Content-Type", "application/fhir+json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:8001")
    args = parser.parse_args()
    import waitress

    from intake_ai.wsgi import SERVER_SETTINGS

    app = make_app(os.environ["INTAKE_AI_DATABASE_URL"])
    waitress.serve(app, listen=args.listen, **SERVER_SETTINGS)


if __name__ == "__main__":
    main()
