"""Search: each parameter, prefixes, sorting, includes, counts, and keyset paging that stays
correct while records are added."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from fhir_mappings.codes import LOCAL_SYSTEM, OBSERVATION_CATEGORY
from fhir_mappings.definitions.intake import INTAKE
from fhir_mappings.questionnaire import questionnaire_canonical, questionnaire_url
from intake_ai.fhir_api import search_query, search_sql, service


def search(client, headers, query: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(f"/fhir/{query}", headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["type"] == "searchset"
    return response.json


def codes(bundle: dict) -> list[str]:
    return [
        e["resource"]["code"]["coding"][0]["code"]
        for e in bundle.get("entry", [])
        if e["search"]["mode"] == "match"
    ]


def test_patient_and_subject(client, world) -> None:
    by_patient = search(client, world.integrator, f"Observation?patient=Patient/{world.agreed}")
    by_subject = search(client, world.integrator, f"Observation?subject={world.agreed}&_count=500")
    assert by_patient["total"] == by_subject["total"] > 0
    assert {e["resource"]["subject"]["reference"] for e in by_subject["entry"]} == {
        f"Patient/{world.agreed}"
    }
    assert (
        client.get("/fhir/Observation?patient=Group/1", headers=world.integrator).status_code == 400
    )


@pytest.mark.parametrize("value", [f"{LOCAL_SYSTEM}|withdrawal", "withdrawal"])
def test_code_with_and_without_system(client, world, value: str) -> None:
    found = search(client, world.integrator, f"Observation?code={quote(value)}")
    assert found["total"] >= 2 and set(codes(found)) == {"withdrawal"}


def test_code_with_another_system_matches_nothing(client, world) -> None:
    found = search(client, world.integrator, "Observation?code=http://loinc.org|withdrawal")
    assert found["total"] == 0


def test_several_codes_are_ored(client, world) -> None:
    found = search(
        client,
        world.integrator,
        f"Observation?patient={world.agreed}&code=withdrawal,framing&_count=100",
    )
    assert set(codes(found)) == {"withdrawal", "framing"}


def test_category(client, world) -> None:
    clinician = search(
        client,
        world.integrator,
        f"Observation?category={quote(OBSERVATION_CATEGORY + '|social-history')}&_count=200",
    )
    assert clinician["total"] > 0
    assert all(
        e["resource"]["category"][0]["coding"][0]["code"] == "social-history"
        for e in clinician["entry"]
    )


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ("eq2026-09-01", {"2026-09-01"}),
        ("2026-09-01", {"2026-09-01"}),
        ("ge2026-09-08", {"2026-09-08", "2026-09-15"}),
        ("gt2026-09-08", {"2026-09-15"}),
        ("le2026-09-08", {"2026-09-01", "2026-09-08"}),
        ("lt2026-09-08", {"2026-09-01"}),
        ("eq2026-09", {"2026-09-01", "2026-09-08", "2026-09-15"}),
        ("ne2026-09-01", {"2026-09-08", "2026-09-15"}),
    ],
)
def test_date_prefixes(client, world, query: str, expect: set[str]) -> None:
    found = search(
        client,
        world.integrator,
        f"Observation?patient={world.agreed}&code=dependency-indicator&date={query}",
    )
    assert {e["resource"]["effectiveDateTime"][:10] for e in found.get("entry", [])} == expect


def test_two_dates_make_a_range(client, world) -> None:
    found = search(
        client,
        world.integrator,
        f"Observation?patient={world.agreed}"
        "&code=dependency-indicator"
        "&date=ge2026-09-02&date=lt2026-09-15",
    )
    assert [e["resource"]["effectiveDateTime"][:10] for e in found["entry"]] == ["2026-09-08"]


def test_encounter(client, world) -> None:
    found = search(
        client,
        world.integrator,
        f"Observation?encounter=Encounter/{world.encounters['note2']}&_count=100",
    )
    assert found["total"] > 0
    assert {e["resource"]["encounter"]["reference"] for e in found["entry"]} == {
        f"Encounter/{world.encounters['note2']}"
    }


def test_entered_in_error_is_left_out_unless_status_asks(app, client, world) -> None:
    note = search(
        client, world.clinician, f"QuestionnaireResponse?encounter={world.encounters['note1']}"
    )["entry"][0]["resource"]
    web = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(web).login("dr-a")
    web.post(
        f"/records/QuestionnaireResponse/{note['id']}/entered-in-error",
        data={"reason": "Wrong session"},
    )
    default = search(client, world.integrator, f"QuestionnaireResponse?patient={world.agreed}")
    assert note["id"] not in {e["resource"]["id"] for e in default["entry"]}
    asked = search(
        client,
        world.integrator,
        f"QuestionnaireResponse?patient={world.agreed}&status=entered-in-error",
    )
    assert [e["resource"]["id"] for e in asked["entry"]] == [note["id"]]
    derived = search(client, world.integrator, f"Observation?encounter={world.encounters['note1']}")
    assert derived["total"] == 0


def test_id_and_last_updated(client, world) -> None:
    some = search(client, world.integrator, "Observation?_count=2")["entry"]
    ids = ",".join(e["resource"]["id"] for e in some)
    by_id = search(client, world.integrator, f"Observation?_id={ids}")
    assert by_id["total"] == 2
    stamp = some[0]["resource"]["meta"]["lastUpdated"]
    later = search(
        client, world.integrator, f"Observation?_lastUpdated=gt{quote(stamp)}&_summary=count"
    )
    everything = search(client, world.integrator, "Observation?_summary=count")
    assert 0 < later["total"] <= everything["total"]
    assert "entry" not in everything


@pytest.mark.parametrize("order", ["date", "-date", "_lastUpdated", "-_lastUpdated"])
def test_sort(client, world, order: str) -> None:
    found = search(client, world.integrator, f"Observation?code=dependency-indicator&_sort={order}")
    key = "effectiveDateTime" if "date" in order else "meta"
    values = [
        e["resource"][key] if key != "meta" else e["resource"]["meta"]["lastUpdated"]
        for e in found["entry"]
    ]
    assert values == sorted(values, reverse=order.startswith("-"))


def test_includes(client, world) -> None:
    found = search(
        client,
        world.integrator,
        f"Observation?patient={world.agreed}&code=framing&_include=Observation:derived-from",
    )
    included = [
        e["resource"]["resourceType"] for e in found["entry"] if e["search"]["mode"] == "include"
    ]
    assert included and set(included) == {"QuestionnaireResponse"}
    with_questionnaire = search(
        client,
        world.integrator,
        "QuestionnaireResponse?_include=QuestionnaireResponse:questionnaire",
    )
    urls = {
        e["resource"]["url"]
        for e in with_questionnaire["entry"]
        if e["search"]["mode"] == "include"
    }
    assert urls == {
        "http://intake-ai.org/fhir/Questionnaire/ai-use-intake",
        "http://intake-ai.org/fhir/Questionnaire/ai-use-session-note",
    }


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("Observation?colour=blue", "Unknown search parameter 'colour'"),
        ("Observation?date=yesterday", "is not a date"),
        ("Observation?date=2026-02-30", "is not a real date"),
        ("Observation?_count=ten", "_count"),
        ("Observation?_count=5&_count=6", "_count appears more than once"),
        ("Observation?_sort=colour", "_sort"),
        ("Observation?_include=Observation:focus", "_include"),
        ("Observation?code:text=x", "the 'text' modifier is not supported"),
        ("Observation?patient=abc", "expected Patient/<id>"),
        ("Observation?_cursor=not-a-cursor", "page link is damaged"),
        ("Observation?_summary=verbose", "_summary"),
    ],
)
def test_bad_searches_get_400_with_the_reason(client, world, query: str, fragment: str) -> None:
    response = client.get(f"/fhir/{query}", headers=world.integrator)
    assert response.status_code == 400
    assert response.json["resourceType"] == "OperationOutcome"
    assert fragment in response.json["issue"][0]["diagnostics"]


def test_lenient_handling_ignores_unknown_parameters_and_says_so(client, world) -> None:
    found = client.get(
        "/fhir/Observation?colour=blue&_count=1",
        headers={**world.integrator, "Prefer": "handling=lenient"},
    ).json
    outcome = [e for e in found["entry"] if e["search"]["mode"] == "outcome"]
    assert "colour" in outcome[0]["resource"]["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("kind", "value", "expect_match"),
    [
        ("url", "canonical", True),
        ("url", "versioned", True),
        ("url", "other-version", False),
        ("questionnaire", "canonical", True),
        ("questionnaire", "versioned", True),
        ("questionnaire", "other-version", False),
        ("questionnaire", "other-questionnaire", False),
    ],
)
def test_canonical_searches(client, world, kind: str, value: str, expect_match: bool) -> None:
    url = questionnaire_url(INTAKE)
    given = {
        "canonical": url,
        "versioned": questionnaire_canonical(INTAKE),
        "other-version": f"{url}|0.0.1-none",
        "other-questionnaire": f"{url}-other",  # shares a prefix, names another one
    }[value]
    resource_type = "Questionnaire" if kind == "url" else "QuestionnaireResponse"
    found = search(client, world.integrator, f"{resource_type}?{kind}={quote(given)}&_count=500")
    named = (
        {e["resource"].get("url" if kind == "url" else "questionnaire") for e in found["entry"]}
        if found["total"]
        else set()
    )
    if expect_match:
        assert found["total"] > 0
        assert named == ({url} if kind == "url" else {questionnaire_canonical(INTAKE)})
    else:
        assert found["total"] == 0


def test_searches_of_one_shape_share_a_statement_and_keep_their_values(client, world) -> None:
    """Values travel as parameters: the second patient's search reuses the first's statement
    and still gets only that patient's records."""
    service._statements.cache_clear()
    first = search(client, world.integrator, f"Observation?patient={world.agreed}&_count=500")
    second = search(client, world.integrator, f"Observation?patient={world.second}&_count=500")
    info = service._statements.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    for bundle, patient in ((first, world.agreed), (second, world.second)):
        assert bundle["total"] > 0
        assert {e["resource"]["subject"]["reference"] for e in bundle["entry"]} == {
            f"Patient/{patient}"
        }
    assert first["total"] != second["total"]


