"""DF115 unknown-stage-reference."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.lint.rules.stages._common import is_bare_name, is_stage_index, nearest, source_of
from dfkit.semantics import StageInfo
from dfkit.source import Span

TYPO = (
    "names no stage of this file (did you mean `{hint}`?): "
    "BuildKit will look for an image or build context of that name"
)
LATER = "is a stage defined after this FROM, which sees only earlier stages: BuildKit will pull an image of that name"


class UnknownStageReference(Rule):
    """## What it does
    Flags a reference to a stage that does not exist where it is made, when it is
    surely a mistake:

    - `COPY --from=<name>` or `RUN --mount=…,from=<name>` whose bare name (no registry,
      tag or digest) matches no stage but is one or two typing errors away from one;
    - `FROM <name>` whose name is such a typo of an earlier stage, or the name of a
      stage defined *later* (`FROM` sees only the stages before it).

    ## Why is this bad?
    BuildKit does not complain: a name that is not a stage is an image (or a named build
    context), so `COPY --from=biulder` tries to pull `docker.io/library/biulder`, and the
    build fails far from the cause, or worse, finds an image of that name.

    Every other unknown name is left alone: `COPY --from=assets` may well be a
    `--build-context assets=…` and `--from=busybox` the official image. hadolint's DL3022
    fires on all of them, images with a registry and named contexts included
    (hadolint#859, #718).

    ## Example
    ```dockerfile
    FROM golang:1.23 AS builder
    RUN go build -o /app .
    FROM alpine:3.20
    COPY --from=buidler /app /app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23 AS builder
    RUN go build -o /app .
    FROM alpine:3.20
    COPY --from=builder /app /app
    COPY --from=assets /static /static
    COPY --from=busybox:1.36 /bin/busybox /bin/busybox
    ```

    ## Fix safety
    Unsafe: the fix replaces the name with the suggested stage, which is only a guess.

    ## References
    - hadolint DL3022
    """

    code = "DF115"
    name = "unknown-stage-reference"
    severity = Severity.WARNING
    groups = ("correctness",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Refer to stage `{hint}`"
    message = "`{name}` {problem}"
    aliases = ("DL3022",)

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        stages = ctx.semantics.stages
        names = [stage.name for stage in stages if stage.name]
        for stage in stages:
            yield from self._base(stage, stages, ctx)
            for edge in stage.edges:
                if edge.kind == "from" or edge.stage is not None or is_stage_index(edge.name):
                    continue
                if not is_bare_name(edge.name) or (hint := nearest(edge.name, names)) is None:
                    continue
                source = source_of(ctx, edge.node, edge.kind, edge.name)
                if source is not None:
                    yield self._typo(source.span, edge.name, hint, source.exact)

    def _base(self, stage: StageInfo, stages: Sequence[StageInfo], ctx: RuleContext) -> Iterator[Finding]:
        base, word = stage.base, stage.node.image
        if base.kind != "image" or word is None or "$" in word.value or not is_bare_name(base.text):
            return
        if base.text in (s.name for s in stages[stage.index + 1 :]):
            yield self.report(word.span, name=base.text, problem=LATER)
        elif (hint := nearest(base.text, [s.name for s in stages[: stage.index] if s.name])) is not None:
            yield self._typo(word.span, base.text, hint, ctx.text(word.span) == word.value)

    def _typo(self, span: Span, name: str, hint: str, fixable: bool) -> Finding:
        fix = Fix.unsafe(self.fix_text(hint=hint), Edit.replace(span, hint)) if fixable else None
        return self.report(span, fix=fix, name=name, problem=TYPO.format(hint=hint))
