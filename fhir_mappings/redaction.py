"""A clinical resource as a supervisor is served it: structured data, and free text only
where the clinician shared it.

Free text is what a person typed: free-text answers (``valueString``), notes a person wrote
(``Observation.note`` with an author: annotations, an override's reason), the reason of a
flag raised by hand, an acknowledgement's note, an edit's reason and an entered-in-error
reason. An item or annotation marked shared for supervision keeps its text, and so does text
the reader wrote themselves. A copy that lost anything says so in ``meta.security`` (REDACTED).

Pure: the same rule for the pages and the API.
"""

from __future__ import annotations

import copy
from typing import Any

from fhir_mappings.codes import (
    EXT_ANNOTATION_SHARED,
    EXT_CHANGE_REASON,
    EXT_ENTERED_IN_ERROR_REASON,
    EXT_FLAG_ACK,
    FLAG_DETAIL,
    MASKED,
    REDACTED,
)


def is_shared(element: dict[str, Any]) -> bool:
    """Marked shared for supervision by the clinician (an annotation or an answer item)."""
    return any(
        e.get("url") == EXT_ANNOTATION_SHARED and e.get("valueBoolean") is True
        for e in element.get("extension", [])
    )


def is_redacted(resource: dict[str, Any]) -> bool:
    return any(
        label.get("system") == REDACTED["system"] and label.get("code") == REDACTED["code"]
        for label in resource.get("meta", {}).get("security", [])
    )


def redact_free_text(resource: dict[str, Any], viewer: str | None = None) -> dict[str, Any]:
    """``resource`` without unshared free text (the same object when it holds none).

    ``viewer``: the reader's reference ("Practitioner/3"): what they wrote stays.
    """
    redacted = copy.deepcopy(resource)
    removed = _typed_reasons(redacted)
    kind = redacted.get("resourceType")
    if kind == "QuestionnaireResponse" and "item" in redacted:
        redacted["item"], lost = _items(redacted["item"])
        removed |= lost
        if not redacted["item"]:
            del redacted["item"]
    elif kind == "Observation":
        removed |= _notes(redacted, viewer) | _string_value(redacted)
    elif kind == "Flag":
        removed |= _flag(redacted, viewer)
    if not removed:
        return resource
    meta = redacted.setdefault("meta", {})
    meta["security"] = [*meta.get("security", []), dict(REDACTED)]
    return redacted


#: Reasons a clinician types about a record: why it was edited, why it is entered in error.
TYPED_REASONS = frozenset({EXT_ENTERED_IN_ERROR_REASON, EXT_CHANGE_REASON})


def _typed_reasons(resource: dict[str, Any]) -> bool:
    extensions = resource.get("extension", [])
    kept = [e for e in extensions if e.get("url") not in TYPED_REASONS]
    if len(kept) == len(extensions):
        return False
    if kept:
        resource["extension"] = kept
    else:
        del resource["extension"]
    return True


def _items(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """Items without their free-text answers; an item left with nothing is dropped."""
    kept: list[dict[str, Any]] = []
    removed = False
    for item in items:
        if is_shared(item):
            kept.append(item)
            continue
        lost = False
        if "answer" in item:
            answers = []
            for answer in item["answer"]:
                if "valueString" in answer:
                    del answer["valueString"]
                    lost = True
                if "item" in answer:
                    answer["item"], nested = _items(answer["item"])
                    lost |= nested
                    if not answer["item"]:
                        del answer["item"]
                if any(key.startswith("value") or key == "item" for key in answer):
                    answers.append(answer)
            item["answer"] = answers
            if not answers:
                del item["answer"]
        if "item" in item:
            item["item"], nested = _items(item["item"])
            lost |= nested
            if not item["item"]:
                del item["item"]
        removed |= lost
        # Declined items carry neither answers nor children: they stay as they were.
        if not lost or "answer" in item or "item" in item:
            kept.append(item)
    return kept, removed


def _written_by_someone(note: dict[str, Any]) -> bool:
    return "authorReference" in note or "authorString" in note


def _notes(observation: dict[str, Any], viewer: str | None) -> bool:
    """Notes a person wrote go unless shared or the reader's own; the module's own stay."""
    notes = observation.get("note", [])
    kept = [
        n
        for n in notes
        if not _written_by_someone(n)
        or is_shared(n)
        or (viewer is not None and n.get("authorReference", {}).get("reference") == viewer)
    ]
    if len(kept) == len(notes):
        return False
    if kept:
        observation["note"] = kept
    else:
        del observation["note"]
    return True


def _string_value(observation: dict[str, Any]) -> bool:
    if "valueString" not in observation:
        return False
    del observation["valueString"]
    observation["dataAbsentReason"] = {"coding": [dict(MASKED)], "text": "Withheld"}
    return True


def _flag(flag: dict[str, Any], viewer: str | None) -> bool:
    removed = False
    by_hand = not any(e.get("url") == FLAG_DETAIL for e in flag.get("extension", []))
    author = flag.get("author", {}).get("reference")
    code = flag.get("code", {})
    display = next((c.get("display") for c in code.get("coding", []) if c.get("display")), None)
    # A flag raised by hand carries the clinician's words after its kind; a raised one the
    # answer that raised it (structured data, kept).
    if by_hand and author != viewer and "text" in code and code["text"] != display:
        if display:
            code["text"] = display
        else:
            del code["text"]
        removed = True
    for extension in flag.get("extension", []):
        if extension.get("url") != EXT_FLAG_ACK:
            continue
        parts = extension.get("extension", [])
        by = next(
            (
                p.get("valueReference", {}).get("reference")
                for p in parts
                if p.get("url") == "acknowledgedBy"
            ),
            None,
        )
        if by == viewer and viewer is not None:
            continue
        kept = [p for p in parts if p.get("url") != "note"]
        if len(kept) != len(parts):
            extension["extension"] = kept
            removed = True
    return removed
