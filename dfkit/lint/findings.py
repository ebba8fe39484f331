"""Findings and fixes: what a rule reports, and the text edits that repair it."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from dfkit.source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, threshold: "Severity") -> bool:
        return self.rank >= threshold.rank


_RANK = {Severity.STYLE: 0, Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}


class Applicability(str, Enum):
    """How safe a fix is: applied by --fix, by --unsafe-fixes only, or shown only."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


class Edit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    span: Span  # the text replaced (empty: an insertion)
    text: str

    @classmethod
    def replace(cls, span: Span, text: str) -> "Edit":
        return cls(span=span, text=text)

    @classmethod
    def insert(cls, offset: int, text: str) -> "Edit":
        return cls(span=Span(start=offset, end=offset), text=text)

    @classmethod
    def delete(cls, span: Span) -> "Edit":
        return cls(span=span, text="")


class Fix(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    edits: tuple[Edit, ...]
    applicability: Applicability
    title: str

    @classmethod
    def safe(cls, title: str, *edits: Edit) -> "Fix":
        return cls(edits=tuple(edits), applicability=Applicability.SAFE, title=title)

    @classmethod
    def unsafe(cls, title: str, *edits: Edit) -> "Fix":
        return cls(edits=tuple(edits), applicability=Applicability.UNSAFE, title=title)

    @classmethod
    def display_only(cls, title: str, *edits: Edit) -> "Fix":
        return cls(edits=tuple(edits), applicability=Applicability.DISPLAY_ONLY, title=title)


class Finding(BaseModel):
    """One problem at one place. `code` is the dfkit code (DFnnn)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    fix: Fix | None = None
    aliases: tuple[str, ...] = ()
    note: str | None = None  # e.g. which builders a finding concerns

    @property
    def sort_key(self) -> tuple[int, int, str]:
        return (self.span.start, self.span.end, self.code)


FailOn = Literal["error", "warning", "info", "style", "never"]
