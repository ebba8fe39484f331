"""DF107 reserved-stage-name."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.stages._common import RESERVED_STAGE_NAMES
from dfkit.syntax import ast
from dfkit.syntax.text import go_lower


class ReservedStageName(Rule):
    """## What it does
    Flags a stage named `scratch` or `context` (in any case).

    ## Why is this bad?
    Both words already mean something to the builder: `scratch` is the empty image, and
    `context` is the name under which the builder receives the build context. A stage
    named `scratch` shadows the empty image: every later `FROM scratch` builds on that
    stage instead, silently.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS scratch
    RUN echo hi > /hi
    FROM scratch
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS base
    RUN echo hi > /hi
    FROM scratch
    COPY --from=base /hi /hi
    ```

    ## References
    - BuildKit check ReservedStageName, hadolint DL3063
    """

    code = "DF107"
    name = "reserved-stage-name"
    severity = Severity.WARNING
    groups = ("correctness",)
    targets = (ast.From,)
    onbuild = False  # FROM is not allowed in ONBUILD
    message = 'Stage name should not use the same name as reserved stage "{name}"'
    aliases = ("ReservedStageName", "DL3063")

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.From)
        alias = node.alias
        if alias is not None and go_lower(alias.value) in RESERVED_STAGE_NAMES:
            yield self.report(alias.span, name=go_lower(alias.value))
