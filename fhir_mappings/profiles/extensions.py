"""A StructureDefinition for each local extension (their meaning is in the README)."""

from __future__ import annotations

from typing import Any

from fhir_mappings.codes import (
    EXT_ANNOTATION_SHARED,
    EXT_CHANGE_REASON,
    EXT_ENTERED_IN_ERROR_REASON,
    EXT_FLAG_ACK,
    EXT_ITEM_SOURCE,
)
from fhir_mappings.profiles.elements import element, structure_definition


def _simple(
    url: str, title: str, description: str, value_type: str, context: list[str]
) -> dict[str, Any]:
    sd_id = url.rsplit("/", 1)[1]
    return structure_definition(
        sd_id,
        title=title,
        description=description,
        base_type="Extension",
        kind="complex-type",
        context=context,
        elements=[
            element("Extension", short=title, definition=description),
            element("Extension.extension", max="0"),
            element("Extension.url", fixedUri=url),
            element("Extension.value[x]", min=1, type=[{"code": value_type}]),
        ],
    )


def _acknowledgement() -> dict[str, Any]:
    parts = (
        ("note", "string", "What the clinician noted on acknowledging the flag."),
        ("owner", "Reference", "Who follows the flag up (Practitioner)."),
        ("acknowledgedBy", "Reference", "Who acknowledged it (Practitioner)."),
        ("time", "dateTime", "When it was acknowledged."),
    )
    description = (
        "How a red flag was acknowledged: sub-extensions note, owner, acknowledgedBy, time."
    )
    elements = [
        element("Extension", short="Flag acknowledgement", definition=description),
        element(
            "Extension.extension",
            min=1,
            slicing={"discriminator": [{"type": "value", "path": "url"}], "rules": "closed"},
        ),
    ]
    for name, kind, meaning in parts:
        elements += [
            element("Extension.extension", slice=name, short=meaning, min=0, max="1"),
            element("Extension.extension.url", within=name, fixedUri=name),
            element("Extension.extension.value[x]", within=name, type=[{"code": kind}]),
        ]
    elements += [
        element("Extension.url", fixedUri=EXT_FLAG_ACK),
        element("Extension.value[x]", max="0"),
    ]
    return structure_definition(
        "flag-acknowledgement",
        title="Flag acknowledgement",
        description=description,
        base_type="Extension",
        kind="complex-type",
        context=["Flag"],
        elements=elements,
    )


def extension_definitions() -> list[dict[str, Any]]:
    return [
        _simple(
            EXT_ITEM_SOURCE,
            "Who supplies the answer",
            "Who supplies a Questionnaire item's answer: client (client-reported), clinician "
            "(clinician-observed) or both.",
            "code",
            ["Questionnaire.item"],
        ),
        _acknowledgement(),
        _simple(
            EXT_ANNOTATION_SHARED,
            "Shared for supervision",
            "Whether the clinician shares this free text with their clinical supervisor.",
            "boolean",
            ["Annotation", "QuestionnaireResponse.item"],
        ),
        _simple(
            EXT_ENTERED_IN_ERROR_REASON,
            "Entered-in-error reason",
            "Why the clinician marked the record entered in error.",
            "string",
            ["QuestionnaireResponse", "Observation", "Flag"],
        ),
        _simple(
            EXT_CHANGE_REASON,
            "Change reason",
            "Why a clinician edited a stored response; on the version the edit created.",
            "string",
            ["QuestionnaireResponse"],
        ),
    ]
