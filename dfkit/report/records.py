"""What the reporters print: findings as plain records with lines and columns.

A `Record` is a finding resolved against its file (1-based lines and columns, counted in
code points; the end column is exclusive, as in SARIF). Records are plain dataclasses
that round-trip through JSON, so results from the cache are reported without importing
the parser, pydantic or the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from dfkit.lint.findings import Finding
    from dfkit.source import SourceFile

SEVERITIES = ("error", "warning", "info", "style")
RANK = {"style": 0, "info": 1, "warning": 2, "error": 3}


@dataclass(frozen=True)
class EditRecord:
    content: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int  # character offsets into the file's text
    end: int

    def to_json(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


@dataclass(frozen=True)
class FixRecord:
    applicability: str  # safe, unsafe, display-only
    title: str
    edits: tuple[EditRecord, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "applicability": self.applicability,
            "title": self.title,
            "edits": [edit.to_json() for edit in self.edits],
        }


@dataclass(frozen=True)
class Record:
    file: str  # as given on the command line
    code: str
    name: str
    severity: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int
    aliases: tuple[str, ...] = ()
    fix: FixRecord | None = None
    note: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.code)

    def fixable(self, unsafe: bool = False) -> bool:
        if self.fix is None:
            return False
        return self.fix.applicability == "safe" or (unsafe and self.fix.applicability == "unsafe")

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of one finding."""
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "aliases": list(self.aliases),
            "fix": self.fix.to_json() if self.fix else None,
        }

    # -- the cache's lossless form -------------------------------------------------

    def to_cache(self) -> list[Any]:
        fix = None
        if self.fix is not None:
            fix = [
                self.fix.applicability,
                self.fix.title,
                [[e.content, e.line, e.column, e.end_line, e.end_column, e.start, e.end] for e in self.fix.edits],
            ]
        return [
            self.code, self.name, self.severity, self.message, self.line, self.column, self.end_line,
            self.end_column, self.start, self.end, list(self.aliases), fix, self.note,
        ]

    @classmethod
    def from_cache(cls, file: str, row: list[Any]) -> "Record":
        code, name, severity, message, line, column, end_line, end_column, start, end, aliases, fix, note = row
        fix_record = None
        if fix is not None:
            applicability, title, edits = fix
            fix_record = FixRecord(applicability, title, tuple(EditRecord(*edit) for edit in edits))
        return cls(
            file, code, name, severity, message, line, column, end_line, end_column, start, end,
            tuple(aliases), fix_record, note,
        )


@dataclass
class FileReport:
    """Everything the reporters need about one file."""

    file: str  # as given on the command line (`-` becomes the --stdin-filename)
    text: str  # the text the records point into (after fixes, if any were applied)
    records: list[Record] = field(default_factory=list)
    error: str | None = None  # a message for a file that could not be linted
    fixed: int = 0  # findings fixed by --fix
    not_evaluable: tuple[str, ...] = ()
    cached: bool = False
    fail_on: str = "warning"  # the file's configured threshold


def visible(text: str) -> str:
    """`text` with the bytes of invalid UTF-8 (kept as lone surrogates) shown as ``\\xNN``,
    so that every output is valid UTF-8."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def record_of(finding: "Finding", file: str, source: "SourceFile") -> Record:
    start = source.position(finding.span.start)
    end = source.end_position(finding.span)
    fix = None
    if finding.fix is not None:
        edits = []
        for edit in finding.fix.edits:
            edit_start = source.position(edit.span.start)
            edit_end = source.end_position(edit.span) if edit.span.end > edit.span.start else edit_start
            edits.append(
                EditRecord(
                    visible(edit.text), edit_start.line, edit_start.column, edit_end.line, edit_end.column,
                    edit.span.start, edit.span.end,
                )
            )
        fix = FixRecord(finding.fix.applicability.value, visible(finding.fix.title), tuple(edits))
    return Record(
        file=file,
        code=finding.code,
        name=finding.name,
        severity=finding.severity.value,
        message=visible(finding.message),
        line=start.line,
        column=start.column,
        end_line=end.line,
        end_column=end.column,
        start=finding.span.start,
        end=finding.span.end,
        aliases=tuple(finding.aliases),
        fix=fix,
        note=finding.note,
    )
