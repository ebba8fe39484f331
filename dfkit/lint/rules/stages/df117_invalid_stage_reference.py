"""DF117 invalid-stage-reference."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.stages._common import all_instructions, source_of, sources
from dfkit.semantics import StageInfo
from dfkit.semantics.model import Edge
from dfkit.source import Span

CODES = frozenset({"copy-from-later-stage", "circular-dependency", "invalid-stage-index"})


class InvalidStageReference(Rule):
    """## What it does
    Flags a `COPY --from` or mount `from=` that BuildKit refuses: a stage defined later
    in the file, stages that depend on each other in a circle, or a stage index out of
    range. (A variable in `--from` is DF407; a stage that copies from itself, DF116.)

    ## Why is this bad?
    The build fails: `cannot copy from stage "…", it needs to be defined before current
    stage "…"`, `circular dependency detected on stage: …` or `invalid stage index N`.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS final
    COPY --from=build /app /app
    COPY --from=3 /etc/os-release /
    FROM golang:1.23 AS build
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23 AS build
    FROM alpine:3.20 AS final
    COPY --from=build /app /app
    COPY --from=0 /etc/os-release /
    ```

    ## References
    - BuildKit `dockerfile2llb/convert.go` (`toCommand`, `validateCircularDependency`)
    """

    code = "DF117"
    name = "invalid-stage-reference"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        stages = ctx.semantics.stages
        flags = {s.flag.span: s for node in all_instructions(ctx.dockerfile) for s in sources(ctx, node)}
        for issue in ctx.semantics.issues:
            if issue.code not in CODES or issue.span is None:
                continue
            span = issue.span
            if span in flags:  # an index out of range: the pass points at the flag
                span = flags[span].span
            elif issue.stage is not None:  # the pass points at the instruction
                edge = _edge_at(stages[issue.stage], span)
                if edge is not None:
                    if edge.stage == issue.stage:
                        continue  # a stage reading from itself: DF116
                    source = source_of(ctx, edge.node, edge.kind, edge.name)
                    span = source.span if source is not None else span
            yield self.report(span, detail=issue.message)

def _edge_at(stage: StageInfo, span: Span) -> Edge | None:
    """The stage's edge to another stage made by the instruction at `span`."""
    return next((e for e in stage.edges if e.kind != "from" and e.stage is not None and e.node.span == span), None)
