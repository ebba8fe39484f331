"""DF515 volume-write-discarded."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import lineage
from dfkit.semantics import model as sm
from dfkit.source import Span
from dfkit.syntax import ast


class VolumeWriteDiscarded(Rule):
    """## What it does
    Flags a `RUN` that names a path inside a directory an earlier `VOLUME` declared (in
    its stage or a stage it is built on), when the build uses Docker's classic builder.

    ## Why is this bad?
    The classic builder runs each `RUN` in a container where every declared volume is a
    real volume, outside the container's layer filesystem: what the `RUN` writes there
    is thrown away when the container is committed. BuildKit and buildah keep it. The
    same Dockerfile then makes two different images, and with the classic builder the
    files simply are not there:

    | builder | `RUN echo x > /data/file` after `VOLUME /data` |
    |---|---|
    | classic (`DOCKER_BUILDKIT=0`) | discarded |
    | BuildKit, buildah | kept |

    (Recorded with Docker 20.10: the same `RUN` commits 8 bytes with the classic builder
    and 14 with BuildKit.) Write into the directory before the `VOLUME` instruction, or
    declare the volume last.

    The rule looks for the volume's path in the command's text; it cannot see a path the
    shell computes (`cd /data && touch x` is found, `touch $DIR/x` is not).

    ## Example
    ```dockerfile
    FROM alpine:3.20
    VOLUME /data
    RUN echo seed > /data/seed
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN mkdir -p /data && echo seed > /data/seed
    VOLUME /data
    ```

    ## References
    - Dockerfile reference, "VOLUME": "Changing the volume from within the Dockerfile"
    - ../shared/conformance/docker-builds/volume-writes (real builds)
    """

    code = "DF515"
    name = "volume-write-discarded"
    severity = Severity.WARNING
    groups = ("correctness", "portability")
    targets = (ast.Run,)
    onbuild = False
    builders = ("classic",)
    message = "`RUN` writes under {volume}, declared a VOLUME on line {line}: the classic builder discards it"
    doc_case = {"builder": "classic"}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Run)
        stage = ctx.stage_of(node)
        if stage is None:
            return
        places = [word.span for word in node.args] + [heredoc.body for heredoc in node.heredocs]
        for volume, declared in _volumes_before(ctx, stage, node):
            for place in places:
                found = _mention(ctx.text(place), volume)
                if found is not None:
                    line = ctx.source.position(declared.span.start).line
                    span = Span(start=place.start + found[0], end=place.start + found[1])
                    yield self.report(span, volume=volume, line=line)
                    return


def _volumes_before(ctx: RuleContext, stage: sm.StageInfo, node: ast.Run) -> list[tuple[str, ast.Volume]]:
    """The volumes declared before `node`: in this stage, and anywhere in its base stages."""
    found: list[tuple[str, ast.Volume]] = []
    for current in lineage(ctx, stage):
        for step in current.steps:
            if current is stage and step.node is node:
                break
            if isinstance(step.node, ast.Volume) and isinstance(step.expanded, sm.ListX):
                found.extend((path.rstrip("/") or "/", step.node) for path in step.expanded.values)
    return found


def _mention(text: str, volume: str) -> tuple[int, int] | None:
    """Where `volume` appears as a path in `text` (itself or below it, not /data2)."""
    if volume == "/":
        return None  # a volume on / would make every RUN a match, and nobody declares it
    found = re.search(rf"(?<![\w.-]){re.escape(volume)}(?=/|\s|$|[;&|)'\"])", text)
    return (found.start(), found.end()) if found else None
