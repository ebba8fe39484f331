"""DF403 copy-relative-dest-without-workdir."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import is_absolute, rooted_in_scratch
from dfkit.syntax import ast


class CopyRelativeDestWithoutWorkdir(Rule):
    """## What it does
    Flags a `COPY` or `ADD` whose destination is a relative path while no `WORKDIR` has
    been set in the stage, nor in the stages it is built on.

    ## Why is this bad?
    A relative destination is resolved against the working directory, which then comes
    from the base image's config: `/` for most images, `/usr/src/app`, `/app` or
    `/home/node` for others, and it changes when the base image does. The same line
    copies to different places depending on an image the Dockerfile does not show.

    A `WORKDIR` set in an earlier stage that this one is built `FROM` counts, as it does
    for hadolint (DL3045). Unlike hadolint, a stage that starts from `scratch` is not
    flagged: its working directory is `/`, known for certain. Destinations are judged
    after variable expansion, and left alone when a variable's value is not known. Inside
    `ONBUILD` the destination is resolved in the downstream build, which starts from this
    image's final working directory.

    ## Example
    ```dockerfile
    FROM node:22-alpine
    COPY package.json .
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-alpine
    WORKDIR /app
    COPY package.json .
    ```

    ## References
    - Dockerfile reference, "COPY" and "WORKDIR"
    - hadolint DL3045
    """

    code = "DF403"
    name = "copy-relative-dest-without-workdir"
    severity = Severity.WARNING
    groups = ("correctness", "portability")
    targets = (ast.Copy, ast.Add)
    message = "Relative destination `{dest}` depends on the base image's working directory: no WORKDIR is set"
    aliases = ("DL3045",)

    def check(self, node: ast.Copy | ast.Add, ctx: RuleContext) -> Iterator[Finding]:
        word = node.dest
        stage = ctx.stage_of(node)
        if word is None or stage is None:
            return
        step = ctx.step_of(node)
        dest = ctx.known_value(node, word.value)
        if dest is None or is_absolute(dest):
            return
        workdir = stage.workdir if ctx.in_onbuild else (step.workdir if step is not None else "")
        if workdir or rooted_in_scratch(ctx, stage):
            return
        yield self.report(word.span, dest=word.value)
