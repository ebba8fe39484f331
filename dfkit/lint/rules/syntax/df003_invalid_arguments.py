"""DF003 invalid-arguments."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import syntax_issues

CODES = frozenset(
    {
        "missing-arguments", "wrong-argument-count", "blank-name", "shell-not-json", "empty-volume",
        "heredoc-destination", "invalid-healthcheck",
    }
)


class InvalidArguments(Rule):
    """## What it does
    Reports the argument checks BuildKit's instruction parser makes: ``WORKDIR`` or
    ``USER`` without a value, ``FROM a b``, ``COPY`` without a destination, ``ENV`` or
    ``ARG`` without a name, ``SHELL`` not in JSON form, an empty ``VOLUME``, a heredoc as
    COPY's destination, ``HEALTHCHECK NONE`` with arguments or an unknown type.

    ## Why is this bad?
    The build fails at this instruction.

    ## Example
    ```dockerfile
    FROM alpine:3.20 builder
    SHELL /bin/ash -c
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS builder
    SHELL ["/bin/ash", "-c"]
    ```

    ## References
    - BuildKit `instructions/parse.go`
    """

    code = "DF003"
    name = "invalid-arguments"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return syntax_issues(self, ctx, CODES, "instruction")
