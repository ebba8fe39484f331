"""BuildKit's own parser test files, and our extra oracle cases (../shared/conformance)."""

from __future__ import annotations

import json

import pytest

from dfkit.syntax import ast, parse
from dfkit.syntax.dump import dump
from dfkit.syntax.text import latin1_view
from tests.conftest import SHARED, require_shared

pytestmark = pytest.mark.conformance

CONFORMANCE = SHARED / "conformance" if SHARED else None


def _cases(kind: str) -> list[str]:
    if CONFORMANCE is None:
        return ["<missing>"]
    return sorted(p.name for p in (CONFORMANCE / kind).iterdir() if p.is_dir())


@pytest.mark.parametrize("case", _cases("buildkit-parser"))
def test_positive_case_dumps_byte_identical(case: str) -> None:
    root = require_shared() / "conformance" / "buildkit-parser" / case
    dockerfile = parse((root / "Dockerfile").read_bytes())
    assert dockerfile.ok, dockerfile.parse_errors
    assert dump(dockerfile).encode("utf-8", "surrogateescape") == (root / "result").read_bytes()


def test_all_positive_cases_present() -> None:
    require_shared()
    assert len(_cases("buildkit-parser")) == 33


NEGATIVE_ERRORS = {
    "empty_dockerfile": "file with no instructions",
    "only_comments": "file with no instructions",
    "env_no_value": "ENV must have two arguments",
    "shykes-nested-json": "when using JSON array syntax, arrays must be comprised of strings only",
}


@pytest.mark.parametrize("case", _cases("buildkit-parser-negative"))
def test_negative_case_is_rejected(case: str) -> None:
    root = require_shared() / "conformance" / "buildkit-parser-negative" / case
    dockerfile = parse((root / "Dockerfile").read_bytes())
    assert not dockerfile.ok
    assert [e.message for e in dockerfile.parse_errors] == [NEGATIVE_ERRORS[case]]


def test_line_numbers_case() -> None:
    root = require_shared() / "conformance" / "buildkit-parser-line"
    dockerfile = parse((root / "Dockerfile").read_bytes())
    assert dockerfile.ok
    source = dockerfile.source
    spans = [(source.position(n.span.start).line, source.end_position(n.span).line) for n in dockerfile.instructions]
    assert spans == [(5, 5), (11, 12), (17, 31)]
    assert [d.name for d in dockerfile.directives] == ["escape"]


def _extra_cases() -> list[dict]:
    if CONFORMANCE is None:
        return [{"name": "<missing>"}]
    return json.loads((CONFORMANCE / "extra-oracle" / "cases.json").read_text(encoding="utf-8"))["cases"]


def _oracle_values(node: ast.Instruction) -> list[str]:
    if isinstance(node, ast.OnBuild):
        return _oracle_values(node.trigger) if node.trigger else []
    if isinstance(node, (ast.Env, ast.Label)):
        return [v for pair in node.pairs for v in (pair.key.value, pair.value.value)]
    if isinstance(node, ast.Healthcheck):
        return ([node.type.value] if node.type else []) + [w.value for w in node.args]
    if isinstance(node, (ast.Maintainer, ast.User, ast.Workdir, ast.Stopsignal)):
        return [node.value.value] if node.value else []
    if isinstance(node, ast.Unknown):
        return [""]
    return [w.value for w in node.args]  # type: ignore[union-attr]


def oracle_view(dockerfile: ast.Dockerfile) -> list[dict]:
    """dfkit's parse in the shape the `dockerfile` binding reports."""
    source = dockerfile.source
    view = []
    for node in dockerfile.instructions:
        trigger = node.trigger if isinstance(node, ast.OnBuild) else None
        form_node = trigger if trigger is not None else node
        view.append(
            {
                "cmd": node.keyword.text or None,
                "sub_cmd": trigger.keyword.text if trigger is not None else None,
                "json": getattr(form_node, "form", None) == "exec" and not isinstance(node, ast.OnBuild),
                # BuildKit's flag scanner re-encodes non-ASCII bytes; dfkit's AST keeps
                # the text, its dump reproduces BuildKit (text.latin1_view).
                "flags": [latin1_view(f.text) for f in node.flags],
                "value": _oracle_values(node),
                "start_line": source.position(node.span.start).line,
                "end_line": source.end_position(node.span).line if len(node.span) else source.position(node.span.start).line,
                "heredocs": []
                if trigger is not None
                else [
                    {"name": h.name, "fd": h.fd, "content": h.content}
                    for h in getattr(node, "heredocs", ())
                ],
            }
        )
    return view


# Where current BuildKit (and dfkit) differ from the v0.12.5 oracle, the case says so
# (`head_differs`); these are the outcomes dfkit must then produce instead.
HEAD_EXPECTED = {
    "directive-check-then-escape": [("FROM", ["x"]), ("RUN", ["a  b"])],
    "json-trailing-text": [("FROM", ["x"]), ("CMD", ['["a", "b"] && echo hi'])],
    "flags-escape-backtick": [("FROM", ["x"]), ("COPY", ["c", "d"])],
    "heredoc-space-after-lt": [("FROM", ["x"]), ("RUN", ["<< EOF"])],
}


@pytest.mark.parametrize("case", _extra_cases(), ids=lambda c: c["name"])
def test_extra_oracle_case(case: dict) -> None:
    require_shared()
    dockerfile = parse(case["dockerfile"])
    oracle = case["oracle"]
    if case["head_differs"]:
        assert dockerfile.ok
        assert [(n.keyword.text, _oracle_values(n)) for n in dockerfile.instructions] == HEAD_EXPECTED[case["name"]]
        return
    assert dockerfile.ok == oracle["ok"], (dockerfile.parse_errors, oracle["error"])
    if not oracle["ok"]:
        assert dockerfile.parse_errors[0].message == oracle["error"]
        return
    ours = oracle_view(dockerfile)
    theirs = oracle["instructions"]
    for mine, expected in zip(ours, theirs, strict=True):
        if mine["sub_cmd"] is not None:
            # The binding drops an ONBUILD trigger's flags and heredocs.
            expected = {**expected, "heredocs": []}
        assert mine == {k: expected[k] for k in mine}


def test_head_differs_cases_flags_and_heredocs() -> None:
    require_shared()
    escape = parse("# escape=`\nFROM x\nCOPY --chown=a`b c d\n")
    assert escape.instructions[1].flags[0].text == "--chown=ab"
    spaced = parse("FROM x\nRUN << EOF\nhi\nEOF\n")
    run = spaced.instructions[1]
    assert isinstance(run, ast.Run)
    assert [(h.name, h.content) for h in run.heredocs] == [("EOF", "hi\n")]
    assert spaced.source.end_position(run.span).line == 4
