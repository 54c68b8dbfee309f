"""Groups, Group-level export and CDS Hooks at practice scale (prints figures; not a test).

Each figure is printed beside a baseline measured in the same run on the same database:

* ``GET /fhir/Group/practice`` (every agreeing client as a member) and one clinician's
  caseload, against the raw SQL for the same member ids plus JSON serialisation;
* ``Group/practice/$export`` of Observations, unfiltered and with a ``_typeFilter`` on the
  indicator's code (rows per second of the download), against the same rows by raw SQL;
* a CDS Hooks ``patient-view`` call (JWT verified, flags and band read, cards built).

.venv/bin/python -m bench.groups_and_hooks [--clients 2000] [--sessions 6] [--runs 20]
                                           [--database postgresql+psycopg://...]
"""

from __future__ import annotations

import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from sqlalchemy import select, text

from bench.common import arguments, fresh_app, summary, timed
from bench.seed_bulk import bulk_seed
from fhir_mappings.codes import LOCAL_SYSTEM
from intake_ai import directory
from intake_ai.auth.tokens import issue_token
from intake_ai.models import Client, ConsentState
from intake_ai.store.database import session, transaction

ISSUER = "https://ehr.bench.example"


def _download(web, headers, manifest) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    rows = 0
    for output in manifest["output"]:
        body = web.get(output["url"].replace("http://localhost", ""), headers=headers).data
        rows += body.count(b"\n")
    return rows, time.perf_counter() - start


def _export(web, headers, query: str) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    started = web.get(
        f"/fhir/Group/practice/$export?{query}", headers={**headers, "Prefer": "respond-async"}
    )
    assert started.status_code == 202, started.data
    status = started.headers["Content-Location"].replace("http://localhost", "")
    return _download(web, headers, web.get(status, headers=headers).json)


def main() -> None:
    args = arguments(__doc__ or "", clients=2000, sessions=6, runs=20).parse_args()
    with fresh_app(args.database) as app:
        with app.app_context():
            seeded = bulk_seed(args.clients, args.sessions, progress=lambda m: None)
            with transaction():
                _row, secret = issue_token(
                    directory.find_user("bench-integrator"), "bench", ["system/*.rs"]
                )
        key = ec.generate_private_key(ec.SECP384R1())
        jwk = json.loads(ECAlgorithm.to_jwk(key.public_key())) | {"kid": "k1", "alg": "ES384"}
        app.config["INTAKE_AI_CDS_CLIENTS"] = {
            ISSUER: {"jwks": {"keys": [jwk]}, "user": "bench-integrator"}
        }
        web = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
        print(
            f"groups and hooks, {backend}: {args.clients} clients x {args.sessions} sessions "
            f"({seeded['resources']:,} resources)"
        )
        practice = web.get("/fhir/Group/practice", headers=headers).json
        print(
            f"  GET Group/practice ({practice['quantity']} members): "
            f"{summary(timed(args.runs, lambda: web.get('/fhir/Group/practice', headers=headers)))}"
        )

        def raw_members() -> bytes:
            with app.app_context():
                ids = session().scalars(
                    select(Client.id).where(Client.consent_state == ConsentState.ACTIVE)
                )
                return json.dumps([{"entity": {"reference": f"Patient/{i}"}} for i in ids]).encode()

        print(f"    baseline, raw SQL + json:      {summary(timed(args.runs, raw_members))}")
        caseload = web.get("/fhir/Group?_count=2", headers=headers).json["entry"][1]["resource"]
        url = f"/fhir/Group/{caseload['id']}"
        print(
            f"  GET {url} ({caseload['quantity']} members): "
            f"{summary(timed(args.runs, lambda: web.get(url, headers=headers)))}"
        )

        rows, seconds = _export(web, headers, "_type=Observation")
        print(f"  Group $export Observation, all: {rows:,} rows, {rows / seconds:,.0f} rows/s")
        code = f"{LOCAL_SYSTEM}|dependency-indicator"
        filtered = f"_type=Observation&_typeFilter=Observation%3Fcode%3D{code}"
        rows, seconds = _export(web, headers, filtered)
        print(
            f"  Group $export Observation, _typeFilter code: {rows:,} rows, "
            f"{rows / seconds:,.0f} rows/s"
        )
        with app.app_context():
            start = time.perf_counter()
            raw = (
                session()
                .execute(
                    text(
                        "SELECT content FROM intake_resource WHERE resource_type = 'Observation' "
                        "AND is_current AND code = 'dependency-indicator'"
                    )
                )
                .all()
            )
            elapsed = time.perf_counter() - start
        print(
            f"    baseline, raw SQL of the filtered rows: {len(raw):,} rows, "
            f"{len(raw) / elapsed:,.0f} rows/s"
        )

        patient = web.get("/fhir/Patient?_count=1", headers=headers).json["entry"][0]["resource"][
            "identifier"
        ][0]["value"]
        audience = "http://localhost/cds-services/intake-ai-red-flags"

        def patient_view() -> None:
            now = int(time.time())
            token = jwt.encode(
                {
                    "iss": ISSUER,
                    "aud": audience,
                    "iat": now,
                    "exp": now + 60,
                    "jti": uuid.uuid4().hex,
                },
                key,
                algorithm="ES384",
                headers={"kid": "k1"},
            )
            body = {
                "hook": "patient-view",
                "hookInstance": str(uuid.uuid4()),
                "context": {"userId": "Practitioner/1", "patientId": patient},
            }
            answer = web.post(
                "/cds-services/intake-ai-red-flags",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 200, answer.data

        print(f"  POST cds-services patient-view:  {summary(timed(args.runs, patient_view))}")


if __name__ == "__main__":
    main()
