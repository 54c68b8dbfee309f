"""Reading a client's chatbot export: a generated 500 MB export parsed by the module, next
to ijson's raw event parser reading the same file. Prints time and peak memory (RSS).

Each reader runs in a fresh process of its own (``--measure``), so its peak RSS is its own
(interpreter and imports included; the baseline line shows what those cost alone).

python -m bench.usage_export [--size-mb 500] [--provider chatgpt|claude] [--zip 0|1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from intake_ai.demo.exports import FakeConversation, write_export

#: A heavy user's pattern: a few conversations a day, each a dozen turns a minute or two apart.
TURNS = 12
TEXT_SIZE = 900


def conversations(target_bytes: int, provider: str) -> Iterator[FakeConversation]:
    """Enough conversations to reach about ``target_bytes``, spread over the days."""
    per_turn = (TEXT_SIZE + 700) if provider == "chatgpt" else (2 * TEXT_SIZE + 500)
    count = max(1, target_bytes // (TURNS * per_turn))
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    for n in range(count):
        first = start + timedelta(hours=5 * n + (n % 7))
        yield FakeConversation(
            f"Demo {n}",
            [(first + timedelta(minutes=2 * t)).timestamp() for t in range(TURNS)],
            abandoned_reply=(first + timedelta(minutes=3)).timestamp() if n % 5 == 0 else None,
        )


def generate(path: str, size_mb: int, provider: str, as_zip: bool) -> None:
    target = size_mb * 1_000_000
    if not as_zip:
        with open(path, "w", encoding="utf-8") as out:
            write_export(out, provider, conversations(target, provider), text_size=TEXT_SIZE)
        return
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("conversations.json", "w", force_zip64=True) as raw,
    ):
        import io

        text = io.TextIOWrapper(raw, encoding="utf-8")
        write_export(text, provider, conversations(target, provider), text_size=TEXT_SIZE)
        text.flush()
        text.detach()


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(kind: str, path: str) -> dict[str, object]:
    """One reader over ``path`` in this process: its seconds, peak RSS and what it found."""
    from zoneinfo import ZoneInfo

    import ijson

    from intake_ai.usage_export import archive
    from intake_ai.usage_export.metrics import usage_figures
    from intake_ai.usage_export.parsing import read_export

    start = time.perf_counter()
    found: dict[str, object] = {}
    if kind == "raw":
        with open(path, "rb") as upload:
            if zipfile.is_zipfile(upload):
                upload.seek(0)
                with zipfile.ZipFile(upload) as packed:
                    member = archive.conversations_member(packed)
                    with packed.open(member) as stream:
                        events = _count_events(ijson, stream)
            else:
                upload.seek(0)
                events = _count_events(ijson, upload)
        found = {"events": events}
    elif kind == "module":
        with open(path, "rb") as upload:
            timeline = read_export(upload)
        figures = usage_figures(timeline, ZoneInfo("Europe/Madrid"))
        found = {
            "messages": len(timeline.times),
            "conversations": timeline.conversations,
            "weeks": len(figures.weeks),
        }
    seconds = time.perf_counter() - start
    return {"kind": kind, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), **found}


def _count_events(ijson: object, stream: object) -> int:
    parse = ijson.basic_parse  # type: ignore[attr-defined]
    return sum(1 for _ in parse(stream, use_float=True, buf_size=64 * 1024))


def _in_fresh_process(kind: str, path: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.usage_export", "--measure", kind, path],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--provider", choices=("chatgpt", "claude"), default="chatgpt")
    parser.add_argument("--zip", type=int, default=0)
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"))
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(*options.measure)))
        return
    folder = tempfile.mkdtemp(prefix="intake_ai_export_bench_")
    path = os.path.join(folder, "export.zip" if options.zip else "conversations.json")
    try:
        started = time.perf_counter()
        generate(path, options.size_mb, options.provider, bool(options.zip))
        size = os.path.getsize(path) / 1_000_000
        print(
            f"generated {options.provider} export: {size:.0f} MB on disk"
            f"{' (zip)' if options.zip else ''} in {time.perf_counter() - started:.0f} s"
        )
        peaks: dict[str, float] = {}
        for kind in ("baseline", "raw", "module"):
            figures = _in_fresh_process(kind, path)
            extra = {
                k: v for k, v in figures.items() if k not in ("kind", "seconds", "peak_rss_mb")
            }
            label = {
                "baseline": "imports only (no file read)",
                "raw": "ijson raw events, nothing kept",
                "module": "module: timeline + figures",
            }[kind]
            print(
                f"{label:34s} {figures['seconds']:7.1f} s   peak RSS "
                f"{figures['peak_rss_mb']:6.1f} MB   {extra if extra else ''}"
            )
            peaks[kind] = float(figures["peak_rss_mb"])  # type: ignore[arg-type]
        print(
            f"memory the reading itself adds over the imports: raw ijson "
            f"{peaks['raw'] - peaks['baseline']:.1f} MB, module "
            f"{peaks['module'] - peaks['baseline']:.1f} MB"
        )
    finally:
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        os.rmdir(folder)


if __name__ == "__main__":
    main()
