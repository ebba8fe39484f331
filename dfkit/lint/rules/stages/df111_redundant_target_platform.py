"""DF111 redundant-target-platform."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.source import Span
from dfkit.syntax import ast

TARGETPLATFORM = "TARGETPLATFORM"


class RedundantTargetPlatform(Rule):
    """## What it does
    Flags `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`, or any value that
    is only that variable).

    ## Why is this bad?
    Every stage is built for the target platform unless told otherwise: the flag says
    nothing and suggests to the reader that something special happens.

    ## Example
    ```dockerfile
    FROM --platform=$TARGETPLATFORM alpine:3.20
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    FROM --platform=$BUILDPLATFORM golang:1.23 AS build
    ```

    ## Fix safety
    Safe: the flag and the blanks after it are removed. No fix is offered when a global
    `ARG TARGETPLATFORM` gives the variable a value of its own.

    ## References
    - BuildKit check RedundantTargetPlatform, hadolint DL3065
    """

    code = "DF111"
    name = "redundant-target-platform"
    severity = Severity.WARNING
    groups = ("maintainability",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Remove `--platform={value}`"
    targets = (ast.From,)
    onbuild = False  # FROM is not allowed in ONBUILD
    message = "Setting platform to predefined {value} in FROM is redundant as this is the default behavior"
    aliases = ("RedundantTargetPlatform", "DL3065")

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.From)
        flag = node.flag("platform")
        if flag is None or not flag.value:
            return
        expansion = ctx.expansion(node, flag.value)
        if expansion is None or expansion.matched != {TARGETPLATFORM} or expansion.unmatched:
            return
        if expansion.value != ctx.semantics.global_env.get(TARGETPLATFORM):
            return
        fix = None
        if not any(b.name == TARGETPLATFORM and b.value is not None for b in ctx.semantics.global_args):
            fix = Fix.safe(self.fix_text(value=flag.value), Edit.delete(self._removal(flag, ctx)))
        yield self.report(flag.span, fix=fix, value=flag.value)

    @staticmethod
    def _removal(flag: ast.Flag, ctx: RuleContext) -> Span:
        """The flag and the blanks up to the next word (a line continuation stays)."""
        end = flag.span.end
        text = ctx.dockerfile.text
        while end < len(text) and text[end] in " \t":
            end += 1
        return Span(start=flag.span.start, end=end)
