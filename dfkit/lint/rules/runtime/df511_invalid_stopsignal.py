"""DF511 invalid-stopsignal."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import semantic_issues


class InvalidStopsignal(Rule):
    """## What it does
    Flags a `STOPSIGNAL` that names no signal: not a positive number, and not a signal
    name with or without the `SIG` prefix (`SIGTERM`, `term`, `SIGRTMIN+3`). The value is
    checked after variable expansion.

    ## Why is this bad?
    The build stops at this instruction with `invalid signal: …`.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    STOPSIGNAL SIGQUITT
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    STOPSIGNAL SIGQUIT
    ```

    ## References
    - Dockerfile reference, "STOPSIGNAL"
    """

    code = "DF511"
    name = "invalid-stopsignal"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return semantic_issues(self, ctx, frozenset({"invalid-signal"}))
