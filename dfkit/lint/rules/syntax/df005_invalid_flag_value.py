"""DF005 invalid-flag-value."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import semantic_issues, syntax_issues

SEMANTIC = frozenset({"invalid-mount", "invalid-chmod", "invalid-checksum"})


class InvalidFlagValue(Rule):
    """## What it does
    Flags values BuildKit refuses: a ``HEALTHCHECK`` interval that is no Go duration
    (``--interval=5`` lacks a unit) or below 1ms, negative ``--retries``, an unknown
    ``RUN --network`` or ``--security`` mode, a malformed ``--mount`` (unknown type or key,
    options the mount type does not take, a secret without id or target), a ``--chmod``
    that is neither octal nor symbolic, and an ``ADD --checksum`` that is no digest or
    is given for something else than one HTTP source.

    ## Why is this bad?
    The build fails at this instruction; values that depend on build arguments fail
    only with some of them.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    HEALTHCHECK --interval=5 CMD wget -q --spider http://localhost/
    RUN --mount=type=cahce,target=/root/.cache pip install -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    HEALTHCHECK --interval=5s CMD wget -q --spider http://localhost/
    RUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt
    ```

    ## References
    - BuildKit `instructions/parse.go`, `commands_runmount.go`, `dockerfile2llb/convert.go`
    """

    code = "DF005"
    name = "invalid-flag-value"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        yield from syntax_issues(self, ctx, frozenset({"invalid-flag-value"}), "instruction")
        yield from semantic_issues(self, ctx, SEMANTIC)
