"""DF112 undefined-arg-in-from."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule


class UndefinedArgInFrom(Rule):
    """## What it does
    Flags a variable in a `FROM` image or `--platform` value that no `ARG` before the
    first `FROM` declares (the automatic platform arguments, such as `BUILDPLATFORM`,
    need no declaration), with the closest declared name as a suggestion.

    ## Why is this bad?
    `FROM` lines see only the global `ARG`s. An `ARG` declared inside a stage, an `ENV`,
    or a typo expands to nothing: `FROM node:${NODE_VERSION}-alpine` becomes
    `FROM node:-alpine`, and `--build-arg` cannot help, since the builder only accepts
    build arguments that an `ARG` declares.

    ## Example
    ```dockerfile
    ARG NODE_VERSION=22
    FROM node:${NODE_VERSON}-alpine
    FROM --platform=$BUILDPLATFROM golang:1.23
    ```

    ## Use instead
    ```dockerfile
    ARG NODE_VERSION=22
    FROM node:${NODE_VERSION}-alpine
    FROM --platform=$BUILDPLATFORM golang:1.23
    ```

    ## References
    - BuildKit check UndefinedArgInFrom
    """

    code = "DF112"
    name = "undefined-arg-in-from"
    severity = Severity.WARNING
    groups = ("correctness",)
    message = "FROM argument '{name}' is not declared{hint}"
    aliases = ("UndefinedArgInFrom",)

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        for issue in ctx.semantics.issues:
            if issue.code == "undefined-arg-in-from" and issue.span is not None:
                hint = f" (did you mean {issue.suggestion}?)" if issue.suggestion else ""
                yield self.report(issue.span, name=issue.name, hint=hint)
