"""The one error type dfkit raises for bad input, usage and configuration.

It carries where the problem is (a path and, when known, a 1-based line and column),
a message, and an optional hint. The CLI prints it as ``path:line:col: error: message``
and exits with status 2; it never shows a traceback for one.
"""

from __future__ import annotations


class DfkitError(Exception):
    """An error the user can act on: bad input, bad usage or bad configuration."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.hint = hint

    @property
    def location(self) -> str:
        parts = [self.path or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            parts.append(str(self.column if self.column is not None else 1))
        return ":".join(parts)

    def __str__(self) -> str:
        text = f"{self.location}: error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text
