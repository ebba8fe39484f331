"""One line per finding, in the `path:line:col:` form that editors and grep understand."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from dfkit.report.records import FileReport, Record


def line_of(record: Record) -> str:
    marker = " [*]" if record.fixable() else ""
    return f"{record.file}:{record.line}:{record.column}: {record.severity} {record.code}{marker} {record.message}"


def render(reports: Iterable[FileReport], out: TextIO) -> None:
    for report in reports:
        for record in report.records:
            out.write(line_of(record) + "\n")
