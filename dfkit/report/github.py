"""GitHub Actions workflow commands: each finding becomes an annotation on the diff.

Values are escaped as the runner expects (actions/toolkit `command.ts`): `%`, CR and LF
everywhere; `:` and `,` as well inside properties.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from dfkit.report.records import FileReport, Record

LEVELS = {"error": "error", "warning": "warning", "info": "notice", "style": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command_of(record: Record) -> str:
    properties = {
        "title": f"{record.code} {record.name}",
        "file": record.file,
        "line": str(record.line),
        "col": str(record.column),
        "endLine": str(record.end_line),
        "endColumn": str(record.end_column),
    }
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{LEVELS[record.severity]} {props}::{escape_data(f'{record.code} {record.message}')}"


def render(reports: Iterable[FileReport], out: TextIO) -> None:
    for report in reports:
        for record in report.records:
            out.write(command_of(record) + "\n")
