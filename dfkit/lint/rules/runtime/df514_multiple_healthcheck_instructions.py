"""DF514 multiple-healthcheck-instructions."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import overridden
from dfkit.syntax import ast


class MultipleHealthcheckInstructions(Rule):
    """## What it does
    Flags a `HEALTHCHECK` that a later `HEALTHCHECK` in the same stage replaces. The earlier,
    ineffective instruction is reported, as BuildKit does.

    ## Why is this bad?
    The image has one health check; only the last `HEALTHCHECK` of the stage (or
    `HEALTHCHECK NONE`) sets it. The earlier ones, their intervals and retries included,
    do nothing.

    hadolint (DL3012) reports the later instruction instead; the one to delete is the
    earlier. Stages are independent: a `HEALTHCHECK` in a stage built on another one replaces
    the inherited one by design and is not flagged, and neither is a `HEALTHCHECK` inside
    `ONBUILD`, which runs in some later build.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    HEALTHCHECK CMD curl -f http://localhost/
    HEALTHCHECK --interval=10s CMD curl -f http://localhost/health
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    HEALTHCHECK --interval=10s CMD curl -f http://localhost/health
    ```

    ## References
    - BuildKit check MultipleInstructionsDisallowed
    - hadolint DL3012, Trivy DS023
    """

    code = "DF514"
    name = "multiple-healthcheck-instructions"
    severity = Severity.WARNING
    groups = ("correctness",)
    message = (
        "Multiple {keyword} instructions should not be used in the same stage because only the last one will be used"
    )
    aliases = ("MultipleInstructionsDisallowed", "DL3012", "DS023")

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        for earlier, later in overridden(ctx, ast.Healthcheck):
            yield self.report(earlier.span, keyword=later.keyword.text)
