"""A ChatGPT or Claude conversations file read as a stream into message times and roles.

Pure: no Flask, no database. The file is read with ijson's event parser, so memory holds
one token at a time and never the document; of each message only its time, whether the
client sent it and its conversation are kept (``Timeline``). Text passes through the
parser and is dropped at once: nothing of it is kept, logged or returned, and error
messages never quote the file (the parser's own messages would).

- ChatGPT: a list of conversations, each a ``mapping`` of message nodes linked by
  ``parent``; the branch the client last saw is the chain from ``current_node`` up to the
  root (edited and regenerated branches are left out). ``create_time`` is epoch seconds;
  ``author.role`` "user" is the client.
- Claude: a list of conversations, each with its ``chat_messages`` in order;
  ``created_at`` is an ISO 8601 time; ``sender`` "human" (or "user") is the client.
"""

from __future__ import annotations

import zipfile
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import ijson

from intake_ai.usage_export.archive import BoundedStream, RefusedExport, conversations_stream

CHATGPT = "chatgpt"
CLAUDE = "claude"
PROVIDER_NAMES = {CHATGPT: "ChatGPT", CLAUDE: "Claude"}
#: The key that tells each provider's conversations apart.
_MARKERS = {"mapping": CHATGPT, "chat_messages": CLAUDE}
#: How each provider spells the client as a message's author.
CLIENT_SENDERS = frozenset({"human", "user"})
#: Deepest nesting read. Real exports nest about ten levels; deeper is not an export.
MAX_DEPTH = 64
#: Most messages read from one export (a heavy user's years of daily use stay far below);
#: the times take 13 bytes each, so this bounds the figures' memory to about 13 MB.
MAX_MESSAGES = 1_000_000

_ITEM = "[]"  # a list's element in a path


@dataclass
class Timeline:
    """What an export is reduced to: message times and who sent them, nothing else."""

    provider: str
    conversations: int = 0
    #: Epoch seconds of every dated message, in file order.
    times: array[float] = field(default_factory=lambda: array("d"))
    #: 1 where the client sent the message.
    client: bytearray = field(default_factory=bytearray)
    #: The conversation each message belongs to (its index in the file).
    conversation: array[int] = field(default_factory=lambda: array("I"))
    #: Messages without a readable time (left out of every figure).
    undated: int = 0

    def add(self, moment: float, from_client: bool, conversation: int) -> None:
        if len(self.times) >= MAX_MESSAGES:
            raise RefusedExport(f"The export holds more than {MAX_MESSAGES} messages.")
        self.times.append(moment)
        self.client.append(1 if from_client else 0)
        self.conversation.append(conversation)


