"""A client's trends as a table: the same numbers as the charts, for screen readers and print."""

from __future__ import annotations

from datetime import datetime

from fhir_mappings.definitions import answer_lists as lists
from fhir_mappings.definitions.risk import flag_kind
from intake_ai.charts import axes, exported
from intake_ai.charts.data import ClientTrends

Table = tuple[list[str], list[list[str]]]


def client_table(trends: ClientTrends) -> Table:
    """The same numbers as the figures, one row per session."""
    header = [
        "Session",
        "Days a week",
        "Time a day",
        "Reliance (0–10)",
        "Score",
        "Band (provisional)",
        "Clinician's band",
        "Purposes named",
    ]
    dated: list[tuple[datetime, list[str]]] = []
    for p in trends.sessions:
        purposes = sorted(
            f"{lists.PURPOSES.option(code).display} "
            f"({lists.FREQUENCY.option(value).display.lower()}, intake)"
            for (when, code), value in trends.intake_purposes.items()
            if when == p.when
        ) + sorted(
            lists.PURPOSES.option(code).display
            for when, code in trends.note_purposes
            if when == p.when
        )
        dated.append(
            (
                p.when,
                [
                    axes.day(p.when),
                    lists.DAYS_PER_WEEK.option(p.days).display if p.days else "",
                    lists.TIME_PER_DAY.option(p.time).display if p.time else "",
                    f"{p.reliance:g}" if p.reliance is not None else "",
                    str(p.score) if p.score is not None else "",
                    (p.band or "").removeprefix("band-"),
                    (p.override_band or "").removeprefix("band-"),
                    ", ".join(purposes),
                ],
            )
        )
    for flag in trends.flags:
        dated.append(
            (
                flag.when,
                [
                    axes.day(flag.when),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    f"Flag: {flag_kind(flag.code).display}",
                ],
            )
        )
    dated += exported.table_rows(trends.export_weeks, len(header))
    # By the moment itself (stable: a session's row before a flag of the same moment),
    # ordered by calendar day as the rows are written.
    dated.sort(key=lambda d: d[0].date())
    return header, [row for _when, row in dated]
