"""English and Spanish: every client-facing text has its Spanish, in the definitions (and so
in the Questionnaires' translation extensions) and in the gettext catalogue of the pages;
the compiled catalogue is the one the .po says; forms show a Spanish reader's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from fhir_mappings.codes import TRANSLATION
from fhir_mappings.definitions import VERSIONS
from fhir_mappings.questionnaire import build_questionnaire
from fhir_mappings.terminology import value_sets
from intake_ai.i18n import DOMAIN_NAME, TRANSLATIONS

ROOT = Path(__file__).resolve().parents[1]
SPANISH_PO = TRANSLATIONS / "es" / "LC_MESSAGES" / f"{DOMAIN_NAME}.po"


def _untranslated_texts() -> list[str]:
    missing = []
    for definition in VERSIONS:
        where = f"{definition.id} {definition.version}"
        if not (definition.title_es and definition.preface_es and definition.panel_display_es):
            missing.append(f"{where}: title, preface or panel")
        for item in definition.walk():
            if not item.es:
                missing.append(f"{where} {item.link_id}: text")
            if item.help and not item.help_es:
                missing.append(f"{where} {item.link_id}: help")
            if item.label and not item.label_es:
                missing.append(f"{where} {item.link_id}: label")
            if item.answers is not None:
                missing += [f"option {o.code}" for o in item.answers.options if not o.es]
                missing += [
                    f"option {o.code}: client words"
                    for o in item.answers.options
                    if o.ask is not None and not all(o.ask)
                ]
            if item.ask is not None and not all(item.ask):
                missing.append(f"{where} {item.link_id}: client question")
    return missing


def test_every_definition_text_has_its_spanish() -> None:
    assert _untranslated_texts() == []


def _at(node: Any, path: str) -> Any:
    """The element at a path as ``texts`` writes it (``.item[1].answerOption[0].valueCoding``)."""
    for part in path.strip(".").split("."):
        name, _, rest = part.partition("[")
        node = node[name]
        for index in rest.rstrip("]").split("][") if rest else []:
            node = node[int(index)]
    return node


def test_the_questionnaires_carry_a_translation_for_every_text() -> None:
    def texts(node, path="") -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
        found = []
        if isinstance(node, dict):
            for key in ("text", "title", "description", "display"):
                if key in node and isinstance(node[key], str):
                    found.append((f"{path}.{key}", node.get(f"_{key}")))
            for key, value in node.items():
                if not key.startswith("_") and key != "extension":
                    found += texts(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found += texts(value, f"{path}[{index}]")
        return found

    sets = value_sets(VERSIONS)
    # Options carry their Spanish on the ValueSets (a translation on an answerOption's
    # display stops Smart Forms from selecting it): each option's code must be translated
    # there, which the ValueSets' own walk below checks.
    translated_codes = {
        concept["code"]
        for vs in sets
        for include in vs["compose"]["include"]
        for concept in include.get("concept", [])
        if TRANSLATION in [e["url"] for e in concept.get("_display", {}).get("extension", [])]
    }
    resources = [build_questionnaire(d) for d in VERSIONS] + sets
    lacking = []
    for resource in resources:
        for path, element in texts(resource):
            if path.endswith(".compose.include[0].display"):
                continue
            if ".answerOption[" in path:
                code = _at(resource, path.removesuffix(".display"))["code"]
                if code not in translated_codes:
                    lacking.append(f"{resource['id']}{path}")
                continue
            if path in (".title",) and resource["resourceType"] == "ValueSet":
                continue  # a ValueSet's own title is for integrators, not the client
            urls = [e["url"] for e in (element or {}).get("extension", [])]
            if TRANSLATION not in urls:
                lacking.append(f"{resource['id']}{path}")
    assert lacking == []


def _catalogue_ids() -> set[str]:
    with SPANISH_PO.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_every_page_string_is_in_the_spanish_catalogue_and_translated() -> None:
    method_map = [
        ("intake_ai/**.py", "python"),
        ("intake_ai/templates/intake_ai/checkin/**.html", "jinja2"),
    ]
    extracted = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords={"_": None, "gettext": None}
        )
    }
    assert extracted, "no page strings found: the extraction is broken"
    assert extracted - _catalogue_ids() == set(), "run scripts/translations, then translate"
    with SPANISH_PO.open("rb") as handle:
        catalogue = read_po(handle)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_po() -> None:
    with SPANISH_PO.open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id}
    with SPANISH_PO.with_suffix(".mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "the .mo is stale: run scripts/translations"


def test_a_spanish_readers_forms_show_their_language_with_the_english(app, make) -> None:
    from tests.conftest import AuthActions

    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    encounter = make.encounter(client_id, "dr-a")
    web = app.test_client()
    AuthActions(web).login("dr-a")
    assert web.post(f"/clients/{client_id}/language", data={"language": "es"}).status_code == 302
    page = web.get(f"/sessions/{encounter}/intake").get_data(as_text=True)
    assert '<span lang="es">Estoy de acuerdo</span>' in page
    assert "(I agree)" in page
    assert web.post(f"/clients/{client_id}/language", data={"language": "en"}).status_code == 302
    english = web.get(f"/sessions/{encounter}/intake").get_data(as_text=True)
    assert "Estoy de acuerdo" not in english and "I agree" in english


def test_a_language_the_module_does_not_speak_is_refused(app, make) -> None:
    from tests.conftest import AuthActions

    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    web = app.test_client()
    AuthActions(web).login("dr-a")
    refused = web.post(f"/clients/{client_id}/language", data={"language": "fr"})
    assert refused.status_code == 400
    assert "English or Spanish" in refused.get_data(as_text=True)
