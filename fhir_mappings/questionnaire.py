"""Definition -> FHIR R4 Questionnaire (canonical URL, version, enableWhen, SDC extraction)."""

from __future__ import annotations

from typing import Any

from fhir_mappings.codes import (
    CANONICAL_BASE,
    EXT_ITEM_SOURCE,
    ITEM_CONTROL,
    ITEM_CONTROL_SYSTEM,
    LOCAL_SYSTEM,
    MAX_VALUE,
    MIN_VALUE,
    SDC_OBSERVATION_EXTRACT,
    SDC_OBSERVATION_EXTRACT_CATEGORY,
    SDC_PREFERRED_TERMINOLOGY_SERVER,
    coding,
    translated,
)
from fhir_mappings.definitions.model import Condition, Definition, Item
from fhir_mappings.extraction import PANEL_CATEGORY, item_category
from fhir_mappings.terminology import PUBLISHER, valueset_url


def questionnaire_url(definition: Definition) -> str:
    return f"{CANONICAL_BASE}/Questionnaire/{definition.id}"


def questionnaire_canonical(definition: Definition) -> str:
    """``url|version``: what a QuestionnaireResponse names as its questionnaire."""
    return f"{questionnaire_url(definition)}|{definition.version}"


def questionnaire_id(definition: Definition) -> str:
    """One resource per business version, so every version stays resolvable."""
    return _versioned_id(definition.id, definition.version)


def _versioned_id(stem: str, version: str) -> str:
    return f"{stem}-{version}"


def questionnaire_id_for(canonical: str) -> str | None:
    """The resource id of the Questionnaire a canonical (``url|version``) names, if ours."""
    url, _, version = canonical.partition("|")
    prefix = f"{CANONICAL_BASE}/Questionnaire/"
    if not url.startswith(prefix) or not version:
        return None
    return _versioned_id(url.removeprefix(prefix), version)


def _control(code: str) -> dict[str, Any]:
    return {
        "url": ITEM_CONTROL,
        "valueCodeableConcept": {"coding": [coding(ITEM_CONTROL_SYSTEM, code)]},
    }


def _enable_when(condition: Condition) -> dict[str, Any]:
    entry: dict[str, Any] = {"question": condition.question, "operator": condition.operator}
    if condition.operator == "exists":
        entry["answerBoolean"] = bool(condition.answer)
    else:
        entry["answerCoding"] = {"system": LOCAL_SYSTEM, "code": condition.answer}
    return entry


def _item(item: Item, terminology_server: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {"linkId": item.link_id}
    extensions: list[dict[str, Any]] = []
    if item.is_question or item.grid:
        code = coding(LOCAL_SYSTEM, item.link_id, item.display_label)
        if item.display_label_es:
            code["_display"] = translated("es", item.display_label_es)
        result["code"] = [code]
    if item.prefix:
        result["prefix"] = item.prefix
    result["text"] = item.text
    if item.es:
        result["_text"] = translated("es", item.es)
    result["type"] = item.kind
    if item.enable_when:
        result["enableWhen"] = [_enable_when(c) for c in item.enable_when]
        if len(item.enable_when) > 1:
            result["enableBehavior"] = item.enable_behavior
    if item.required:
        result["required"] = True
    if item.repeats:
        result["repeats"] = True
    if item.max_length:
        result["maxLength"] = item.max_length
    if item.answers is not None:
        if terminology_server is None:
            # Offline: the options themselves, which every SDC renderer reads. Their Spanish
            # is on the ValueSets' designations: a translation on an option's display made
            # Smart Forms unable to select it.
            result["answerOption"] = [
                {"valueCoding": coding(LOCAL_SYSTEM, o.code, o.display)}
                for o in item.answers.options
            ]
        else:
            result["answerValueSet"] = valueset_url(item.answers)
        extensions.append(_control("check-box" if item.repeats else "radio-button"))
    if item.initial is not None and item.kind == "boolean":
        result["initial"] = [{"valueBoolean": bool(item.initial)}]
    if item.min_value is not None:
        extensions.append({"url": MIN_VALUE, "valueInteger": item.min_value})
    if item.max_value is not None:
        extensions.append({"url": MAX_VALUE, "valueInteger": item.max_value})
    if item.grid:
        # A matrix of questions sharing one answer list: SDC's "table" (not "gtable",
        # which is for repeating groups).
        extensions.append(_control("table"))
    if item.is_question and item.extract:
        extensions.append({"url": SDC_OBSERVATION_EXTRACT, "valueBoolean": True})
        extensions.append(
            {"url": SDC_OBSERVATION_EXTRACT_CATEGORY, "valueCodeableConcept": item_category(item)}
        )
    if item.source:
        extensions.append({"url": EXT_ITEM_SOURCE, "valueCode": item.source})
    if extensions:
        result = {"extension": extensions, **result}
    children = [_item(child, terminology_server) for child in item.children]
    if item.help:
        children.insert(
            0,
            {
                "extension": [_control("help")],
                "linkId": f"{item.link_id}.help",
                "text": item.help,
                **({"_text": translated("es", item.help_es)} if item.help_es else {}),
                "type": "display",
            },
        )
    if children:
        result["item"] = children
    return result


def _translation(key: str, spanish: str | None) -> dict[str, Any]:
    return {key: translated("es", spanish)} if spanish else {}


def build_questionnaire(
    definition: Definition, terminology_server: str | None = None
) -> dict[str, Any]:
    """The Questionnaire of one version of a form.

    Without ``terminology_server`` (what the module publishes and serves) each choice lists
    its options as ``answerOption``: the Questionnaire renders anywhere, offline, with no
    terminology server. With one (a FHIR base that serves the module's ``ValueSet/$expand``,
    e.g. the module's own API) each choice names its published ValueSet (``answerValueSet``)
    and the Questionnaire names that server as SDC's ``preferredTerminologyServer``.
    """
    # The panel's category (the items declare their own).
    extensions = [{"url": SDC_OBSERVATION_EXTRACT_CATEGORY, "valueCodeableConcept": PANEL_CATEGORY}]
    if terminology_server is not None:
        extensions.append({"url": SDC_PREFERRED_TERMINOLOGY_SERVER, "valueUrl": terminology_server})
    return {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(definition),
        "language": "en",
        "extension": extensions,
        "url": questionnaire_url(definition),
        "version": definition.version,
        "name": definition.name,
        "title": definition.title,
        **({"_title": translated("es", definition.title_es)} if definition.title_es else {}),
        "status": "active",
        "experimental": False,
        "subjectType": ["Patient"],
        "date": definition.date,
        "publisher": PUBLISHER,
        "description": definition.preface,
        **_translation("_description", definition.preface_es),
        "code": [
            {
                **coding(LOCAL_SYSTEM, definition.panel_code, definition.panel_display),
                **_translation("_display", definition.panel_display_es),
            }
        ],
        "item": [
            {
                "linkId": "preface",
                "text": definition.preface,
                **_translation("_text", definition.preface_es),
                "type": "display",
            },
            *(_item(item, terminology_server) for item in definition.items),
        ],
    }