def test_the_shape_of_a_search_keeps_what_decides_its_sql() -> None:
    def shaped(query: str) -> tuple[search_query.Search, dict]:  # type: ignore[type-arg]
        pairs = [tuple(p.split("=", 1)) for p in query.split("&")]
        return search_sql.shape(search_query.parse("Observation", pairs))  # type: ignore[arg-type]

    one, one_values = shaped("patient=1&code=a|b&date=ge2026-01-01&_count=5")
    two, two_values = shaped("patient=2&code=c|d&date=ge2025-06-01&_count=9")
    assert one == two and one_values != two_values
    assert one_values[search_sql.LIMIT] == 6
    assert 1 in one_values.values() and "a" in one_values.values()
    # A different form of SQL: no system, an empty system, another date prefix, a cursor.
    others = [
        shaped("patient=1&code=b&date=ge2026-01-01&_count=5")[0],
        shaped("patient=1&code=|b&date=ge2026-01-01&_count=5")[0],
        shaped("patient=1&code=a|b&date=lt2026-01-01&_count=5")[0],
        shaped("patient=1&code=a|b,c|d&date=ge2026-01-01&_count=5")[0],
    ]
    assert len({one, *others}) == 5


def test_xml_is_not_served(client, world) -> None:
    assert client.get("/fhir/Observation?_format=xml", headers=world.integrator).status_code == 406


