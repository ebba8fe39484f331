"""Helpers for rules that report what the parser or the semantic pass already found."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding
from dfkit.lint.rule import Rule


def syntax_issues(rule: Rule, ctx: RuleContext, codes: frozenset[str], stage: str) -> Iterator[Finding]:
    for issue in ctx.dockerfile.issues:
        if issue.stage == stage and issue.code in codes:
            yield rule.report(issue.span, detail=issue.message)


def semantic_issues(rule: Rule, ctx: RuleContext, codes: frozenset[str]) -> Iterator[Finding]:
    """Semantic problems with a place in the file (CLI-only ones have no span)."""
    for issue in ctx.semantics.issues:
        if issue.code in codes and issue.span is not None:
            yield rule.report(issue.span, detail=issue.message)
