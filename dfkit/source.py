"""Source text and spans: the only place that knows about lines and columns.

Every node, finding and plan step points back into the original text through a `Span`
of character offsets. Lines and columns (1-based, counted in code points) are derived
on demand from a `SourceFile`, so nothing else in dfkit needs to know where a line
starts or how a BOM or a CRLF was handled.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range ``[start, end)`` of character offsets into `SourceFile.text`.

    A plain frozen dataclass (pydantic validates it where the AST and findings use it),
    so that code which only needs positions, such as reporting cached results, starts
    without importing pydantic.
    """

    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start

    def contains(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end

    def cover(self, other: "Span") -> "Span":
        """The smallest span that covers both."""
        return Span(start=min(self.start, other.start), end=max(self.end, other.end))


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based, in code points


def decode(data: bytes) -> tuple[str, bool]:
    """Decode Dockerfile bytes as BuildKit reads them.

    A leading UTF-8 BOM is dropped (BuildKit strips it from the first line). Bytes that
    are not valid UTF-8 are kept as lone surrogates (``surrogateescape``) so that nothing
    is lost: Go strings carry such bytes through the parser unchanged, and dfkit's dump
    prints them as ``\\xNN`` exactly like Go's ``strconv.Quote``.
    """
    bom = data.startswith(UTF8_BOM)
    if bom:
        data = data[len(UTF8_BOM) :]
    return data.decode("utf-8", "surrogateescape"), bom


def encode(text: str) -> bytes:
    """Inverse of `decode` (without the BOM)."""
    return text.encode("utf-8", "surrogateescape")


@dataclass
class SourceFile:
    """A Dockerfile's text plus a lazily built index of line starts."""

    path: str
    text: str
    bom: bool = False
    _line_starts: list[int] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_bytes(cls, data: bytes, path: str | Path = "Dockerfile") -> "SourceFile":
        text, bom = decode(data)
        return cls(str(path), text, bom)

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    @property
    def line_count(self) -> int:
        """Physical lines as BuildKit counts them (a final newline does not open a line)."""
        starts = self.line_starts
        n = len(starts)
        if n > 1 and starts[-1] == len(self.text):
            n -= 1
        return max(n, 1) if self.text else 0

    def position(self, offset: int) -> Position:
        starts = self.line_starts
        index = bisect.bisect_right(starts, offset) - 1
        return Position(index + 1, offset - starts[index] + 1)

    def end_position(self, span: Span) -> Position:
        """Position of the last character covered by `span` (inclusive end), 1-based.

        An empty span reports its start. The column is that of the last character plus
        one, i.e. the usual exclusive end column of editors and SARIF; a span that ends
        on an empty line ends at its column 1.
        """
        if span.end <= span.start:
            return self.position(span.start)
        if self.text[span.end - 1] == "\n":
            # The span ends with an empty line (a blank continuation line it consumed).
            return self.position(span.end)
        last = self.position(span.end - 1)
        return Position(last.line, last.column + 1)

    def offset(self, line: int, column: int = 1) -> int:
        """Offset of a 1-based line and column."""
        starts = self.line_starts
        return starts[min(max(line, 1), len(starts)) - 1] + column - 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based physical line, without its line terminator."""
        starts = self.line_starts
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def slice(self, span: Span) -> str:
        return self.text[span.start : span.end]
