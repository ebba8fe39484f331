"""Fixing the whole corpus, every fix on (safe and unsafe): the invariants that make
`--fix` trustworthy on real files.

For every corpus file BuildKit's parser accepts: the fixed text still parses, fixing
it again changes nothing (the loop converged), comment lines and heredoc bodies are
kept byte for byte, and no finding with an applicable fix is left behind.
"""

from __future__ import annotations

from collections import Counter

import pytest

from dfkit.lint.engine import Linter
from dfkit.lint.fix import applicable, fix_loop
from dfkit.syntax import ast, parse
from tests.conftest import corpus_files, require_shared


def comment_lines(text: str) -> Counter[str]:
    return Counter(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


def heredoc_bodies(dockerfile: ast.Dockerfile) -> list[str]:
    bodies = []
    for node in dockerfile.instructions:
        target = getattr(node, "trigger", None) or node
        for heredoc in getattr(target, "heredocs", ()):
            bodies.append(heredoc.content)
    return bodies


def test_fixing_the_corpus_keeps_its_meaning() -> None:
    require_shared()
    linter = Linter()
    changed = 0
    problems: list[str] = []
    for file in corpus_files():
        original = parse(file.data, path=file.name)
        if not original.ok:
            continue

        def lint(text: str) -> tuple[list, bool]:  # type: ignore[type-arg]
            dockerfile = parse(text)
            return linter.lint(dockerfile).findings, dockerfile.ok

        result = fix_loop(original.text, lint, unsafe=True)
        if result.text == original.text:
            continue
        changed += 1
        fixed = parse(result.text)
        if not fixed.ok:
            problems.append(f"{file.name}: the fixed text does not parse")
            continue
        if fix_loop(result.text, lint, unsafe=True).text != result.text:
            problems.append(f"{file.name}: fixing again changes the text (no convergence)")
        if comment_lines(result.text) != comment_lines(original.text):
            problems.append(f"{file.name}: comment lines changed")
        if heredoc_bodies(fixed) != heredoc_bodies(original):
            problems.append(f"{file.name}: heredoc bodies changed")
        left = [f"{f.code}@{f.span.start}" for f in result.remaining if applicable(f.fix, True)]
        if left:
            problems.append(f"{file.name}: fixable findings left: {left[:5]}")
    assert problems == []
    assert changed > 300, changed  # the corpus has plenty to fix: the test must exercise it


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        # several fixes in one instruction, and on both sides of a continuation
        ("from alpine:3.20 as Build\nrun echo \\\n  hi\nCOPY --from=Build /a /b\n",
         "FROM alpine:3.20 AS build\nRUN echo \\\n  hi\nCOPY --from=build /a /b\n"),
        ("FROM scratch\nENV A 1\nENV B 2 3\nEXPOSE 80/TCP\n",
         "FROM scratch\nENV A=1\nENV B=\"2 3\"\nEXPOSE 80/tcp\n"),
    ],
)
def test_fixes_compose(text: str, fixed: str) -> None:
    linter = Linter()

    def lint(candidate: str) -> tuple[list, bool]:  # type: ignore[type-arg]
        dockerfile = parse(candidate)
        return linter.lint(dockerfile).findings, dockerfile.ok

    assert fix_loop(text, lint).text == fixed
