"""SARIF 2.1.0, for code scanning services (GitHub code scanning, Azure DevOps, IDEs).

The run carries the metadata of every rule that ran (not only those that fired), so a
viewer can show a rule's documentation; results carry regions with end columns counted
in code points (`columnKind`), and fixes as artifact changes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from dfkit import __version__
from dfkit.report.records import FileReport, Record

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note", "style": "note"}


def artifact_uri(file: str) -> tuple[str, str | None]:
    """A URI reference for a path as given: relative to %SRCROOT% (the working
    directory) when it is relative, a file: URI otherwise."""
    path = Path(file)
    if path.is_absolute():
        return path.as_uri(), None
    return quote(path.as_posix()), "%SRCROOT%"


def _location(file: str) -> dict[str, Any]:
    uri, base = artifact_uri(file)
    location: dict[str, Any] = {"uri": uri}
    if base:
        location["uriBaseId"] = base
    return location


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def rule_descriptor(rule: Any) -> dict[str, Any]:
    from dfkit.lint.docs import markdown, summary

    docs = rule.documentation()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary(rule)},
        "fullDescription": {"text": docs.get("Why is this bad?", summary(rule)).strip()},
        "help": {"text": summary(rule), "markdown": markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity.value], "enabled": rule.default_enabled},
        "properties": {"tags": list(rule.groups), "aliases": list(rule.aliases)},
    }


def _result(record: Record, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": record.code,
        "level": LEVELS[record.severity],
        "message": {"text": record.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _location(record.file),
                    "region": _region(record.line, record.column, record.end_line, record.end_column),
                }
            }
        ],
    }
    if record.code in index:
        result["ruleIndex"] = index[record.code]
    if record.fix is not None and record.fix.edits:
        result["fixes"] = [
            {
                "description": {"text": record.fix.title},
                "artifactChanges": [
                    {
                        "artifactLocation": _location(record.file),
                        "replacements": [
                            {
                                "deletedRegion": _region(e.line, e.column, e.end_line, e.end_column),
                                "insertedContent": {"text": e.content},
                            }
                            for e in record.fix.edits
                        ],
                    }
                ],
                "properties": {"applicability": record.fix.applicability},
            }
        ]
    if record.aliases:
        result["properties"] = {"aliases": list(record.aliases)}
    return result


def document(
    reports: Sequence[FileReport], rule_codes: Iterable[str], not_evaluable: Sequence[str] = ()
) -> dict[str, Any]:
    from dfkit.lint.registry import rules_by_code

    by_code = rules_by_code()
    codes = sorted(set(rule_codes) | {r.code for report in reports for r in report.records})
    descriptors = [rule_descriptor(by_code[code]) for code in codes if code in by_code]
    index = {descriptor["id"]: i for i, descriptor in enumerate(descriptors)}
    notifications = [
        {
            "level": "error",
            "message": {"text": report.error},
            "locations": [{"physicalLocation": {"artifactLocation": _location(report.file)}}],
        }
        for report in reports
        if report.error
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "dfkit",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": descriptors,
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri() + "/"}},
        "invocations": [
            {
                "executionSuccessful": not notifications,
                "toolExecutionNotifications": notifications,
                "toolConfigurationNotifications": [
                    {"level": "note", "message": {"text": f"Not evaluated: {line}"}} for line in not_evaluable
                ],
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": [_result(record, index) for report in reports for record in report.records],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(
    reports: Sequence[FileReport], out: TextIO, rule_codes: Iterable[str] = (), not_evaluable: Sequence[str] = ()
) -> None:
    out.write(json.dumps(document(reports, rule_codes, not_evaluable), indent=2, ensure_ascii=False) + "\n")
