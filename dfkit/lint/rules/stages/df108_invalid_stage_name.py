"""DF108 invalid-stage-name."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import syntax_issues


class InvalidStageName(Rule):
    """## What it does
    Flags a stage name BuildKit refuses: once lower-cased, it must start with a letter
    and hold only letters, digits, `-`, `_` and `.`.

    ## Why is this bad?
    The build fails before anything runs: `invalid name for build stage`.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS 2nd-stage
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS second-stage
    ```

    ## References
    - BuildKit `instructions/parse.go` (`parseBuildStageName`)
    """

    code = "DF108"
    name = "invalid-stage-name"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return syntax_issues(self, ctx, frozenset({"invalid-stage-name"}), "instruction")