def _walk(client, headers, first_url: str) -> list[str]:  # type: ignore[no-untyped-def]
    seen, url = [], first_url
    while url:
        page = client.get(url.replace("http://localhost", ""), headers=headers).json
        seen += [e["resource"]["id"] for e in page.get("entry", [])]
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    return seen


def test_paging_walks_every_record_once_in_both_directions(client, world) -> None:
    everything = search(client, world.integrator, "Observation?_count=500")
    walked = _walk(client, world.integrator, "/fhir/Observation?_count=7")
    assert walked == [e["resource"]["id"] for e in everything["entry"]]
    # Back from the last page to the first with the previous links.
    last_url = "/fhir/Observation?_count=7"
    page = client.get(last_url, headers=world.integrator).json
    while any(link["relation"] == "next" for link in page["link"]):
        page = client.get(
            next(link["url"] for link in page["link"] if link["relation"] == "next").replace(
                "http://localhost", ""
            ),
            headers=world.integrator,
        ).json
    backwards = [e["resource"]["id"] for e in page["entry"]]
    while any(link["relation"] == "previous" for link in page["link"]):
        page = client.get(
            next(link["url"] for link in page["link"] if link["relation"] == "previous").replace(
                "http://localhost", ""
            ),
            headers=world.integrator,
        ).json
        backwards = [e["resource"]["id"] for e in page["entry"]] + backwards
    assert backwards == walked


def test_paging_stays_correct_while_records_are_added(app, client, world) -> None:
    from tests.conftest import AuthActions
    from tests.intake_helpers import CALM_NOTE, submit_note

    query = f"/fhir/Observation?patient={world.agreed}&_sort=date&_count=5"
    before = search(
        client, world.integrator, f"Observation?patient={world.agreed}&_sort=date&_count=500"
    )

    expected = [e["resource"]["id"] for e in before["entry"]]
    web = app.test_client()
    AuthActions(web).login("dr-a")
    walked, url, inserted = [], query, False
    while url:
        page = client.get(url.replace("http://localhost", ""), headers=world.integrator).json
        walked += [e["resource"]["id"] for e in page["entry"]]
        if not inserted:
            # A new session note lands between page 1 and page 2 (a later session).
            submit_note(web, world.encounters["open"], CALM_NOTE)
            inserted = True
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    assert len(walked) == len(set(walked))  # nothing twice
    assert walked[: len(expected)] == expected  # nothing skipped, in order
    assert len(walked) > len(expected)  # the new, later records follow at the end
