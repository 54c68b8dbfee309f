"""The CapabilityStatement against R4 itself: each search parameter's definition is the R4
SearchParameter of that name, type and resource type."""

from __future__ import annotations

from tests.r4_definitions import r4_search_parameters


def test_search_parameter_definitions_are_the_r4_ones(client) -> None:
    r4 = r4_search_parameters()
    statement = client.get("/fhir/metadata").json
    checked = 0
    for entry in statement["rest"][0]["resource"]:
        kind = entry["type"]
        for param in entry.get("searchParam", []):
            where = f"{kind}.{param['name']}"
            if "definition" not in param:
                # A local parameter: R4 must indeed define none of that name for the type.
                assert not [
                    d for d in r4.values() if d["code"] == param["name"] and kind in d["base"]
                ], where
                continue
            definition = r4.get(param["definition"])
            assert definition is not None, f"{where}: {param['definition']} is not in R4"
            assert definition["code"] == param["name"], where
            assert definition["type"] == param["type"], where
            assert kind in definition["base"] or "Resource" in definition["base"], where
            checked += 1
    assert checked > 30
