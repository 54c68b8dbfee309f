"""The token endpoint on a live server: SMART's own Python client (fhirclient) finds it in
the CapabilityStatement, trades a PyJWT-signed assertion for a token and reads; one
assertion sent many times at once is granted once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.serving import make_server

from tests.smart_helpers import BackendClient, register


@pytest.fixture
def live_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.parametrize("algorithm", ["RS384", "ES384"])
def test_fhirclient_backend_services_reads_with_its_token(
    app, world, live_url: str, algorithm: str
) -> None:
    from fhirclient import client as smart_client
    from fhirclient.models.patient import Patient

    backend = BackendClient("fhirclient-app", algorithm)
    register(app, backend, "ehr", "system/Patient.rs")
    token_url = f"{live_url}/fhir/auth/token"
    smart = smart_client.FHIRClient(
        settings={
            "app_id": backend.client_id,
            "api_base": f"{live_url}/fhir/",
            "scope": "system/Patient.rs",
            "jwt_token": backend.assertion(token_url),
        },
        save_func=lambda state: None,
    )
    smart.wants_patient = False  # a backend service asks for no launch context
    assert smart.prepare() is False  # discovered the token endpoint, holds no token yet
    assert smart.server.auth._token_uri == token_url
    smart.authorize()
    assert smart.ready
    patient = Patient.read(str(world.agreed), smart.server)
    assert patient.id == str(world.agreed)
    assert patient.identifier[0].value == "EHR-AGREED"


def test_one_assertion_sent_at_once_many_times_is_granted_once(app, make, live_url: str) -> None:
    import requests

    make.user("integrator", "ehr")
    backend = BackendClient("racer", "ES384")
    register(app, backend, "ehr", "system/*.rs")
    form = backend.form(assertion=backend.assertion(f"{live_url}/fhir/auth/token"))
    barrier = threading.Barrier(6)

    def attempt(_: int) -> int:
        barrier.wait()
        return requests.post(f"{live_url}/fhir/auth/token", data=form, timeout=30).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(attempt, range(6)))
    assert statuses == [200, 401, 401, 401, 401, 401]
