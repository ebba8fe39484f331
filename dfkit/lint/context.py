"""What a rule can ask about the file it is looking at (computed once per file)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dfkit.semantics.expand import Expansion, ExpansionError, process
from dfkit.semantics.model import knowable
from dfkit.source import SourceFile, Span
from dfkit.syntax import ast

if TYPE_CHECKING:  # pragma: no cover
    from dfkit.buildcontext import BuildContext
    from dfkit.lint.rule import Rule, RuleOptions
    from dfkit.semantics import Semantics, StageInfo, Step

T = TypeVar("T")

BUILDERS = ("buildkit", "classic", "buildah")


@dataclass
class LintOptions:
    """Per-run inputs that change what some rules can know."""

    build_args: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    platform: str | None = None
    builder: str = "buildkit"
    context: Path | None = None  # the build context directory (CopyIgnoredFile, missing sources)


class RuleContext:
    """Shared, per-file view of a Dockerfile for the rules (semantics computed lazily once)."""

    def __init__(
        self,
        dockerfile: ast.Dockerfile,
        options: LintOptions,
        rule_options: dict[str, "RuleOptions"],
        build_context: "BuildContext | None" = None,
    ) -> None:
        self.dockerfile = dockerfile
        self.source: SourceFile = dockerfile.source
        self.options = options
        self.builder = options.builder
        self.build_context = build_context
        self._rule_options = rule_options
        self._state: dict[str, Any] = {}
        self.in_onbuild = False  # while a rule looks at the instruction inside ONBUILD
        self.onbuild_node: ast.OnBuild | None = None

    @cached_property
    def semantics(self) -> "Semantics":
        from dfkit.semantics import analyze

        opts = self.options
        return analyze(self.dockerfile, build_args=opts.build_args, target=opts.target, platform=opts.platform)

    @cached_property
    def _stage_index(self) -> dict[int, int]:
        index: dict[int, int] = {}
        for stage in self.semantics.stages:
            index[id(stage.node)] = stage.index
            for node in stage.instructions:
                index[id(node)] = stage.index
                if isinstance(node, ast.OnBuild) and node.trigger is not None:
                    index[id(node.trigger)] = stage.index
        return index

    @cached_property
    def _steps(self) -> dict[int, "Step"]:
        steps: dict[int, Step] = {}
        for stage in self.semantics.stages:
            for step in stage.steps:
                if step.onbuild_from is None:
                    steps[id(step.node)] = step
        return steps

    def stage_of(self, node: ast.Instruction) -> "StageInfo | None":
        index = self._stage_index.get(id(node))
        return self.semantics.stages[index] if index is not None else None

    def step_of(self, node: ast.Instruction) -> "Step | None":
        """How the builder dispatched `node` in its own stage (not for ONBUILD triggers)."""
        return self._steps.get(id(node))

    def expansion(self, node: ast.Instruction, text: str) -> Expansion | None:
        """`text` expanded where the builder dispatches `node`: a FROM against the global
        ARGs, an instruction of a stage against the environment before it, anything else
        (an ONBUILD trigger, a global ARG) against nothing. None if BuildKit cannot expand it."""
        step = self.step_of(node)
        env = self.semantics.global_env if isinstance(node, ast.From) else step.env if step is not None else {}
        try:
            return process(text, env, escape=self.dockerfile.escape)
        except ExpansionError:
            return None

    def knows(self, node: ast.Instruction, expansion: Expansion) -> bool:
        """Whether `expansion` (of a word where `node` runs) gives the value a build gives.

        Not when it reads a name of `Step.unknown` (an ARG without a value, or a value
        computed from one) or a name the base image may set, nor when it reads any
        variable inside ONBUILD (the trigger runs in some later build).
        """
        if isinstance(node, ast.From):
            return knowable(expansion, self.semantics.global_unknown)
        step = self.step_of(node)
        return step.knows(expansion) if step is not None else not expansion.names

    def known_value(self, node: ast.Instruction, text: str) -> str | None:
        """`text` as a build expands it where `node` runs, or None when a lint cannot know it."""
        result = self.expansion(node, text)
        return result.value if result is not None and self.knows(node, result) else None

    def options_for(self, rule: "Rule") -> Any:
        return self._rule_options.get(rule.code) or rule.Options()

    def state(self, rule: "Rule", factory: Callable[[], T]) -> T:
        """Per-file state of one rule (hadolint's `customRule` fold)."""
        if rule.code not in self._state:
            self._state[rule.code] = factory()
        return self._state[rule.code]  # type: ignore[no-any-return]

    def text(self, span: Span) -> str:
        return self.dockerfile.text[span.start : span.end]

    @property
    def final_stage(self) -> "StageInfo | None":
        """The stage a plain `docker build` produces (or the --target)."""
        sem = self.semantics
        if sem.target is not None:
            return sem.stages[sem.target]
        return None
