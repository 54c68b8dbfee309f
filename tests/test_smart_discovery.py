"""How clients find the SMART token endpoint: the well-known document and the
CapabilityStatement name the same endpoint, the one assertions must be addressed to."""

from __future__ import annotations

from tests.conftest import Make
from tests.smart_helpers import TOKEN_PATH, BackendClient, register

SECURITY_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


def _token_uri(capability: dict) -> str:
    security = capability["rest"][0]["security"]
    [oauth] = [e for e in security["extension"] if e["url"] == OAUTH_URIS]
    [token] = [e["valueUri"] for e in oauth["extension"] if e["url"] == "token"]
    return token


def test_smart_configuration_is_public_and_describes_backend_services(client) -> None:
    answer = client.get("/fhir/.well-known/smart-configuration")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    config = answer.json
    assert config["token_endpoint"] == "http://localhost" + TOKEN_PATH
    assert config["grant_types_supported"] == ["client_credentials"]
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert config["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384"]
    assert set(config["capabilities"]) >= {
        "client-confidential-asymmetric",
        "permission-v2",
        "permission-v1",
    }
    assert {"system/*.rs", "system/Observation.rs", "system/QuestionnaireResponse.cu"} <= set(
        config["scopes_supported"]
    )


def test_capability_statement_names_the_smart_token_endpoint(client) -> None:
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    capability = client.get("/fhir/metadata").json
    CapabilityStatement.model_validate(capability)
    security = capability["rest"][0]["security"]
    codings = [c for s in security["service"] for c in s["coding"]]
    assert {"system": SECURITY_SERVICE, "code": "SMART-on-FHIR"} in codings
    well_known = client.get("/fhir/.well-known/smart-configuration").json
    assert _token_uri(capability) == well_known["token_endpoint"]


def test_a_configured_token_url_is_advertised_and_is_the_audience(app_factory) -> None:
    public = "https://ehr.example.org/intake/fhir/auth/token"
    proxied = app_factory(INTAKE_AI_SMART_TOKEN_URL=public)
    web = proxied.test_client()
    assert web.get("/fhir/.well-known/smart-configuration").json["token_endpoint"] == public
    assert _token_uri(web.get("/fhir/metadata").json) == public
    Make(proxied).user("integrator", "ehr")
    backend = BackendClient("svc")
    register(proxied, backend, "ehr", "system/*.rs")
    # An assertion addressed to the request's own host is not addressed to this server.
    local = web.post(TOKEN_PATH, data=backend.form())
    assert local.status_code == 401 and local.json["error"] == "invalid_client"
    addressed = web.post(TOKEN_PATH, data=backend.form(assertion=backend.assertion(public)))
    assert addressed.status_code == 200, addressed.json


def test_the_token_endpoint_answers_get_with_an_oauth_error(client) -> None:
    answer = client.get(TOKEN_PATH)
    assert answer.status_code == 405 and answer.json["error"] == "invalid_request"
