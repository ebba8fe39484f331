"""DF001 parse-error."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import syntax_issues

CODES = frozenset(
    {
        "line-too-long", "invalid-directive", "json-not-string-array", "missing-value", "missing-equals",
        "unterminated-heredoc", "invalid-heredoc", "no-instructions", "internal-error",
    }
)


class ParseError(Rule):
    """## What it does
    Reports what BuildKit's Dockerfile parser rejects: a ``LABEL`` or ``ENV`` key without
    a value, a key=value list with a word lacking ``=``, a JSON array holding something
    else than strings, an unterminated heredoc, a repeated or invalid parser directive,
    a physical line over 65,535 bytes, or a file with no instructions.

    ## Why is this bad?
    The build fails before it starts. dfkit still parses the rest of the file, so every
    other finding is reported too; hadolint stops at the first such line.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ENV PATH
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ENV PATH=/usr/local/bin:/usr/bin:/bin
    ```

    ## References
    - hadolint DL1000 (its code for parse errors)
    - BuildKit `frontend/dockerfile/parser`
    """

    code = "DF001"
    name = "parse-error"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"
    aliases = ("DL1000",)

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return syntax_issues(self, ctx, CODES, "parse")
