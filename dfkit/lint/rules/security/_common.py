"""What the security rules share: ARG/ENV assignments with their values, and the image's stages.

An `Assignment` is one ``NAME=value`` of an ENV or a stage ARG, with the value a build
would see (expanded where the instruction runs, quotes removed), or None when a lint
cannot know it (`RuleContext.known_value`): it comes from an ARG without a value, a
name the external base image may define, or any variable inside an ONBUILD trigger
(whose environment is that of a future child image).

Global ARGs (before the first FROM) are not assignments: only FROM lines read them and
they reach neither the image nor a RUN unless a stage declares them again, which is an
assignment of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from dfkit.lint.context import RuleContext
from dfkit.semantics import StageInfo, model
from dfkit.source import Span
from dfkit.syntax import ast


@dataclass(frozen=True, slots=True)
class Assignment:
    kind: Literal["ARG", "ENV"]
    name: str
    value: str | None  # None: not known, or an ARG that is not set
    literal: bool  # the value is written out: it reads no variable
    key_span: Span  # the name as written
    span: Span  # the whole NAME=value


def assignments(node: ast.Env | ast.Arg, ctx: RuleContext) -> Iterator[Assignment]:
    """The ENV pairs or stage ARG declarations of `node` (nothing for a global ARG)."""
    if not ctx.in_onbuild and ctx.stage_of(node) is None:
        return
    if isinstance(node, ast.Env):
        for pair in node.pairs:
            name = ctx.known_value(node, pair.key.value)
            yield Assignment(
                "ENV", pair.key.value if name is None else name, ctx.known_value(node, pair.value.value),
                "$" not in pair.value.value, pair.key.span, pair.span,
            )
        return
    step = ctx.step_of(node)
    bindings = step.expanded.bindings if step is not None and isinstance(step.expanded, model.ArgX) else ()
    for index, decl in enumerate(node.declarations):
        if index < len(bindings):
            value = bindings[index].value if bindings[index].known else None
        else:  # inside ONBUILD
            value = ctx.known_value(node, decl.default) if decl.default is not None else None
        yield Assignment(
            "ARG", decl.name, value, "$" not in (decl.default or ""), _name_span(decl, ctx), decl.word.span
        )


def _name_span(decl: ast.ArgDecl, ctx: RuleContext) -> Span:
    start = decl.word.span.start
    name_span = Span(start=start, end=start + len(decl.name))
    return name_span if ctx.text(name_span) == decl.name else decl.word.span


def image_chain(ctx: RuleContext) -> list[StageInfo]:
    """The final (or target) stage, then the stages it is built FROM, nearest first."""
    stage = ctx.final_stage
    chain: list[StageInfo] = []
    while stage is not None and all(stage.index != seen.index for seen in chain):
        chain.append(stage)
        base = stage.base
        stage = ctx.semantics.stages[base.stage] if base.kind == "stage" and base.stage is not None else None
    return chain


def in_image(node: ast.Instruction, ctx: RuleContext) -> bool:
    """Whether `node` shapes the final image: it belongs to a stage of `image_chain`.

    Inside ONBUILD the trigger belongs to the stage of its ONBUILD: it shapes the images
    built from the final image, or, in a parent stage, the final image itself.
    """
    stage = ctx.stage_of(ctx.onbuild_node if ctx.in_onbuild and ctx.onbuild_node else node)
    return stage is not None and any(stage.index == s.index for s in image_chain(ctx))
