"""DF114 invalid-base-image."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.syntax.text import go_lower

CODES = frozenset({"blank-base-name", "invalid-base-reference", "blank-platform", "invalid-platform"})


class InvalidBaseImage(Rule):
    """## What it does
    Flags a `FROM` whose image, after `ARG` expansion, is empty or not a valid image
    reference (upper case, a bad tag or digest), or whose `--platform` is empty or not
    a platform BuildKit knows.

    A value that depends on an `ARG` without a default is left to DF113 (or to DF112 if
    the `ARG` is not declared at all): the build may well get it from `--build-arg`. A
    value that depends on a global `ARG` whose default cannot be expanded is left to
    DF011: the build stops at that `ARG`.

    ## Why is this bad?
    The build fails at this stage: `base name (…) should not be blank`,
    `failed to parse stage name "…"`, `failed to parse platform …`.

    A common cause is a stage reference in the wrong case: `FROM` compares its word
    exactly with the lower-cased stage names, so `FROM Builder` after `AS Builder` is
    read as an image name, which may not contain upper case.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS Builder
    FROM Builder
    FROM --platform=linux/amd46 alpine:3.20
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS builder
    FROM builder
    FROM --platform=linux/amd64 alpine:3.20
    ```

    ## References
    - BuildKit `dockerfile2llb/convert.go`
    """

    code = "DF114"
    name = "invalid-base-image"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        names = {stage.name: stage.index for stage in ctx.semantics.stages if stage.name}
        for issue in ctx.semantics.issues:
            if issue.code not in CODES or issue.span is None:
                continue
            note = None
            if issue.code == "invalid-base-reference" and issue.stage is not None:
                base = ctx.semantics.stages[issue.stage].base.text
                if names.get(go_lower(base), issue.stage) < issue.stage:
                    note = f"stage names are lower case in FROM: did you mean `{go_lower(base)}`?"
            yield self.report(issue.span, note=note, detail=issue.message)
