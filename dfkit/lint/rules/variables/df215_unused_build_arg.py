"""DF215 unused-build-arg."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.source import Span
from dfkit.syntax import ast


class UnusedBuildArg(Rule):
    """## What it does
    Flags the ``--build-arg`` values given to the lint (``dfkit lint --build-arg``) that
    no ``ARG`` of the Dockerfile declares. The proxy arguments (``HTTP_PROXY``…), the
    automatic platform arguments and the arguments BuildKit reads itself
    (``BUILDKIT_INLINE_CACHE``, ``SOURCE_DATE_EPOCH``…) need no ``ARG`` and are never
    reported. The finding points at the first ``FROM`` (or the first line when there is
    none): the problem is on the command line, not in the file.

    ## Why is this bad?
    A build argument nothing declares is dropped without a word by BuildKit: a renamed
    ``ARG``, or a typo in a CI script (``--build-arg VERSOIN=2``), quietly builds the
    default. The classic builder used to warn about it; BuildKit does not.

    ## Example
    ```dockerfile
    # built with --build-arg BUILD_DATE=2024-05-01T12:00:00Z
    FROM alpine:3.20
    LABEL org.opencontainers.image.created=unknown
    ```

    ## Use instead
    ```dockerfile
    # built with --build-arg BUILD_DATE=2024-05-01T12:00:00Z
    FROM alpine:3.20
    ARG BUILD_DATE=unknown
    LABEL org.opencontainers.image.created=$BUILD_DATE
    ```

    ## References
    - The classic Docker builder's warning `One or more build-args [...] were not consumed`
    - moby/buildkit#2128 (request to restore it)
    """

    code = "DF215"
    name = "unused-build-arg"
    severity = Severity.WARNING
    groups = ("correctness",)
    message = "One or more build-args [{names}] were not consumed"
    doc_case: ClassVar[dict[str, Any]] = {"build_args": {"BUILD_DATE": "2024-05-01T12:00:00Z"}}

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        issues = [i for i in ctx.semantics.issues if i.code == "unused-build-arg" and i.name is not None]
        if not issues:
            return
        names = " ".join(sorted(issue.name for issue in issues if issue.name))
        hints = [f"`{i.name}`: did you mean `{i.suggestion}`?" for i in issues if i.suggestion]
        first_from = next((n for n in ctx.dockerfile.instructions if isinstance(n, ast.From)), None)
        span = first_from.keyword.span if first_from is not None else Span(start=0, end=0)
        yield self.report(span, note=" ".join(hints) or None, names=names)
