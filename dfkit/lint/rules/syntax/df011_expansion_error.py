"""DF011 expansion-error."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import semantic_issues


class ExpansionError(Rule):
    """## What it does
    Flags a word BuildKit cannot expand: an unterminated quote or ``${``, an unsupported
    modifier such as ``${VAR:=x}`` or ``${VAR:1}``, an invalid pattern, or a ``${VAR?msg}``
    whose variable is unset.

    ## Why is this bad?
    The build stops at this instruction with ``failed to process``.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ARG VERSION=1
    ENV RELEASE=${VERSION:=2}
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ARG VERSION=1
    ENV RELEASE=${VERSION:-2}
    ```

    ## References
    - BuildKit `frontend/dockerfile/shell/lex.go`
    """

    code = "DF011"
    name = "expansion-error"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return semantic_issues(self, ctx, frozenset({"expansion-error"}))
