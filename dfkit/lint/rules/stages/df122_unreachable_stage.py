"""DF122 unreachable-stage."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.stages._common import unused_stages


class UnreachableStage(Rule):
    """## What it does
    Flags a stage without a name that is not the last stage and that no other stage
    uses (through `FROM`, `COPY --from=<index>` or a mount's `from=<index>`).

    ## Why is this bad?
    No build can produce it: `--target` takes a stage name, and this stage has none,
    while a normal build only builds the stages the last one needs. Its instructions are
    dead code; often it is an older version of the final stage, left above the new one,
    or a stage that lost its `AS` name in an edit.

    ## Example
    ```dockerfile
    FROM node:22
    RUN npm ci && npm run build
    FROM nginx:1.27
    COPY dist /usr/share/nginx/html
    ```

    ## Use instead
    ```dockerfile
    FROM node:22 AS build
    RUN npm ci && npm run build
    FROM nginx:1.27
    COPY --from=build /dist /usr/share/nginx/html
    ```

    ## References
    - BuildKit `dockerfile2llb/convert.go`: only the target and what it needs is built
    """

    code = "DF122"
    name = "unreachable-stage"
    severity = Severity.WARNING
    groups = ("correctness", "maintainability")
    message = "Stage {index} has no name and no stage uses it: no build can produce it"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        for stage in unused_stages(ctx):
            if stage.name is None:
                yield self.report(stage.node.keyword.span, index=stage.index)
