"""DF407 copy-from-variable."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import syntax_issues


class CopyFromVariable(Rule):
    """## What it does
    Flags `COPY --from=` whose value contains a variable (`--from=$BUILDER`).

    ## Why is this bad?
    `--from` is resolved before any variable is expanded, so BuildKit refuses the
    instruction: "variable expansion is not supported for --from, define a new stage
    with FROM using ARG from global scope as a workaround". The workaround is exactly
    that: a stage whose `FROM` line reads the global ARG, and `--from` naming the stage.

    ## Example
    ```dockerfile
    ARG ASSETS=example.com/assets:1.0
    FROM alpine:3.20
    COPY --from=$ASSETS /srv/assets /srv/assets
    ```

    ## Use instead
    ```dockerfile
    ARG ASSETS=example.com/assets:1.0
    FROM ${ASSETS} AS assets
    FROM alpine:3.20
    COPY --from=assets /srv/assets /srv/assets
    ```

    ## References
    - Dockerfile reference, "COPY --from"
    """

    code = "DF407"
    name = "copy-from-variable"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return syntax_issues(self, ctx, frozenset({"variable-in-copy-from"}), "instruction")
