"""DF203 env-self-reference."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import reference_span
from dfkit.syntax import ast


class EnvSelfReference(Rule):
    """## What it does
    Flags ``$NAME`` in an ``ENV`` instruction whose earlier pair sets ``NAME``, as in
    ``ENV HOME=/app DATA=$HOME/data``, when nothing before the instruction defines
    ``NAME`` (an ``ENV``, or an ``ARG`` with or without a value).

    ## Why is this bad?
    Every pair of one ``ENV`` is expanded against the environment *before* the
    instruction, so ``$HOME`` above is not ``/app``: it is empty, or whatever the base
    image set. Write a second ``ENV`` to use the new value.

    hadolint's DL3044 also flags a reference to a *later* pair (``ENV A=$B B=1``); that
    reads the value before the instruction as intended by the order, and undefined-var
    reports it when nothing defines it. hadolint also matches inside single quotes, where
    nothing is expanded; dfkit asks the shell lexer which names are looked up.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ENV APP_HOME=/opt/app APP_DATA=$APP_HOME/data
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ENV APP_HOME=/opt/app
    ENV APP_DATA=$APP_HOME/data
    ```

    ## References
    - hadolint DL3044
    - Dockerfile reference, "Environment replacement"
    """

    code = "DF203"
    name = "env-self-reference"
    severity = Severity.WARNING
    groups = ("correctness",)
    targets = (ast.Env,)
    message = "`${name}` expands to the value before this ENV, not to the `{name}` set earlier in it"
    aliases = ("DL3044",)

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Env)
        defined = self._defined_before(node, ctx)
        set_here: set[str] = set()
        for pair in node.pairs:
            for word in (pair.key, pair.value):
                result = ctx.expansion(node, word.value)
                if result is None:
                    continue
                for name in sorted(result.names & (set_here - defined)):
                    yield self.report(reference_span(ctx, word.span, name), name=name)
            key = ctx.expansion(node, pair.key.value)
            set_here.add(key.value if key is not None else pair.key.value)

    @staticmethod
    def _defined_before(node: ast.Env, ctx: RuleContext) -> set[str]:
        if ctx.in_onbuild:
            # The trigger runs in a child image: what this stage defined is what it inherits.
            stage = ctx.stage_of(ctx.onbuild_node) if ctx.onbuild_node is not None else None
            return set(stage.final_env) | {b.name for b in stage.args} if stage else set()
        step = ctx.step_of(node)
        if step is None:
            return set()
        return set(step.env) | {binding.name for binding in step.args}
