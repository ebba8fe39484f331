"""Word expansion as BuildKit's builder does it: the public face of the shell lexer.

`expand_word` is BuildKit's "process one word" (quotes removed, escapes resolved,
variables expanded, no splitting); `split_words` expands and then splits into words
(EXPOSE does this). Both raise `ExpansionError` where BuildKit fails, with the span (in
the word) where the lexer stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dfkit.source import Span
from dfkit.syntax.words import LexError, LexResult, ShellLexer

_SPECIAL = frozenset("$'\"")


class ExpansionError(ValueError):
    """BuildKit cannot expand a word (``failed to process "…": …``)."""

    def __init__(self, message: str, span: Span, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.reason = reason or message


@dataclass(frozen=True, slots=True)
class Expansion:
    value: str
    words: tuple[str, ...]
    matched: frozenset[str] = frozenset()  # variables that were set
    unmatched: frozenset[str] = frozenset()  # variables looked up but not set
    defaulted: frozenset[str] = frozenset()  # looked up only where `${NAME-word}` fell back to `word`

    @property
    def names(self) -> frozenset[str]:
        """Every variable the expansion looked up."""
        return self.matched | self.unmatched

    @property
    def depends_on(self) -> frozenset[str]:
        """The variables whose values the result depends on.

        Not those that only fell back to a default written in the word: like `ARG NAME=word`,
        `${NAME:-word}` says what the value is when nobody passes one.
        """
        return self.names - self.defaulted


_LEXERS: dict[tuple[str, bool], ShellLexer] = {}


def _lexer(escape: str, raw_quotes_body: bool = False) -> ShellLexer:
    key = (escape, raw_quotes_body)
    lexer = _LEXERS.get(key)
    if lexer is None:
        lexer = _LEXERS[key] = ShellLexer(escape, skip_quotes=raw_quotes_body)
    return lexer


def _plain(word: str, escape: str) -> bool:
    """A word the lexer would return unchanged (the common case, skipped for speed)."""
    return escape not in word and not any(ch in _SPECIAL for ch in word) and not word.startswith("\ufeff")


def process(word: str, env: Mapping[str, str], *, escape: str = "\\", heredoc_body: bool = False) -> Expansion:
    """Expand `word`, keeping what the linter needs (which names matched, which did not).

    `heredoc_body=True` is the variant for COPY/ADD heredoc bodies: quotes are ordinary
    characters and the escape character is always the backslash.
    """
    if heredoc_body:
        escape = "\\"
    elif _plain(word, escape):
        return Expansion(word, tuple(word.split()) if word.strip() else ())
    try:
        result: LexResult = _lexer(escape, heredoc_body).process(word, env)
    except LexError as error:
        raise ExpansionError(error.message, Span(start=min(error.offset, len(word)), end=len(word)), error.reason) from None
    return Expansion(
        result.word,
        tuple(result.words),
        frozenset(result.matched),
        frozenset(result.unmatched),
        frozenset(result.defaulted),
    )


def expand_word(word: str, env: Mapping[str, str], *, escape: str = "\\") -> str:
    """BuildKit's "process one word": quotes removed, escapes resolved, variables expanded."""
    return process(word, env, escape=escape).value


def split_words(text: str, env: Mapping[str, str], *, escape: str = "\\") -> list[str]:
    """Expand, then split into words (unquoted blanks, including expanded ones, separate)."""
    if _plain(text, escape):
        from dfkit.syntax.text import GO_SPACE

        words, current = [], []
        for ch in text:
            if ch in GO_SPACE:
                if current:
                    words.append("".join(current))
                    current = []
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
        return words
    return list(process(text, env, escape=escape).words)
