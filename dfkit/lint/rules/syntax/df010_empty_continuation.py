"""DF010 empty-continuation."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.source import Span


class EmptyContinuation(Rule):
    """## What it does
    Flags a blank line inside an instruction continued with the escape character.
    Comment lines inside a continuation are fine.

    ## Why is this bad?
    BuildKit skips the blank line today and warns that it "will become an error in a
    future release". It also hides mistakes: a blank line after a trailing backslash
    silently joins the next instruction into this one.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache \\

        curl
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache \\
        curl
    ```

    ## Fix safety
    Safe: BuildKit ignores the blank line; removing it changes nothing.

    ## References
    - BuildKit NoEmptyContinuation
    """

    code = "DF010"
    name = "empty-continuation"
    severity = Severity.WARNING
    groups = ("style", "correctness")
    fix = FixAvailability.ALWAYS
    fix_title = "Remove the blank line"
    message = "Empty continuation line"
    aliases = ("NoEmptyContinuation",)

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        text = ctx.dockerfile.text
        source = ctx.source
        for issue in ctx.dockerfile.issues:
            if issue.code != "empty-continuation":
                continue
            start = issue.span.start
            line = source.position(start).line
            end = source.offset(line + 1) if line < len(source.line_starts) else len(text)
            span = Span(start=start, end=start + len(source.line_text(line)))
            yield self.report(span, fix=Fix.safe(self.fix_text(), Edit.delete(Span(start=start, end=end))))
