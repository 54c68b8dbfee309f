"""The search figures measured in a server process of its own; prints them as JSON.

The process that bulk-loads millions of rows is not a server: its heap, after the load,
slowed each search it timed by a fifth to a half. A server process starts fresh, as this
one does. Run by ``bench.run``:

INTAKE_AI_BENCH_TOKEN=... python -m bench.search_process DATABASE_URL RUNS
"""

from __future__ import annotations

import json
import os
import sys

from bench.common import app_for
from bench.run import search_figures


def main() -> None:
    url, runs = sys.argv[1], int(sys.argv[2])
    api, raw, first = search_figures(app_for(url), os.environ["INTAKE_AI_BENCH_TOKEN"], runs)
    print(json.dumps({"api": api, "raw": raw, "first": first}))


if __name__ == "__main__":
    main()
