"""DF009 inconsistent-instruction-casing."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.syntax import ast


class InconsistentInstructionCasing(Rule):
    """## What it does
    Flags an instruction keyword that is mixed case (``Run``) or that does not follow the
    case most keywords of the file use. A file written all in lower case passes.

    ## Why is this bad?
    One style per file keeps it readable; BuildKit warns about it during every build.

    Off by default: DF008 keyword-not-uppercase, on by default, asks for more (upper
    case everywhere) and would report the same keywords twice. Select this rule (or
    `ConsistentInstructionCasing`, or `buildkit`) for exactly BuildKit's check, for
    instance in a project that writes its Dockerfiles in lower case and ignores DF008.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    Run echo mixed
    run echo minority
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN echo mixed
    RUN echo minority
    ```

    ## Fix safety
    Safe: only the keyword's letters change.

    ## References
    - BuildKit ConsistentInstructionCasing
    """

    code = "DF009"
    name = "inconsistent-instruction-casing"
    severity = Severity.WARNING
    groups = ("style",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Write `{keyword}` in {casing}"
    onbuild = False
    message = "Command '{keyword}' should match the case of the command majority ({casing})"
    aliases = ("ConsistentInstructionCasing",)
    default_enabled = False  # DF008 covers it by default; see "Why is this bad?"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        nodes = [n for n in ctx.dockerfile.instructions if not isinstance(n, (ast.Unknown, ast.Unparsable))]
        lower = upper = 0
        for node in nodes:
            text = node.keyword.text
            if text == text.lower():
                lower += 1
            elif text == text.upper():
                upper += 1
        majority_lower = lower > upper
        for node in nodes:
            keyword = node.keyword
            wanted = keyword.text.lower() if majority_lower else keyword.text.upper()
            if keyword.text == wanted:
                continue
            casing = "lowercase" if majority_lower else "uppercase"
            fix = None
            if ctx.text(keyword.span) == keyword.text:
                fix = Fix.safe(self.fix_text(keyword=keyword.text, casing=casing), Edit.replace(keyword.span, wanted))
            yield self.report(keyword.span, fix=fix, keyword=keyword.text, casing=casing)
