"""DF006 instruction-before-from."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import syntax_issues


class InstructionBeforeFrom(Rule):
    """## What it does
    Flags an instruction other than ``ARG`` before the first ``FROM``, and a file that
    has ARGs but no ``FROM`` at all.

    ## Why is this bad?
    Only global ARGs may precede the first stage. BuildKit stops with ``no build stage in
    current context`` (or ``dockerfile contains no stages to build``).

    ## Example
    ```dockerfile
    ENV LANG=C.UTF-8
    FROM alpine:3.20
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ENV LANG=C.UTF-8
    ```

    ## References
    - hadolint DL3061
    - BuildKit `instructions/parse.go`
    """

    code = "DF006"
    name = "instruction-before-from"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"
    aliases = ("DL3061",)

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return syntax_issues(self, ctx, frozenset({"instruction-before-from", "no-stages"}), "instruction")
