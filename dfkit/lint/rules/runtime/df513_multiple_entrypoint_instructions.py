"""DF513 multiple-entrypoint-instructions."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import overridden
from dfkit.syntax import ast


class MultipleEntrypointInstructions(Rule):
    """## What it does
    Flags an `ENTRYPOINT` that a later `ENTRYPOINT` in the same stage replaces. The earlier,
    ineffective instruction is reported, as BuildKit does.

    ## Why is this bad?
    The image has one entrypoint; only the last `ENTRYPOINT` of the stage sets it. The
    earlier ones do nothing, and an `ENTRYPOINT` also discards the `CMD` inherited from the
    base image, which makes a leftover one doubly confusing.

    hadolint (DL4004) reports the later instruction instead; the one to delete is the
    earlier. Stages are independent: an `ENTRYPOINT` in a stage built on another one replaces
    the inherited one by design and is not flagged, and neither is an `ENTRYPOINT` inside
    `ONBUILD`, which runs in some later build.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ENTRYPOINT ["/usr/local/bin/old-entrypoint.sh"]
    ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
    ```

    ## References
    - BuildKit check MultipleInstructionsDisallowed
    - hadolint DL4004, Trivy DS007
    """

    code = "DF513"
    name = "multiple-entrypoint-instructions"
    severity = Severity.WARNING
    groups = ("correctness",)
    message = (
        "Multiple {keyword} instructions should not be used in the same stage because only the last one will be used"
    )
    aliases = ("MultipleInstructionsDisallowed", "DL4004", "DS007")

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        for earlier, later in overridden(ctx, ast.Entrypoint):
            yield self.report(earlier.span, keyword=later.keyword.text)
