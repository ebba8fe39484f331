"""DF214 unused-arg."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import arg_name_span, references
from dfkit.semantics.analyze import BUILTIN_ARGS
from dfkit.semantics.model import StageInfo, Step
from dfkit.syntax import ast


class UnusedArg(Rule):
    """## What it does
    Flags an ``ARG`` that nothing can see:

    - a global ``ARG`` (before the first ``FROM``) that no ``FROM`` line reads and no
      stage redeclares. When a stage reads ``$NAME`` without redeclaring it, the finding
      says where: that stage sees nothing;
    - an ``ARG`` in a stage when no later instruction of that stage, or of a stage built
      on it (``FROM <stage>`` inherits its arguments), expands ``$NAME`` and no ``RUN``
      follows there. Every ``RUN`` gets the build arguments as environment variables, so
      a script may read them without naming them in the Dockerfile; ``CMD``,
      ``ENTRYPOINT`` and ``HEALTHCHECK`` run in the container, which has none of them.

    Arguments BuildKit reads itself (``BUILDKIT_SBOM_SCAN_STAGE``, ``SOURCE_DATE_EPOCH``…)
    are never reported.

    ## Why is this bad?
    A global ``ARG`` is visible to ``FROM`` lines only: ``ARG VERSION=1.2`` at the top
    and ``RUN install.sh $VERSION`` in a stage installs an empty version, silently. An
    unused stage ``ARG`` is dead code, or a leftover whose use was renamed, and makes
    ``--build-arg NAME=…`` look meaningful when it changes nothing.

    ## Example
    ```dockerfile
    ARG NODE_VERSION=20
    FROM node:20-alpine
    RUN echo "building with node $NODE_VERSION"
    ```

    ## Use instead
    ```dockerfile
    ARG NODE_VERSION=20
    FROM node:${NODE_VERSION}-alpine
    ARG NODE_VERSION
    RUN echo "building with node $NODE_VERSION"
    ```

    ## References
    - moby/buildkit#5134 and #2128 (requests for this check)
    - Dockerfile reference, "Understand how ARG and FROM interact"
    """

    code = "DF214"
    name = "unused-arg"
    severity = Severity.WARNING
    groups = ("correctness", "maintainability")
    message = "{what} `{name}` is never used: {why}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        yield from self._global_args(ctx)
        for stage in ctx.semantics.stages:
            yield from self._stage_args(ctx, stage)

    def _global_args(self, ctx: RuleContext) -> Iterator[Finding]:
        for issue in ctx.semantics.issues:
            if issue.code != "unused-arg" or issue.span is None or issue.name is None:
                continue
            name = issue.name
            why = "no FROM line reads it and no stage redeclares it"
            reader = self._first_reader(ctx, name)
            if reader is not None:
                line = ctx.source.position(reader.span.start).line
                why = f"line {line} reads `${name}`, but a stage sees a global ARG only after `ARG {name}`"
            span = arg_name_span(ctx, issue.span, name)
            yield self.report(span, what="Global ARG", name=name, why=why)

    @staticmethod
    def _first_reader(ctx: RuleContext, name: str) -> ast.Instruction | None:
        for stage in ctx.semantics.stages:
            for step in _own_steps(stage):
                node = step.node
                if isinstance(node, ast.Arg) and any(d.name == name for d in node.declarations):
                    break  # from here on the stage sees it
                # A RUN's shell reads the variable itself, where the builder expands nothing.
                if name in step.names or (isinstance(node, ast.Run) and references(ctx.text(node.span), name)):
                    return node
        return None

    def _stage_args(self, ctx: RuleContext, stage: StageInfo) -> Iterator[Finding]:
        steps = _own_steps(stage)
        for index, step in enumerate(steps):
            node = step.node
            if not isinstance(node, ast.Arg):
                continue
            declarations = node.declarations
            for position, decl in enumerate(declarations):
                if decl.name in BUILTIN_ARGS:
                    continue
                defaults = (d.default for d in declarations[position + 1 :] if d.default is not None)
                read_here = any(decl.name in _names(ctx, node, default) for default in defaults)
                if read_here or self._seen(ctx, decl.name, steps[index + 1 :], stage):
                    continue
                why = f"nothing after it in stage `{stage.display_name}` or in a stage built on it reads it"
                yield self.report(arg_name_span(ctx, decl.word.span, decl.name), what="ARG", name=decl.name, why=why)

    def _seen(self, ctx: RuleContext, name: str, later: Sequence[Step], stage: StageInfo) -> bool:
        """Does a later step, or any step of a descendant stage, see `name`?"""
        pending = [later]
        pending += [child.steps for child in self._descendants(ctx, stage)]
        for steps in pending:
            for step in steps:
                node = step.node
                trigger = node.trigger if isinstance(node, ast.OnBuild) else None
                if name in step.names or isinstance(node, ast.Run) or isinstance(trigger, ast.Run):
                    return True
        return False

    @staticmethod
    def _descendants(ctx: RuleContext, stage: StageInfo) -> list[StageInfo]:
        """Stages built on `stage`, counting every `FROM $VARIABLE` (another build may pick it)."""
        found: list[StageInfo] = []
        parents = {stage.index}
        for other in ctx.semantics.stages[stage.index + 1 :]:
            image = other.node.image
            if (other.base.kind == "stage" and other.base.stage in parents) or (image and "$" in image.value):
                found.append(other)
                parents.add(other.index)
        return found


def _own_steps(stage: StageInfo) -> list[Step]:
    """The stage's steps for its own instructions (not the ONBUILD triggers of its base)."""
    return [step for step in stage.steps if step.onbuild_from is None]


def _names(ctx: RuleContext, node: ast.Instruction, text: str) -> frozenset[str]:
    """The variables `text` looks up where `node` runs."""
    result = ctx.expansion(node, text)
    return result.names if result is not None else frozenset()
