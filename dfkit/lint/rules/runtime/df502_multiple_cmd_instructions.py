"""DF502 multiple-cmd-instructions."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import overridden
from dfkit.syntax import ast


class MultipleCmdInstructions(Rule):
    """## What it does
    Flags a `CMD` that a later `CMD` in the same stage replaces. The earlier,
    ineffective instruction is reported, as BuildKit does.

    ## Why is this bad?
    The image has one default command; only the last `CMD` of the stage sets it. The earlier
    ones do nothing and mislead whoever reads the file, often after a copy-and-paste or a
    merge.

    hadolint (DL4003) reports the later instruction instead; the one to delete is the
    earlier. Stages are independent: a `CMD` in a stage built on another one replaces
    the inherited one by design and is not flagged, and neither is a `CMD` inside
    `ONBUILD`, which runs in some later build.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD ["python", "-m", "http.server"]
    CMD ["python", "app.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    CMD ["python", "app.py"]
    ```

    ## References
    - BuildKit check MultipleInstructionsDisallowed
    - hadolint DL4003, Trivy DS016
    """

    code = "DF502"
    name = "multiple-cmd-instructions"
    severity = Severity.WARNING
    groups = ("correctness",)
    message = (
        "Multiple {keyword} instructions should not be used in the same stage because only the last one will be used"
    )
    aliases = ("MultipleInstructionsDisallowed", "DL4003", "DS016")

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        for earlier, later in overridden(ctx, ast.Cmd):
            yield self.report(earlier.span, keyword=later.keyword.text)
