"""DF504 workdir-relative."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import is_absolute, rooted_in_scratch
from dfkit.syntax import ast
from dfkit.syntax.text import goquote


class WorkdirRelative(Rule):
    """## What it does
    Flags a relative `WORKDIR` while no `WORKDIR` has been set before it, in the stage
    or in the stages it is built on.

    ## Why is this bad?
    A relative `WORKDIR` is joined to the working directory the base image left, so
    `WORKDIR app` means `/app` on one base image and `/usr/src/app/app` on another, and
    changes when the base image does.

    Once an earlier `WORKDIR` has fixed the directory, a relative one is resolved
    against it and the result is certain; like BuildKit, dfkit does not flag it (hadolint's
    DL3000, Trivy's DS009 and Checkov's CKV_DOCKER_10 flag every relative `WORKDIR`). A
    stage that starts from `scratch` begins in `/` and is not flagged either. The path is
    judged after variable expansion (hadolint lets any `$`-path pass), and left alone
    when a variable's value is not known. Inside `ONBUILD` it is resolved in the
    downstream build, against this image's final working directory.

    ## Example
    ```dockerfile
    FROM node:22-alpine
    WORKDIR app
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-alpine
    WORKDIR /app
    WORKDIR src
    ```

    ## References
    - BuildKit check WorkdirRelativePath
    - hadolint DL3000, Trivy DS009, Checkov CKV_DOCKER_10
    """

    code = "DF504"
    name = "workdir-relative"
    severity = Severity.WARNING
    groups = ("correctness", "portability")
    targets = (ast.Workdir,)
    message = "Relative workdir {path} can have unexpected results if the base image changes"
    aliases = ("WorkdirRelativePath", "DL3000", "DS009", "CKV_DOCKER_10")

    def check(self, node: ast.Workdir, ctx: RuleContext) -> Iterator[Finding]:
        word = node.value
        stage = ctx.stage_of(node)
        if word is None or stage is None:
            return
        step = ctx.step_of(node)
        path = ctx.known_value(node, word.value)
        if path is None or is_absolute(path):
            return
        workdir = stage.workdir if ctx.in_onbuild else (step.workdir if step is not None else "")
        if workdir or rooted_in_scratch(ctx, stage):
            return
        yield self.report(word.span, path=goquote(path))
