"""DF092 inline-suppression."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint import pragmas
from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule


class InlineSuppression(Rule):
    """## What it does
    Reports every suppression comment in the file. Off by default: enable it where
    policy says findings are fixed, not silenced, and run with ``--no-pragmas``.

    ## Why is this bad?
    In a strict pipeline a local suppression bypasses review of the rule set.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    # hadolint ignore=DL3018
    RUN apk add --no-cache curl
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl=8.9.1-r0
    ```

    ## References
    - hadolint DL1001
    """

    code = "DF092"
    name = "inline-suppression"
    severity = Severity.INFO
    groups = ("suppression",)
    message = "Suppression comment ({tool})"
    aliases = ("DL1001",)
    default_enabled = False

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        for pragma in pragmas.collect(ctx.dockerfile):
            if pragma.tool == "buildkit" and pragma.scope == "global" and not pragma.codes:
                continue
            yield self.report(pragma.span, tool=pragma.tool)
