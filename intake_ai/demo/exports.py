"""Clearly fake chatbot data exports, shaped like the real ones, for tests, the bench and demos.

ChatGPT's ``conversations.json``: a list of conversations, each a ``mapping`` of nodes
(``id``, ``message``, ``parent``, ``children``) with ``current_node`` naming the leaf of
the branch shown; the root is a node without a message, then a hidden system message.
Claude's: a list of conversations with ``chat_messages`` (``uuid``, ``text``,
``content``, ``sender``, ``created_at``). Written as a stream, so a file of any size
costs no memory; the text is filler that says it is fake.
"""

from __future__ import annotations

import io
import json
import random
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

FILLER = "Demo text, not a real conversation. "


@dataclass(frozen=True)
class FakeConversation:
    """Times (epoch seconds) of the turns, alternating client then assistant."""

    title: str
    times: Sequence[float]
    #: ChatGPT only: a regenerated reply off the branch shown, at this time (None: none).
    abandoned_reply: float | None = None


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def _text(rng: random.Random, size: int) -> str:
    return (FILLER * (size // len(FILLER) + 1))[: max(size + rng.randint(-size // 4, size // 4), 1)]


def chatgpt_conversation(
    conversation: FakeConversation, rng: random.Random, text_size: int = 200
) -> dict[str, Any]:
    root = str(uuid.UUID(int=rng.getrandbits(128)))
    mapping: dict[str, Any] = {root: {"id": root, "message": None, "parent": None, "children": []}}
    system = str(uuid.UUID(int=rng.getrandbits(128)))
    mapping[system] = {
        "id": system,
        "message": {
            "id": system,
            "author": {"role": "system", "name": None, "metadata": {}},
            "create_time": None,
            "update_time": None,
            "content": {"content_type": "text", "parts": [""]},
            "status": "finished_successfully",
            "end_turn": True,
            "weight": 0.0,
            "metadata": {"is_visually_hidden_from_conversation": True},
            "recipient": "all",
        },
        "parent": root,
        "children": [],
    }
    mapping[root]["children"].append(system)
    parent = system
    for turn, moment in enumerate(conversation.times):
        node = str(uuid.UUID(int=rng.getrandbits(128)))
        role = "user" if turn % 2 == 0 else "assistant"
        mapping[node] = {
            "id": node,
            "message": {
                "id": node,
                "author": {"role": role, "name": None, "metadata": {}},
                "create_time": moment,
                "update_time": None,
                "content": {"content_type": "text", "parts": [_text(rng, text_size)]},
                "status": "finished_successfully",
                "end_turn": role == "assistant",
                "weight": 1.0,
                "metadata": {"model_slug": "demo-model", "citations": [], "request_id": node},
                "recipient": "all",
            },
            "parent": parent,
            "children": [],
        }
        mapping[parent]["children"].append(node)
        if conversation.abandoned_reply is not None and turn == 1:
            other = str(uuid.UUID(int=rng.getrandbits(128)))
            mapping[other] = {
                **mapping[node],
                "id": other,
                "message": {
                    **mapping[node]["message"],
                    "create_time": conversation.abandoned_reply,
                },
                "parent": parent,
                "children": [],
            }
            mapping[parent]["children"].append(other)
        parent = node
    first = conversation.times[0] if conversation.times else 0.0
    return {
        "title": conversation.title,
        "create_time": first,
        "update_time": conversation.times[-1] if conversation.times else first,
        "mapping": mapping,
        "moderation_results": [],
        "current_node": parent,
        "plugin_ids": None,
        "conversation_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "is_archived": False,
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
    }


def claude_conversation(
    conversation: FakeConversation,
    rng: random.Random,
    text_size: int = 200,
    client_sender: str = "human",
) -> dict[str, Any]:
    messages = []
    for turn, moment in enumerate(conversation.times):
        text = _text(rng, text_size)
        messages.append(
            {
                "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
                "text": text,
                "content": [
                    {
                        "start_timestamp": _iso(moment),
                        "stop_timestamp": _iso(moment),
                        "type": "text",
                        "text": text,
                        "citations": [],
                    }
                ],
                "sender": client_sender if turn % 2 == 0 else "assistant",
                "created_at": _iso(moment),
                "updated_at": _iso(moment),
                "attachments": [],
                "files": [],
            }
        )
    first = conversation.times[0] if conversation.times else 0.0
    return {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
        "name": conversation.title,
        "created_at": _iso(first),
        "updated_at": _iso(conversation.times[-1] if conversation.times else first),
        "account": {"uuid": "00000000-0000-4000-8000-000000000000"},
        "chat_messages": messages,
    }


def write_export(
    out: IO[str],
    provider: str,
    conversations: Iterator[FakeConversation] | Sequence[FakeConversation],
    *,
    seed: int = 7,
    text_size: int = 200,
    client_sender: str = "human",
) -> None:
    """Write a conversations.json of ``provider`` ("chatgpt" or "claude") to ``out``."""
    rng = random.Random(seed)
    out.write("[")
    for n, conversation in enumerate(conversations):
        if n:
            out.write(",\n")
        if provider == "chatgpt":
            item = chatgpt_conversation(conversation, rng, text_size)
        else:
            item = claude_conversation(conversation, rng, text_size, client_sender)
        json.dump(item, out, ensure_ascii=False)
    out.write("]")


def export_json(provider: str, conversations: Sequence[FakeConversation], **options: Any) -> bytes:
    buffer = io.StringIO()
    write_export(buffer, provider, conversations, **options)
    return buffer.getvalue().encode()


def export_zip(provider: str, conversations: Sequence[FakeConversation], **options: Any) -> bytes:
    """The export as the provider's .zip: conversations.json beside the other files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", export_json(provider, conversations, **options))
        archive.writestr("user.json" if provider == "chatgpt" else "users.json", '{"id": "demo"}')
        if provider == "chatgpt":
            archive.writestr("chat.html", "<html><body>Demo export</body></html>")
    return buffer.getvalue()
