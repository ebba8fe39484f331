"""Physical lines to logical instruction lines, exactly as BuildKit's parser reads them.

This mirrors the line loop of BuildKit's `parser.Parse` (see `dockerfile-syntax.md`
§1-§3 and §7.3): parser directives at the top, the escape character, comments and
blank lines, line continuations (with comment and empty lines skipped inside them),
and heredoc bodies. What it does not decide is how an instruction line splits into a
keyword, flags and arguments: that is the grammar's job (`grammar/dockerfile.lark`).

The one place where the two meet is heredocs: whether an instruction may own heredoc
bodies depends on its parsed form (RUN/COPY/ADD, possibly under ONBUILD, not in JSON
form), so the driver parses each line before it asks the scanner for the bodies.

Offsets are character offsets into the decoded text. A logical line is assembled from
pieces of physical lines; `LogicalLine.pieces` maps it back, so every span the grammar
reports lands on the exact physical column.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from dfkit.syntax.text import GO_SPACE

MAX_LINE_BYTES = 65535  # Go's bufio.MaxScanTokenSize - 1, as BuildKit reports it

KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
# `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` with Go's \s = [\t\n\f\r ].
_DIRECTIVE = re.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z")
_CONTINUATION = {
    "\\": re.compile(r"([^\\])\\[ \t]*\Z|^\\[ \t]*\Z"),
    "`": re.compile(r"([^`])`[ \t]*\Z|^`[ \t]*\Z"),
}


@dataclass(frozen=True, slots=True)
class ScanIssue:
    """A problem the scanner found; `start`/`end` are offsets into the text."""

    message: str
    start: int
    end: int
    fatal: bool = True  # BuildKit's parser would reject the file


@dataclass(frozen=True, slots=True)
class DirectiveLine:
    name: str  # lower-cased key
    value: str
    start: int  # the whole line
    end: int
    value_start: int


@dataclass(frozen=True, slots=True)
class CommentLine:
    text: str  # without the '#' and surrounding blanks
    start: int  # the '#'
    end: int
    in_continuation: bool


@dataclass(slots=True)
class LogicalLine:
    """One instruction line as BuildKit assembles it before splitting it into words."""

    text: str
    pieces: list[tuple[int, int]]  # (offset in `text`, offset in the source), ascending
    start: int  # source offset of the instruction's first character
    end: int  # source offset just past the last character consumed so far
    start_line: int  # 1-based
    end_line: int
    comments: tuple[str, ...]  # BuildKit's PrevComment list
    empty_continuation_lines: tuple[int, ...] = ()  # source offsets of skipped blank lines

    def source_offset(self, logical: int) -> int:
        """Map an offset in `text` to an offset in the source."""
        pieces = self.pieces
        i = bisect.bisect_right(pieces, (logical, float("inf"))) - 1
        if i < 0:
            i = 0
        log, src = pieces[i]
        return src + (logical - log)

    def source_end(self, logical_end: int) -> int:
        """Map an exclusive end offset; a span never runs onto the next physical line."""
        if logical_end <= 0:
            return self.source_offset(0)
        return self.source_offset(logical_end - 1) + 1


@dataclass(slots=True)
class HeredocBody:
    content: str
    start: int  # source offset of the first body line
    end: int  # source offset just past the body (start of the terminator line)
    terminator_start: int
    terminator_end: int
    terminated: bool


class Scanner:
    """Walks the physical lines of one Dockerfile."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        if len(starts) > 1 and starts[-1] == len(text):
            starts.pop()  # a final newline does not open another line
        if not text:
            starts = []
        self._starts = starts
        self._count = len(starts)
        self._next = 0  # index of the next unread physical line
        self.escape = "\\"
        self._continuation = _CONTINUATION["\\"]
        self._directives_done = False
        self._seen_directives: set[str] = set()
        self.directives: list[DirectiveLine] = []
        self.comments: list[CommentLine] = []
        self.issues: list[ScanIssue] = []
        self._prev_comments: list[str] = []
        self.lines_read = 0

    # -- physical lines ----------------------------------------------------------

    def _bounds(self, index: int) -> tuple[int, int, int]:
        """(start, content end without CR/LF, end including the newline)."""
        start = self._starts[index]
        full_end = self._starts[index + 1] if index + 1 < self._count else len(self.text)
        end = full_end
        text = self.text
        while end > start and text[end - 1] in "\r\n":
            end -= 1
        return start, end, full_end

    def _read(self) -> tuple[int, int, int] | None:
        if self._next >= self._count:
            return None
        index = self._next
        self._next += 1
        self.lines_read = self._next
        bounds = self._bounds(index)
        start, end, full_end = bounds
        # Go's line scanner gives up on a physical line of 64 KiB or more. BuildKit stops
        # there; dfkit reports it and reads on, so the rest can still be linted.
        if full_end - start > MAX_LINE_BYTES // 4 and _byte_length(self.text, start, full_end) > MAX_LINE_BYTES:
            self.issues.append(
                ScanIssue(f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES}", start, start)
            )
        return bounds

    # -- directives and comments -------------------------------------------------

    def _directive(self, start: int, end: int) -> None:
        """BuildKit's `possibleParserDirective`, called on each top-level line."""
        if self._directives_done:
            return
        line = self.text[start:end]
        match = _DIRECTIVE.match(line)
        if match is None:
            self._directives_done = True
            return
        key = match.group(1).lower()
        if key not in KNOWN_DIRECTIVES:
            self._directives_done = True
            return
        if key in self._seen_directives:
            self.issues.append(ScanIssue(f"only one {key} parser directive can be used", start, end))
            return
        self._seen_directives.add(key)
        value = match.group(2)
        value_start = start + match.start(2)
        if key == "escape":
            if value not in ("\\", "`"):
                self.issues.append(
                    ScanIssue(f"invalid escape token '{value}' does not match ` or \\", value_start, value_start + len(value))
                )
            else:
                self.escape = value
                self._continuation = _CONTINUATION[value]
        self.directives.append(DirectiveLine(key, value, start, end, value_start))

    def _note_comment(self, hash_at: int, end: int, in_continuation: bool) -> None:
        text = self.text[hash_at + 1 : end].strip("".join(GO_SPACE))
        self.comments.append(CommentLine(text, hash_at, end, in_continuation))

    # -- the main loop -----------------------------------------------------------

    def next_instruction(self) -> LogicalLine | None:
        """The next logical instruction line, or None at the end of the file."""
        text = self.text
        while True:
            bounds = self._read()
            if bounds is None:
                return None
            start, end, _ = bounds
            stripped = start
            while stripped < end and text[stripped] in GO_SPACE:
                stripped += 1
            is_comment = stripped < end and text[stripped] == "#"
            directives_before = len(self.directives)
            self._directive(stripped, end)
            is_directive = len(self.directives) > directives_before
            if is_comment:
                if not is_directive:
                    # BuildKit drops the first byte of the raw line, then trims; an
                    # indented comment therefore keeps its '#'. An empty comment resets.
                    comment = text[start + 1 : end].strip("".join(GO_SPACE))
                    if comment:
                        self._prev_comments.append(comment)
                    else:
                        self._prev_comments.clear()
                    self._note_comment(stripped, end, False)
                continue
            if stripped == end:
                continue  # blank line

            first = self._trim_continuation(stripped, end)
            continues = first is not None
            piece_end = first if continues else end
            line_index = self._next  # 1-based number of the line just read
            logical = LogicalLine(
                text=text[stripped:piece_end],
                pieces=[(0, stripped)],
                start=stripped,
                end=end,
                start_line=line_index,
                end_line=line_index,
                comments=tuple(self._prev_comments),
            )
            parts = [logical.text]
            length = len(logical.text)
            empty: list[int] = []
            while continues:
                bounds = self._read()
                if bounds is None:
                    break
                cstart, cend, _ = bounds
                logical.end = cend
                logical.end_line = self._next
                lead = cstart
                while lead < cend and text[lead] in GO_SPACE:
                    lead += 1
                if lead < cend and text[lead] == "#":
                    self._note_comment(lead, cend, True)
                    continue
                if lead == cend:
                    empty.append(cstart)
                    continue
                cut = self._trim_continuation(cstart, cend)
                continues = cut is not None
                piece_end = cut if continues else cend
                if piece_end > cstart:
                    logical.pieces.append((length, cstart))
                    parts.append(text[cstart:piece_end])
                    length += piece_end - cstart
            if len(parts) > 1:
                logical.text = "".join(parts)
            logical.empty_continuation_lines = tuple(empty)
            self._prev_comments = []
            return logical

    def _trim_continuation(self, start: int, end: int) -> int | None:
        """If the line continues, the end of what it keeps; otherwise None."""
        line = self.text[start:end]
        match = self._continuation.search(line)
        if match is None:
            return None
        keep = match.start() + (1 if match.group(1) is not None else 0)
        return start + keep

    def read_heredoc(self, name: str, chomp: bool) -> HeredocBody:
        """Read one heredoc body up to its terminator line (`Parse`'s heredoc loop)."""
        text = self.text
        parts: list[str] = []
        body_start = self._starts[self._next] if self._next < self._count else len(text)
        while True:
            bounds = self._read()
            if bounds is None:
                return HeredocBody("".join(parts), body_start, len(text), len(text), len(text), False)
            start, end, full_end = bounds
            candidate = text[start:end]
            if chomp:
                candidate = candidate.lstrip("\t")
            if candidate == name:
                return HeredocBody("".join(parts), body_start, start, start, end, True)
            parts.append(text[start:full_end])


def _byte_length(text: str, start: int, end: int) -> int:
    """UTF-8 length of a physical line without its final newline."""
    segment = text[start:end]
    if segment.endswith("\n"):
        segment = segment[:-1]
    if segment.isascii():
        return len(segment)
    return len(segment.encode("utf-8", "surrogateescape"))
