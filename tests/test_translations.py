"""English and Spanish: every client-facing text has its Spanish, in the definitions (and so
in the Questionnaires' translation extensions) and in the gettext catalogue of the pages
(the check-in, and the forms' fill-in, review and stored-record pages); the compiled
catalogue is the one the .po says; forms show a Spanish reader's language, and read their
answers back in it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from fhir_mappings.codes import TRANSLATION
from fhir_mappings.definitions import VERSIONS
from fhir_mappings.definitions.model import Definition, Item
from fhir_mappings.questionnaire import build_questionnaire
from fhir_mappings.terminology import value_sets
from intake_ai.i18n import DOMAIN_NAME, TRANSLATIONS

ROOT = Path(__file__).resolve().parents[1]
SPANISH_PO = TRANSLATIONS / "es" / "LC_MESSAGES" / f"{DOMAIN_NAME}.po"
#: What scripts/translations extracts: the same mapping, so the test checks what ships.
BABEL_CFG = TRANSLATIONS.parent / "babel.cfg"
#: The gettext calls of the module (as scripts/translations passes them to pybabel).
KEYWORDS: dict[str, Any] = {"_": None, "gettext": None, "gettext_in": (2,)}


def _untranslated_texts(definitions: Iterable[Definition] = VERSIONS) -> list[str]:
    missing = []
    for definition in definitions:
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


def _page_strings(root: Path) -> set[str]:
    """Every string the pages under ``root`` pass to gettext, found as pybabel finds them."""
    with BABEL_CFG.open() as handle:
        method_map, options = parse_mapping_cfg(handle)
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(root), method_map, options, keywords=KEYWORDS
        )
    }


def _lacking_spanish(strings: set[str]) -> set[str]:
    """The strings the Spanish catalogue does not have, or has untranslated or fuzzy."""
    with SPANISH_PO.open("rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string and not m.fuzzy}
    return strings - translated


def test_every_page_string_is_in_the_spanish_catalogue_and_translated() -> None:
    extracted = _page_strings(ROOT)
    assert extracted, "no page strings found: the extraction is broken"
    # The review and record pages' own strings are among those checked (the templates and
    # the Python answer words alike), not only the check-in's.
    assert {"Answers", "Asked, declined", "Yes", "No", "Send to my clinician"} <= extracted
    assert extracted - _catalogue_ids() == set(), "run scripts/translations, then translate"
    assert _lacking_spanish(extracted) == set()
    with SPANISH_PO.open("rb") as handle:
        catalogue = read_po(handle)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_a_page_string_without_spanish_is_caught(tmp_path: Path) -> None:
    """A review page's template and a Python answer word that nobody translated: both are
    found by the same extraction, and reported."""
    review = tmp_path / "intake_ai" / "templates" / "intake_ai" / "intake" / "review.html"
    review.parent.mkdir(parents=True)
    review.write_text('<h2>{{ _("Answers") }}</h2><p>{{ _("A heading nobody translated") }}</p>\n')
    views = tmp_path / "intake_ai" / "forms" / "views.py"
    views.parent.mkdir(parents=True)
    views.write_text('def shown(language):\n    return gettext_in(language, "Nobody translated")\n')
    found = _page_strings(tmp_path)
    assert found == {"Answers", "A heading nobody translated", "Nobody translated"}
    assert _lacking_spanish(found) == {"A heading nobody translated", "Nobody translated"}


def _without_spanish(definition: Definition, link_id: str, code: str) -> Definition:
    """The definition with one option of one question left without its Spanish."""

    def strip(item: Item) -> Item:
        answers = item.answers
        if item.link_id == link_id and answers is not None:
            options = tuple(replace(o, es=None) if o.code == code else o for o in answers.options)
            answers = replace(answers, options=options)
        return replace(item, answers=answers, children=tuple(strip(c) for c in item.children))

    items = tuple(strip(section) for section in definition.items)
    return replace(definition, items=items, _index={}, _parents={})


def test_an_answer_without_spanish_is_caught_and_would_read_back_in_english() -> None:
    from fhir_mappings.definitions.answers import Answer
    from fhir_mappings.definitions.intake import INTAKE
    from intake_ai.forms.views import describe

    stripped = _without_spanish(INTAKE, "days-per-week", "dpw-5-6")
    assert _untranslated_texts([stripped]) == ["option dpw-5-6"]
    answers = {
        "consent-record": Answer(("consent-agree",)),
        "tools": Answer(("tool-chatgpt",)),
        "days-per-week": Answer(("dpw-5-6",)),
        "time-per-day": Answer(("tpd-2-4h",)),
    }
    shown = describe(stripped, answers, language="es")
    rows = {row.item.link_id: row for section in shown for row in section.rows}
    assert rows["days-per-week"].text_es is None  # the page would show the English alone
    time_options = INTAKE.item("time-per-day").answers
    assert time_options is not None
    assert rows["time-per-day"].text_es == time_options.option("tpd-2-4h").es


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
    assert '<span lang="es">Sí</span>' in page  # a yes/no question's box, from the catalogue
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


def _answer_rows(page: str) -> list[tuple[str, str]]:
    """(question, answer) of each row a review or record page reads back, as HTML."""
    return re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", page, re.S)


#: Texts of the definitions that read the same in Spanish ("Replika", "Plan").
SAME_IN_SPANISH = {
    option.display
    for definition in VERSIONS
    for item in definition.walk()
    if item.answers is not None
    for option in item.answers.options
    if option.es == option.display
} | {
    item.display_label
    for definition in VERSIONS
    for item in definition.walk()
    if item.display_label_es == item.display_label
}


def _read_back_in_english(page: str, typed: set[str]) -> list[str]:
    """Rows of a Spanish reader's page whose question or answer lacks its Spanish (what was
    typed, numbers and words that read the same in both languages excepted)."""
    same = SAME_IN_SPANISH | typed | {"No"}
    lacking = []
    for question, answer in _answer_rows(page):
        label = re.sub(r"^\w+\. ", "", html.unescape(question).strip())  # without its prefix
        if 'lang="es"' not in question and label not in same:
            lacking.append(f"question: {question}")
        text = html.unescape(answer).strip()
        if 'lang="es"' not in answer and not all(
            part in same or part.isdigit() for part in text.split(", ")
        ):
            lacking.append(f"answer: {question}: {text}")
    answers = page[page.index('id="answers-h"') :] if 'id="answers-h"' in page else page
    for title in re.findall(r"<h3>(.*?)</h3>", answers, re.S):
        if 'lang="es"' not in title and title != "Your annotation":
            lacking.append(f"section: {title}")
    return lacking


def test_a_spanish_readers_review_and_record_read_the_answers_back_in_spanish(app, make) -> None:
    from tests.conftest import AuthActions
    from tests.intake_helpers import FULL_INTAKE, WORRYING_NOTE, review_answers

    make.user("clinician", "dr-a")
    client_id = make.client("dr-a")
    intake = make.encounter(client_id, "dr-a")
    web = app.test_client()
    AuthActions(web).login("dr-a")
    assert web.post(f"/clients/{client_id}/language", data={"language": "es"}).status_code == 302
    typed = {FULL_INTAKE["tools-other"], FULL_INTAKE["helped-detail"]}

    review = web.post(f"/sessions/{intake}/intake", data={**FULL_INTAKE, "action": "review"})
    page = review.get_data(as_text=True)
    assert review.status_code == 200 and len(_answer_rows(page)) > 20
    assert _read_back_in_english(page, typed) == []
    assert '<span lang="es">Respuestas</span>' in page
    assert '<span lang="es">Se preguntó; prefirió no responder</span>' in page  # declined
    assert '<span lang="es">5–6 días</span>' in page and "(5–6 days)" in page
    saved = web.post(
        f"/sessions/{intake}/intake", data={"answers": review_answers(page), "action": "save"}
    )
    assert saved.status_code == 302
    record = web.get(web.get(f"/sessions/{intake}/intake").headers["Location"])
    assert _read_back_in_english(record.get_data(as_text=True), typed) == []

    note = make.encounter(client_id, "dr-a")
    review = web.post(f"/sessions/{note}/note", data={**WORRYING_NOTE, "action": "review"})
    page = review.get_data(as_text=True)
    assert review.status_code == 200 and len(_answer_rows(page)) > 10
    assert _read_back_in_english(page, {WORRYING_NOTE["themes-other"]}) == []


def test_an_english_readers_review_is_english_only(app, make) -> None:
    from tests.conftest import AuthActions
    from tests.intake_helpers import FULL_INTAKE

    make.user("clinician", "dr-a")
    encounter = make.encounter(make.client("dr-a"), "dr-a")
    web = app.test_client()
    AuthActions(web).login("dr-a")
    review = web.post(f"/sessions/{encounter}/intake", data={**FULL_INTAKE, "action": "review"})
    page = review.get_data(as_text=True)
    assert review.status_code == 200 and _answer_rows(page)
    assert 'lang="es"' not in page and "Asked, declined" in page
