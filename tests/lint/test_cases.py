"""Every rule's case file (tests/lint/cases/DFnnn.yaml), case by case.

A case file::

    rule: DF008
    cases:
      - name: upper               # a case that must not fire
        pass: |
          FROM alpine:3.20
      - name: lower               # a case that must fire, exactly so
        fail: |
          from alpine:3.20
        findings:
          - {line: 1, column: 1, end_line: 1, end_column: 5, message: "..."}
        fixed: |                  # what --fix makes of it (re-linted: clean)
          FROM alpine:3.20
        unsafe: false             # fix with --unsafe-fixes
        remaining: 0              # findings left after fixing (default 0)

Optional per case: ``options`` (the rule's options), ``config`` (a [tool.dfkit] table),
``build_args``, ``target``, ``builder``, ``context`` (``files`` and ``dockerignore``).
Without ``fixed``, fixing must leave the text unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dfkit.lint.fix import MAX_ROUNDS
from tests.lint.harness import fix_one, lint_one, make_context

CASES = Path(__file__).parent / "cases"


def load() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CASES.glob("DF*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            out.append((data["rule"], case))
    return out


ALL = load()


@pytest.mark.parametrize(("code", "case"), ALL, ids=[f"{code}-{case['name']}" for code, case in ALL])
def test_case(code: str, case: dict[str, Any], tmp_path: Path) -> None:
    text = case.get("pass", case.get("fail"))
    assert text is not None, "a case needs `pass` or `fail`"
    context = make_context(tmp_path, case.get("context"))
    run = lint_one(code, text, case, context)
    for finding in run.findings:
        assert 0 <= finding.span.start <= finding.span.end <= len(text), finding
    if "pass" in case:
        assert [f.message for f in run.findings] == []
    else:
        assert run.findings, "expected at least one finding"
        if "findings" in case:
            got = []
            for finding, expected in zip(run.findings, case["findings"]):
                start = run.source.position(finding.span.start)
                end = run.source.end_position(finding.span)
                row = {"line": start.line, "column": start.column, "message": finding.message}
                if "end_line" in expected:
                    row["end_line"] = end.line
                if "end_column" in expected:
                    row["end_column"] = end.column
                got.append(row)
            assert got == case["findings"]
            assert len(run.findings) == len(case["findings"])
    result = fix_one(code, text, case, context, unsafe=bool(case.get("unsafe")))
    assert result.rounds <= MAX_ROUNDS
    if "fixed" in case:
        assert result.text == case["fixed"]
        assert len(result.remaining) == case.get("remaining", 0), [f.message for f in result.remaining]
    else:
        assert result.text == text, "no `fixed:` given, so fixing must change nothing"
