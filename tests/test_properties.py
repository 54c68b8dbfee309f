"""Property-based tests (hypothesis): the answer schemas and the search-parameter parser
turn any input into either a valid result or a clear refusal, never anything else."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_mappings.definitions import INTAKE, SESSION_NOTE
from fhir_mappings.definitions.answers import Answer, enabled
from fhir_mappings.definitions.model import Definition
from intake_ai.errors import InvalidInput
from intake_ai.fhir_api.search_params import INCLUDES, PARAMETERS
from intake_ai.fhir_api.search_query import Search, SearchError, parse
from intake_ai.forms.schema import DECLINED_KEY, load_answers
from tests.intake_helpers import FULL_INTAKE, WORRYING_NOTE

DEFINITIONS = {"intake": INTAKE, "note": SESSION_NOTE}
VALID = {INTAKE.id: FULL_INTAKE, SESSION_NOTE.id: WORRYING_NOTE}

# Answer schemas -------------------------------------------------------------------------


def _codes(definition: Definition) -> list[str]:
    return sorted(
        {
            option.code
            for item in definition.questions()
            if item.answers is not None
            for option in item.answers.options
        }
    )


def _link_ids(definition: Definition) -> list[str]:
    return [item.link_id for item in definition.questions()]


scalars = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.sampled_from(["true", "false", "0", "10", "11", "-1", "2026-02-30", "2026-12-01"]),
)


def _edit(base: dict[str, Any], dropped: set[str], changes: dict[str, Any], refused: Any) -> Any:
    data = {k: v for k, v in base.items() if k not in dropped}
    data.update(changes)
    if refused is not None:
        data[DECLINED_KEY] = refused
    return data


def form_like(definition: Definition) -> st.SearchStrategy[dict[str, Any]]:
    """A valid form (or an empty one) with a few answers removed, changed or declined: real
    ids and codes mostly, every kind of wrong value sometimes."""
    link_ids = st.sampled_from(_link_ids(definition))
    codes = st.sampled_from(_codes(definition))
    value = st.one_of(
        codes,
        st.lists(codes, max_size=4),
        scalars,
        st.lists(scalars, max_size=3),
        st.dictionaries(st.text(max_size=5), scalars, max_size=2),
    )
    return st.builds(
        _edit,
        st.sampled_from([VALID[definition.id], {}]),
        st.sets(link_ids, max_size=3),
        st.dictionaries(link_ids | st.text(max_size=12), value, max_size=3),
        st.none() | st.lists(link_ids | st.text(max_size=8), max_size=2),
    )


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_any_form_data_loads_to_valid_answers_or_is_refused_per_field(name: str) -> None:
    definition = DEFINITIONS[name]

    @settings(max_examples=3 * settings.default.max_examples)
    @given(form_like(definition))
    def check(data: dict[str, Any]) -> None:
        try:
            answers = load_answers(definition, data)
        except InvalidInput as refused:
            assert refused.errors, "a refusal names at least one field"
            for field, messages in refused.errors.items():
                assert isinstance(field, str) and messages
                assert all(isinstance(m, str) and m for m in messages)
            return
        # Whatever loads obeys the definition: known items, known codes, skip logic.
        for link_id, answer in answers.items():
            assert isinstance(answer, Answer)
            item = definition.item(link_id)
            assert enabled(definition, link_id, answers), link_id
            if item.answers is not None and not answer.declined:
                assert set(answer.values) <= set(item.answers.codes), link_id
            if item.max_length is not None and not answer.declined:
                assert all(len(str(v)) <= item.max_length for v in answer.values)

    check()


# The search-parameter parser ------------------------------------------------------------

NAMES = sorted(
    {p.name for params in PARAMETERS.values() for p in params}
    | {"_id", "_lastUpdated", "_count", "_sort", "_include", "_summary", "_cursor", "_format"}
    | {"_total", "code:text", "patient:missing", "colour"}
)
PREFIXES = ["", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "xx"]


def _date_text() -> st.SearchStrategy[str]:
    stamp = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31))
    shapes = st.sampled_from([4, 7, 10, 16, 19, 23])
    zones = st.sampled_from(["", "Z", "+01:00", "-14:00", "+99:99"])
    return st.builds(
        lambda p, d, n, z: p + d.isoformat()[:n] + (z if n > 10 else ""),
        st.sampled_from(PREFIXES),
        stamp,
        shapes,
        zones,
    )


values = st.one_of(
    st.text(max_size=40),
    _date_text(),
    st.builds(lambda s, c: f"{s}|{c}", st.text(max_size=10), st.text(max_size=10)),
    st.builds(lambda n: f"Patient/{n}", st.integers(min_value=-5, max_value=10**25)),
    st.integers(min_value=-5, max_value=10**25).map(str),
    st.sampled_from(["date", "-date", "_lastUpdated", "count", "json", "xml"]),
    st.sampled_from(sorted({i for v in INCLUDES.values() for i in v})),
    st.lists(st.text(max_size=6), max_size=4).map(",".join),
)


def _well_formed(param: Any) -> st.SearchStrategy[str]:
    """Values of the right shape for a parameter (most still match nothing)."""
    if param.kind == "reference":
        return st.integers(min_value=1, max_value=50).map(lambda n: f"{param.target}/{n}")
    if param.kind == "date":
        return _date_text().filter(lambda v: v[:2] in PREFIXES or v[:1].isdigit())
    if param.kind == "token":
        code = st.text(alphabet="abcdefghij-", min_size=1, max_size=12)
        system = st.sampled_from(["", "http://loinc.org", "urn:x"])
        return st.one_of(code, st.builds(lambda sy, c: f"{sy}|{c}", system, code))
    return st.text(min_size=1, max_size=20)


@st.composite
def typed_queries(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    resource_type = draw(st.sampled_from(sorted(PARAMETERS)))
    params = PARAMETERS[resource_type]
    good = st.sampled_from(params).flatmap(
        lambda p: st.tuples(st.just(p.name), _well_formed(p))
    ) | st.tuples(st.just("_count"), st.integers(0, 900).map(str))
    wild = st.tuples(st.sampled_from(NAMES) | st.text(max_size=10), values)
    return resource_type, draw(st.lists(good | good | wild, max_size=5))


queries = st.lists(st.tuples(st.sampled_from(NAMES) | st.text(max_size=10), values), max_size=6)


@settings(max_examples=10 * settings.default.max_examples)
@given(typed_queries(), st.booleans())
def test_any_query_parses_to_a_search_or_a_search_error(
    query: tuple[str, list[tuple[str, str]]], lenient: bool
) -> None:
    resource_type, args = query
    try:
        search = parse(resource_type, args, lenient=lenient, default_count=50, max_count=500)
    except SearchError as refused:
        assert refused.status in (400, 406)
        assert isinstance(refused.parameter, str) and str(refused)
        return
    assert isinstance(search, Search)
    assert 0 <= search.count <= 500
    known = {p.name for p in PARAMETERS[resource_type]}
    assert all(condition.param.name in known for condition in search.conditions)
    for condition in search.conditions:
        if condition.param.kind == "reference" and condition.param.target is not None:
            assert all(isinstance(v, int) and 0 <= v < 2**63 for v in condition.values)
        elif condition.param.kind == "reference":  # any type (Provenance.target): Type/id or id
            for value in condition.values:
                kind, _, local = value.rpartition("/")
                assert local and "/" not in kind and (not kind or kind[0].isupper())
        if condition.param.kind == "date":
            [(_prefix, start, end)] = condition.values
            assert start < end
    if not lenient:
        assert search.ignored == ()


@settings(
    max_examples=settings.default.max_examples,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=typed_queries())
def test_any_query_through_the_api_is_answered_without_a_server_error(
    client, world, query: tuple[str, list[tuple[str, str]]]
) -> None:
    resource_type, args = query
    response = client.get(f"/fhir/{resource_type}", query_string=args, headers=world.integrator)
    assert response.status_code in (200, 400, 406), (args, response.status_code)
    body = response.json
    assert body["resourceType"] == ("Bundle" if response.status_code == 200 else "OperationOutcome")
