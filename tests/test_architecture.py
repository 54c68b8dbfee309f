"""The invariants ARCHITECTURE.md lists, checked over the source and on a running app."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.api_world import build_world
from tests.intake_helpers import FULL_INTAKE, review_answers

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("intake_ai", "fhir_mappings")
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imported(path: Path) -> Iterator[str]:
    """Every module name an import in ``path`` names, deferred imports included."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                yield sub if sub in MODULES else node.module


def _graph() -> dict[str, set[str]]:
    return {
        name: {t for t in _imported(path) if t in MODULES and t != name}
        for name, path in MODULES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle() -> None:
    assert _cycles(_graph()) == []


def test_fhir_mappings_imports_neither_flask_nor_the_database_nor_intake_ai() -> None:
    offending = {
        (name, target)
        for name, path in MODULES.items()
        if name.startswith("fhir_mappings")
        for target in _imported(path)
        if target.split(".")[0] in {"flask", "sqlalchemy", "flask_sqlalchemy", "intake_ai"}
    }
    assert offending == set()


def test_risk_rules_import_only_the_definitions() -> None:
    ours = {t for t in _imported(MODULES["intake_ai.risk.rules"]) if t.split(".")[0] in PACKAGES}
    assert ours and all(t.startswith("fhir_mappings.definitions") for t in ours), ours


def test_paths_is_a_bottom_module() -> None:
    ours = {t for t in _imported(MODULES["intake_ai.paths"]) if t.split(".")[0] in PACKAGES}
    assert ours == set()


def test_only_the_extension_imports_blueprint_routes() -> None:
    importers = {
        name
        for name, targets in _graph().items()
        if any(t.endswith(".routes") for t in targets) and not name.endswith(".routes")
    }
    assert importers == {"intake_ai.extension"}


def test_no_module_over_the_house_limit() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_top_level_module_is_on_the_map() -> None:
    codemap = (ROOT / "ARCHITECTURE.md").read_text()
    named = set(re.findall(r"`([a-z_]+\.py)`", codemap))
    loose = {p.name for p in (ROOT / "intake_ai").glob("*.py")}
    assert loose - named == set()


def test_fhir_read_returns_the_stored_bytes(app, make, client) -> None:
    world = build_world(app, make)
    from intake_ai.models import StoredResource
    from intake_ai.store.database import session

    with app.app_context():
        row = (
            session()
            .query(StoredResource)
            .filter_by(resource_type="Observation", client_id=world.agreed, is_current=True)
            .first()
        )
        assert row is not None
        stored = row.content
        ident = row.resource_id
    answer = client.get(f"/fhir/Observation/{ident}", headers=world.integrator)
    assert answer.status_code == 200
    assert answer.data == stored


WRITES = ("INSERT", "UPDATE", "DELETE", "WITH")


@pytest.fixture
def writing_commits(app) -> Iterator[list[int]]:
    """For each commit that changed data: how many writing statements it carried."""
    from intake_ai.store.database import engine

    commits: list[int] = []

    def executed(conn, _cursor, statement: str, *_args: object) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(WRITES):
            conn.info["writes"] = conn.info.get("writes", 0) + 1

    def committed(conn) -> None:  # type: ignore[no-untyped-def]
        writes = conn.info.pop("writes", 0)
        if writes:
            commits.append(writes)

    with app.app_context():
        bound = engine()
    event.listen(bound, "before_cursor_execute", executed)
    event.listen(bound, "commit", committed)
    try:
        yield commits
    finally:
        event.remove(bound, "before_cursor_execute", executed)
        event.remove(bound, "commit", committed)


def test_each_intake_request_commits_at_most_once(app, make, auth, client, writing_commits) -> None:
    make.user("clinician", "dr-one")
    client_id = make.client("dr-one")
    encounter = make.encounter(client_id, "dr-one")
    auth.login("dr-one")
    assert client.get(f"/sessions/{encounter}/intake").status_code == 200
    writing_commits.clear()
    review = client.post(f"/sessions/{encounter}/intake", data={**FULL_INTAKE, "action": "review"})
    assert review.status_code == 200
    assert len(writing_commits) <= 1, writing_commits
    writing_commits.clear()
    carried = review_answers(review.get_data(as_text=True))
    saved = client.post(
        f"/sessions/{encounter}/intake", data={"answers": carried, "action": "save"}
    )
    assert saved.status_code == 302
    # The response, its Observations, indicator, flags, Consent and audit: one commit.
    assert len(writing_commits) == 1, writing_commits
    from intake_ai.models import StoredResource
    from intake_ai.store.database import session

    with app.app_context():
        kinds = {
            r.resource_type for r in session().query(StoredResource).filter_by(client_id=client_id)
        }
    assert {"QuestionnaireResponse", "Observation", "Consent"} <= kinds
