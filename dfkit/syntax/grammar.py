"""Loads `grammar/dockerfile.lark` once per escape character (LALR, contextual lexer).

The escape character changes what a flag word or an ENV word is, so each escape gets
its own parser: the terminals named ``E_*`` are rewritten for the backtick before the
grammar is compiled. Lark caches the analysed tables on disk (keyed by the grammar text,
so the two variants never collide); a warm start costs a few milliseconds.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from lark import Lark

_GRAMMAR_NAME = "dockerfile.lark"


def grammar_path() -> Path:
    """The grammar file: inside the wheel (``dfkit/grammar/``) or in the source tree."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "grammar" / _GRAMMAR_NAME, package.parent / "grammar" / _GRAMMAR_NAME):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"dfkit grammar {_GRAMMAR_NAME} is missing from the installation")


@functools.cache
def grammar_text(escape: str = "\\") -> str:
    text = grammar_path().read_text(encoding="utf-8")
    if escape == "\\":
        return text
    if escape != "`":
        raise ValueError(f"unsupported escape character {escape!r}")
    # In the E_* terminals `\\` is the regex for a literal escape character.
    return re.sub(
        r"(?m)^(_?E_\w+(?:\.\d+)?:.*)$",
        lambda m: m.group(1).replace("\\\\", "`"),
        text,
    )


@functools.cache
def parser(escape: str = "\\") -> Lark:
    return Lark(
        grammar_text(escape),
        parser="lalr",
        lexer="contextual",
        start="start",
        cache=True,
        maybe_placeholders=True,
    )


def strict_parser(escape: str = "\\") -> Lark:
    """The same grammar with lark's strict checks (tests only: needs `interegular`)."""
    return Lark(
        grammar_text(escape),
        parser="lalr",
        lexer="contextual",
        start="start",
        strict=True,
        maybe_placeholders=True,
    )
