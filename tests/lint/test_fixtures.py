"""Annotated Dockerfiles: `# expect: DF101 DF503` above an instruction lists exactly the
rules that report on it, with every rule that is on by default running. These catch
rules interacting (one problem reported twice, a fix of one rule undoing another)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dfkit.lint.engine import Linter
from dfkit.syntax import parse

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.Dockerfile"))
EXPECT = re.compile(r"#\s*expect:\s*(.*)")


def expectations(text: str) -> dict[int, list[str]]:
    """Line of each annotated instruction -> the codes expected on it."""
    expected: dict[int, list[str]] = {}
    pending: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        match = EXPECT.match(line.strip())
        if match:
            pending.extend(match.group(1).split())
        elif line.strip() and not line.lstrip().startswith("#"):
            if pending:
                expected[number] = sorted(pending)
                pending = []
    return expected


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_annotated_fixture(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    dockerfile = parse(text, path=path.name)
    found: dict[int, list[str]] = {}
    source = dockerfile.source
    for finding in Linter().lint(dockerfile).findings:
        # a finding belongs to the instruction it is in, or the next one (a pragma above it)
        owner = next((n for n in dockerfile.instructions if n.span.end > finding.span.start), None)
        offset = owner.span.start if owner is not None else finding.span.start
        found.setdefault(source.position(offset).line, []).append(finding.code)
    assert {line: sorted(codes) for line, codes in found.items()} == expectations(text)
