"""DF002 unknown-instruction."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import syntax_issues


class UnknownInstruction(Rule):
    """## What it does
    Flags a keyword that is not a Dockerfile instruction, with BuildKit's "did you mean"
    suggestion when a known instruction is close.

    ## Why is this bad?
    BuildKit's parser accepts any keyword, but the build stops at it with
    ``unknown instruction``. A typo such as ``COPPY`` is only found when building. A
    heredoc that was not recognised leaves its body lines as "instructions" too.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    COPPY app /app
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    COPY app /app
    ```

    ## References
    - BuildKit `instructions/parse.go` (`unknown instruction`)
    """

    code = "DF002"
    name = "unknown-instruction"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return syntax_issues(self, ctx, frozenset({"unknown-instruction"}), "instruction")
