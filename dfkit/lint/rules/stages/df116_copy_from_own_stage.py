"""DF116 copy-from-own-stage."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.stages._common import source_of


class CopyFromOwnStage(Rule):
    """## What it does
    Flags `COPY --from=<stage>` or `RUN --mount=…,from=<stage>` that names the stage it
    is in, by name or by index. An `ONBUILD` trigger is judged in the stage of this file
    that runs it (a stage built `FROM` the one that declares it).

    ## Why is this bad?
    A stage cannot read its own result while building it: BuildKit stops with
    `circular dependency detected on stage`. The name is usually a copy-paste left over
    from the stage the instruction was meant for.

    ## Example
    ```dockerfile
    FROM golang:1.23 AS build
    RUN go build -o /app .
    COPY --from=build /app /usr/local/bin/app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23 AS build
    RUN go build -o /app .
    FROM alpine:3.20
    COPY --from=build /app /usr/local/bin/app
    ```

    ## References
    - hadolint DL3023, Trivy DS006
    """

    code = "DF116"
    name = "copy-from-own-stage"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "`{name}` refers to stage `{stage}`, the stage it is in"
    aliases = ("DL3023", "DS006")

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        for stage in ctx.semantics.stages:
            for edge in stage.edges:
                if edge.kind == "from" or edge.stage != stage.index:
                    continue
                source = source_of(ctx, edge.node, edge.kind, edge.name)
                if source is not None:
                    yield self.report(source.span, name=edge.name, stage=stage.display_name)
