"""DF113 invalid-default-arg-in-from."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import semantic_issues


class InvalidDefaultArgInFrom(Rule):
    """## What it does
    Flags a `FROM` image built from global `ARG`s whose default values (no
    `--build-arg` given) make an empty or invalid image name: `ARG TAG` without a
    default in `FROM node:${TAG}`, or `ARG IMAGE=Node` (upper case).

    ## Why is this bad?
    A plain `docker build .` fails, and so does every tool that reads the Dockerfile
    without your build arguments (`--check`, dependency bots, IDEs). A sensible default
    documents the expected value and keeps the file buildable.

    dfkit reports the build error itself (DF114) only when the defaults are wrong, not
    when a value is missing: a missing value is a choice this rule asks about.

    ## Example
    ```dockerfile
    ARG TAG
    FROM node:${TAG}
    ```

    ## Use instead
    ```dockerfile
    ARG TAG=22-alpine
    FROM node:${TAG}
    ```

    ## References
    - BuildKit check InvalidDefaultArgInFrom
    """

    code = "DF113"
    name = "invalid-default-arg-in-from"
    severity = Severity.WARNING
    groups = ("correctness",)
    message = "{detail}"
    aliases = ("InvalidDefaultArgInFrom",)

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return semantic_issues(self, ctx, frozenset({"invalid-default-arg-in-from"}))
