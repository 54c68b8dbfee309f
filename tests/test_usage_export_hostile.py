"""Hostile and wrong uploads: each is refused with a message for people, reads bounded
bytes, and its message never quotes the file."""

from __future__ import annotations

import contextlib
import io
import json
import tracemalloc
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake_ai.demo.exports import FakeConversation, export_json, export_zip
from intake_ai.usage_export import archive, parsing
from intake_ai.usage_export.archive import RefusedExport
from intake_ai.usage_export.parsing import read_export
from tests.export_helpers import CONVERSATIONS, at

SECRET = "Demo-secret-phrase"


def refusal(data: bytes) -> str:
    with pytest.raises(RefusedExport) as caught:
        read_export(io.BytesIO(data))
    message = str(caught.value)
    assert SECRET not in message
    return message


def zipped(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as made:
        for name, data in members:
            made.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb_refused_by_its_ratio_before_unpacking() -> None:
    bomb = zipped(("conversations.json", b"[" + b" " * (20 << 20) + b"]"))
    assert len(bomb) < 100_000
    assert "bomb" in refusal(bomb)


def test_zip_bomb_refused_by_its_declared_size(monkeypatch) -> None:
    monkeypatch.setattr(archive, "MAX_JSON_BYTES", 1000)
    assert "larger than" in refusal(export_zip("claude", CONVERSATIONS))


def test_member_larger_than_its_header_says_is_not_read_past_it() -> None:
    data = bytearray(export_zip("claude", CONVERSATIONS))
    real = len(export_json("claude", CONVERSATIONS))
    # Shrink the declared size in the central directory: the reader stops there.
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"PK\x01\x02") + 1)
    first = data.find(b"PK\x01\x02")
    assert first <= central
    size_at = first + 24
    assert int.from_bytes(data[size_at : size_at + 4], "little") == real
    data[size_at : size_at + 4] = (real // 2).to_bytes(4, "little")
    message = refusal(bytes(data))
    assert "not valid JSON" in message or "damaged" in message


def test_path_traversal_names_are_refused() -> None:
    for name in ("../conversations.json", "/etc/conversations.json", "a/../../x.json"):
        data = zipped(("conversations.json", export_json("claude", CONVERSATIONS)), (name, b"x"))
        assert "outside itself" in refusal(data)


def test_deeply_nested_json_is_refused_without_recursing() -> None:
    assert "nests deeper" in refusal(b'[{"a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}]")
    inside = b'[{"chat_messages": [' + b"[" * 100 + b"]" * 100 + b"]}]"
    assert "nests deeper" in refusal(inside)


def test_malformed_json_names_no_content() -> None:
    talk = FakeConversation("x", [at(0, 0)])
    data = export_json("claude", [talk]).replace(b"Demo text", SECRET.encode())
    cut = data.index(SECRET.encode()) + len(SECRET) + 5
    assert "not valid JSON" in refusal(data[:cut])
    assert "not valid JSON" in refusal(data.replace(b'"sender"', b"sender"))
    assert "not valid" in refusal(b'[{"chat_messages": [{"text": "\xff\xfe"}]}]')


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "neither"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "neither"),
        (b"%PDF-1.7\n", "neither"),
        (b'{"conversations": []}', "single object"),
        (b"42", "neither"),
        (b"[]", "no conversations"),
        (b"[1, 2]", "other than conversations"),
        (b"PK\x03\x04 not really a zip", "damaged"),
    ],
)
def test_wrong_formats_are_refused(data: bytes, words: str) -> None:
    assert words in refusal(data)


def test_other_providers_are_refused() -> None:
    gemini = json.dumps(
        [{"header": "Gemini Apps", "title": f"Prompted {SECRET}", "time": "2026-10-05T09:00:00Z"}]
    ).encode()
    assert "not a ChatGPT or Claude export" in refusal(gemini)
    takeout = zipped(("Takeout/My Activity/Gemini Apps/MyActivity.json", gemini))
    assert "no conversations.json" in refusal(takeout)
    mixed = (
        export_json("claude", CONVERSATIONS)[:-1] + b"," + export_json("chatgpt", CONVERSATIONS)[1:]
    )
    assert "mixes" in refusal(mixed)


def test_two_conversation_files_are_refused() -> None:
    one = export_json("claude", CONVERSATIONS)
    assert "more than one" in refusal(
        zipped(("conversations.json", one), ("a/conversations.json", one))
    )


def test_a_huge_single_value_is_refused_before_it_is_held(monkeypatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOKEN_BYTES", 1 << 20)
    data = b'[{"chat_messages": [{"text": "' + b"a" * (3 << 20) + b'"}]}]'
    assert "single value" in refusal(data)


def test_a_huge_file_is_refused_once_read_past_the_limit(monkeypatch) -> None:
    monkeypatch.setattr(archive, "MAX_JSON_BYTES", 100_000)
    talks = [FakeConversation(f"t{n}", [at(n, 0), at(n, 1)]) for n in range(300)]
    assert "larger than" in refusal(export_json("claude", talks))


def test_too_many_messages_are_refused(monkeypatch) -> None:
    monkeypatch.setattr(parsing, "MAX_MESSAGES", 10)
    assert "more than 10 messages" in refusal(export_json("chatgpt", CONVERSATIONS))


def test_memory_stays_bounded_while_a_larger_export_is_read() -> None:
    talks = [FakeConversation(f"t{n}", [at(n / 10, m) for m in range(10)]) for n in range(600)]
    data = export_json("chatgpt", talks, text_size=600)
    assert len(data) > 4_000_000
    tracemalloc.start()
    try:
        timeline = read_export(io.BytesIO(data))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(timeline.times) == 6_000
    # A few conversations' skeletons and the times, never the document (4 MB).
    assert peak < 1_500_000, peak


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_any_bytes_are_read_or_refused_never_failed(data: bytes) -> None:
    with contextlib.suppress(RefusedExport):
        read_export(io.BytesIO(data))


JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "mapping",
                    "chat_messages",
                    "current_node",
                    "parent",
                    "message",
                    "author",
                    "role",
                    "create_time",
                    "sender",
                    "created_at",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300)
@given(st.lists(JSON, max_size=4))
def test_any_json_shaped_like_an_export_is_read_or_refused(value: list) -> None:  # type: ignore[type-arg]
    data = json.dumps(value).encode()
    try:
        timeline = read_export(io.BytesIO(data))
    except RefusedExport:
        return
    assert len(timeline.times) == len(timeline.client) == len(timeline.conversation)