def _epoch(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def _iso(value: Any) -> float | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # both providers write UTC
    return moment.timestamp()


class _Reader:
    """The state of one pass over the events: the current conversation's parts."""

    def __init__(self) -> None:
        self.timeline: Timeline | None = None
        self.index = -1
        self.kind: str | None = None
        #: ChatGPT: node id -> [parent id, time, sent by the client].
        self.nodes: dict[str, list[Any]] = {}
        self.current: Any = None
        #: Claude: the message being read.
        self.sender: Any = None
        self.created: Any = None

    def start_conversation(self) -> None:
        self.index += 1
        self.kind = None
        self.nodes = {}
        self.current = None

    def marker(self, key: str) -> None:
        kind = _MARKERS.get(key)
        if kind is None:
            return
        if self.timeline is None:
            self.timeline = Timeline(kind)
        elif self.timeline.provider != kind:
            raise RefusedExport("The file mixes ChatGPT and Claude conversations: refused.")
        self.kind = kind

    def node(self, node_id: Any) -> list[Any]:
        key = str(node_id)
        found = self.nodes.get(key)
        if found is None:
            if len(self.nodes) >= MAX_MESSAGES:
                raise RefusedExport(f"A conversation holds more than {MAX_MESSAGES} messages.")
            found = self.nodes[key] = [None, None, False]
        return found

    def end_conversation(self) -> None:
        if self.kind is None:
            raise RefusedExport(
                "This JSON is not a ChatGPT or Claude export: its conversations have "
                "neither a 'mapping' (ChatGPT) nor 'chat_messages' (Claude)."
            )
        timeline = self.timeline
        assert timeline is not None
        timeline.conversations += 1
        if self.kind == CHATGPT:
            self._active_branch(timeline)

    def _active_branch(self, timeline: Timeline) -> None:
        nodes = self.nodes
        current = self.current if isinstance(self.current, str) else None
        if current not in nodes:
            # No current node: the branch ending at the latest message is the one shown.
            dated = [(n[1], key) for key, n in nodes.items() if n[1] is not None]
            current = max(dated)[1] if dated else None
        seen: set[str] = set()
        while current is not None and current in nodes and current not in seen:
            seen.add(current)
            parent, moment, from_client = nodes[current]
            if moment is not None:
                timeline.add(moment, from_client, self.index)
            elif from_client:
                timeline.undated += 1
            current = parent if isinstance(parent, str) else None
        self.nodes = {}

    def end_claude_message(self) -> None:
        assert self.timeline is not None
        moment = _iso(self.created)
        from_client = isinstance(self.sender, str) and self.sender.lower() in CLIENT_SENDERS
        if moment is None:
            self.timeline.undated += 1
        else:
            self.timeline.add(moment, from_client, self.index)
        self.sender = self.created = None


def _read_events(events: Iterator[tuple[str, Any]], stream: BoundedStream) -> Timeline:
    path: list[Any] = []
    reader = _Reader()
    first = True
    for event, value in events:
        stream.mark = stream.total  # a token is finished (see MAX_TOKEN_BYTES)
        if event == "map_key":
            path[-1] = value
            if len(path) == 2:
                reader.marker(value)
            continue
        if event == "start_map" or event == "start_array":
            if first:
                if event == "start_map":
                    raise RefusedExport(
                        "This JSON is a single object, not the list of conversations a "
                        "ChatGPT or Claude export holds."
                    )
                first = False
            path.append(None if event == "start_map" else _ITEM)
            depth = len(path)
            if depth > MAX_DEPTH:
                raise RefusedExport(f"The JSON nests deeper than {MAX_DEPTH} levels: refused.")
            if depth == 2:
                if event != "start_map":
                    raise RefusedExport("The list holds something other than conversations.")
                reader.start_conversation()
            continue
        if event == "end_map" or event == "end_array":
            path.pop()
            depth = len(path)
            if depth == 1 and event == "end_map":
                reader.end_conversation()
            elif (
                depth == 3
                and event == "end_map"
                and path[1] == "chat_messages"
                and reader.kind == CLAUDE
            ):
                reader.end_claude_message()
            continue
        # A scalar: only a few of them, at known places, are read.
        if first:
            raise RefusedExport("This JSON is a single value, not a list of conversations.")
        depth = len(path)
        if depth < 4:
            if depth == 1:
                raise RefusedExport("The list holds something other than conversations.")
            if depth == 2 and path[1] == "current_node":
                reader.current = value
            continue
        part = path[1]
        if part == "mapping":
            if depth == 4:
                if path[3] == "parent":
                    reader.node(path[2])[0] = value
            elif path[3] == "message":
                if depth == 5 and path[4] == "create_time":
                    reader.node(path[2])[1] = _epoch(value)
                elif depth == 6 and path[4] == "author" and path[5] == "role":
                    reader.node(path[2])[2] = value == "user"
        elif part == "chat_messages" and depth == 4:
            if path[3] == "sender":
                reader.sender = value
            elif path[3] == "created_at":
                reader.created = value
    if first:
        raise RefusedExport("The file is empty.")
    if reader.timeline is None:
        raise RefusedExport("The export holds no conversations.")
    return reader.timeline


def read_timeline(stream: BoundedStream) -> Timeline:
    """The timeline of a conversations JSON stream (see the module's docstring)."""
    events = ijson.basic_parse(stream, use_float=True, buf_size=64 * 1024)
    try:
        return _read_events(events, stream)
    except ijson.JSONError as error:
        # Never the parser's message: it quotes the file around the fault.
        raise RefusedExport(
            f"The file is not valid JSON (the fault is near byte {stream.total})."
        ) from error
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise RefusedExport("The .zip file is damaged: its contents do not unpack.") from error
    except UnicodeDecodeError as error:
        raise RefusedExport("The file is not valid UTF-8 JSON.") from error


def read_export(upload: IO[bytes]) -> Timeline:
    """The timeline of an uploaded export (``.zip`` or conversations.json)."""
    with conversations_stream(upload) as stream:
        return read_timeline(stream)
