"""The grammar itself: LALR without conflicts or terminal collisions, for both escapes."""

from __future__ import annotations

import pytest

from dfkit.syntax import grammar


@pytest.mark.parametrize("escape", ["\\", "`"])
def test_grammar_is_strict_lalr(escape: str) -> None:
    pytest.importorskip("interegular", reason="lark's strict mode needs interegular (test extra)")
    parser = grammar.strict_parser(escape)
    assert parser.options.parser == "lalr"
    assert parser.options.lexer == "contextual"


def test_backtick_variant_rewrites_only_escape_terminals() -> None:
    default, backtick = grammar.grammar_text("\\"), grammar.grammar_text("`")
    changed = [
        (a, b) for a, b in zip(default.splitlines(), backtick.splitlines(), strict=True) if a != b
    ]
    assert changed, "the backtick grammar must differ"
    assert all(a.split(":")[0].lstrip("_").startswith("E_") for a, _ in changed)
    assert all("\\\\" not in b for _, b in changed)


def test_parser_is_built_once() -> None:
    assert grammar.parser("\\") is grammar.parser("\\")
    assert grammar.parser("\\") is not grammar.parser("`")
