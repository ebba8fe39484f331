"""DF008 keyword-not-uppercase."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.syntax import ast

INSTRUCTION_TYPES = (
    ast.From, ast.Run, ast.Cmd, ast.Entrypoint, ast.Shell, ast.Copy, ast.Add, ast.Volume, ast.Expose,
    ast.Env, ast.Label, ast.Arg, ast.Healthcheck, ast.Maintainer, ast.User, ast.Workdir, ast.Stopsignal,
    ast.OnBuild,
)


class KeywordNotUppercase(Rule):
    """## What it does
    Flags an instruction keyword that is not written in upper case (``run``, ``Copy``),
    the instruction inside ``ONBUILD`` included.

    ## Why is this bad?
    Keywords are case-insensitive, but upper case is the convention of every Dockerfile
    reference and example: it sets the instructions apart from their arguments at a
    glance, and mixed styles in one file read as carelessness.

    ## Example
    ```dockerfile
    from alpine:3.20
    run apk add --no-cache curl
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl
    ```

    ## Fix safety
    Safe: only the keyword's letters change, and BuildKit reads keywords without regard
    to case.

    ## References
    - Dockerfile reference, "Format"
    - BuildKit ConsistentInstructionCasing (which only asks for one style per file)
    """

    code = "DF008"
    name = "keyword-not-uppercase"
    severity = Severity.STYLE
    groups = ("style",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Write `{keyword}` as `{upper}`"
    targets = INSTRUCTION_TYPES
    message = "Instruction keyword `{keyword}` is not upper case"

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        keyword = node.keyword
        upper = keyword.text.upper()
        if keyword.text == upper:
            return
        fix = None
        if ctx.text(keyword.span) == keyword.text:  # not split across a continuation line
            fix = Fix.safe(self.fix_text(keyword=keyword.text, upper=upper), Edit.replace(keyword.span, upper))
        yield self.report(keyword.span, fix=fix, keyword=keyword.text, upper=upper)
