"""DF004 invalid-flag."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import syntax_issues

CODES = frozenset({"unknown-flag", "duplicate-flag", "flag-missing-value", "flag-not-boolean"})


class InvalidFlag(Rule):
    """## What it does
    Flags an instruction flag the instruction does not take (``ADD --from``, ``COPY
    --checksum``, ``ENV --x``), a flag given twice, a string flag without ``=value`` and
    a boolean flag with a value other than ``true`` or ``false``.

    ## Why is this bad?
    BuildKit refuses the instruction before building anything. Flags are easy to
    misspell (``--platfrom``), and each instruction takes its own set.

    ## Example
    ```dockerfile
    FROM --platfrom=linux/amd64 alpine:3.20
    COPY --link=yes app /app
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=linux/amd64 alpine:3.20
    COPY --link app /app
    ```

    ## References
    - BuildKit `instructions/bflag.go`
    """

    code = "DF004"
    name = "invalid-flag"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return syntax_issues(self, ctx, CODES, "instruction")
