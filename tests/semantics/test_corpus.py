"""The semantic pass over the whole corpus: it never fails, and what it reports holds."""

from __future__ import annotations

import pytest

from dfkit.semantics import analyze
from dfkit.syntax import parse
from tests.conftest import corpus_files, require_shared

pytestmark = pytest.mark.corpus


def test_semantic_pass_over_the_corpus() -> None:
    require_shared()
    files = corpus_files()
    assert len(files) == 1442
    seen_codes: set[str] = set()
    for corpus_file in files:
        dockerfile = parse(corpus_file.data, path=corpus_file.name)
        result = analyze(dockerfile)
        for issue in result.issues:
            seen_codes.add(issue.code)
            if issue.span is not None:
                assert 0 <= issue.span.start <= issue.span.end <= len(dockerfile.text)
        for stage in result.stages:
            for step in stage.steps:
                assert step.workdir == "" or step.workdir.startswith("/")
        if result.target is not None:
            assert result.target in result.needed
    # The corpus exercises the main findings (real files: templates, build-arg-only bases,
    # which are blank only when nobody passes the build-arg).
    assert {"undefined-arg-in-from", "unused-arg", "invalid-default-arg-in-from"} <= seen_codes
