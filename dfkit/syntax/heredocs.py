"""Finding heredoc markers on an instruction line (BuildKit's `heredocsFromLine`).

The line is split into shell words with quotes and escapes kept raw and unset
variables left as written; any lexing error means "no heredocs at all". Each word
that reads ``[fd]<<[-][blanks]delimiter`` is a marker. The delimiter is then lexed
again: it must be exactly one word, and its quoting decides whether the body is
expanded later (``<<EOF`` yes; ``<<'EOF'``, ``<<"EOF"``, ``<<E'O'F`` no).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dfkit.syntax.words import LexError, ShellLexer

# `^(\d*)<<(-?)\s*([^<]*)$` with Go's ASCII \d and \s.
_MARKER = re.compile(r"([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)\Z")

_LINE_LEXER = ShellLexer("\\", raw_quotes=True, raw_escapes=True, skip_unset=True, heredoc_words=True)
_NAME_LEXER = ShellLexer("\\", skip_unset=True)
_RAW_NAME_LEXER = ShellLexer("\\", raw_quotes=True, skip_unset=True)


class HeredocError(Exception):
    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


@dataclass(frozen=True, slots=True)
class Marker:
    name: str
    chomp: bool
    expand: bool
    fd: int
    start: int  # offsets of the marker word in the line
    end: int


def markers_in_line(line: str) -> list[Marker]:
    """Every heredoc marker on a logical line, in order."""
    if "<<" not in line:
        return []
    try:
        result = _LINE_LEXER.process(line, {})
    except LexError:
        return []
    markers = []
    for word, start in zip(result.words, result.starts):
        match = _MARKER.match(word)
        if match is None:
            continue
        rest = match.group(3)
        if not rest:
            continue
        end = min(start + len(word), len(line))
        try:
            words = _NAME_LEXER.process_words(rest, {})
            if len(words) != 1:
                continue
            raw_words = _RAW_NAME_LEXER.process_words(rest, {})
        except LexError as error:
            raise HeredocError(error.message, start, end) from None
        if len(raw_words) != len(words):
            raise HeredocError(
                f"internal lexing of heredoc produced inconsistent results: {rest}", start, end
            )
        name = words[0]
        quotes = name.count("'") + name.count('"')
        raw_quotes = raw_words[0].count("'") + raw_words[0].count('"')
        digits = match.group(1)
        markers.append(
            Marker(
                name=name,
                chomp=match.group(2) == "-",
                expand=quotes == raw_quotes,
                fd=int(digits) if digits else 0,
                start=start,
                end=end,
            )
        )
    return markers
