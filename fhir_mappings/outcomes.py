"""OperationOutcome: the one shape of every FHIR API error and validation report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fhir_mappings.validation import Issue


@dataclass(frozen=True)
class OutcomeIssue:
    #: IssueType code: invalid, structure, required, value, not-found, deleted, conflict,
    #: security, login, forbidden, not-supported, too-long, processing, exception, ...
    code: str
    diagnostics: str
    severity: str = "error"
    expression: str | None = None


def operation_outcome(issues: Iterable[OutcomeIssue]) -> dict[str, Any]:
    entries = []
    for issue in issues:
        entry: dict[str, Any] = {
            "severity": issue.severity,
            "code": issue.code,
            "diagnostics": issue.diagnostics,
        }
        if issue.expression:
            entry["expression"] = [issue.expression]
        entries.append(entry)
    if not entries:
        entries.append(
            {"severity": "information", "code": "informational", "diagnostics": "No issues found."}
        )
    return {"resourceType": "OperationOutcome", "issue": entries}


def from_validation(issues: Iterable[Issue]) -> list[OutcomeIssue]:
    return [
        OutcomeIssue("invalid", f"{issue.path}: {issue.message}", expression=issue.path)
        for issue in issues
    ]
