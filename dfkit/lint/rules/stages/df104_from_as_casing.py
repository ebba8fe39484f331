"""DF104 from-as-casing."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.syntax import ast


class FromAsCasing(Rule):
    """## What it does
    Flags the `AS` of `FROM image AS name` when its case differs from the `FROM`
    keyword's: `FROM alpine as build`, `from alpine AS build`. As in BuildKit, a `FROM`
    keyword in mixed case (`From`) is left to DF009, and then `AS` is not judged.

    ## Why is this bad?
    `AS` is part of the instruction's syntax, not a value; written in another case than
    its keyword it reads like an argument. BuildKit warns about it on every build.

    ## Example
    ```dockerfile
    FROM alpine:3.20 as build
    from alpine:3.20 AS final
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS build
    from alpine:3.20 as final
    ```

    ## Fix safety
    Safe: only the letters of `AS` change, and BuildKit reads it without regard to case.

    ## References
    - BuildKit check FromAsCasing
    """

    code = "DF104"
    name = "from-as-casing"
    severity = Severity.WARNING
    groups = ("style",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Write `{written}` as `{wanted}`"
    targets = (ast.From,)
    onbuild = False  # FROM is not allowed in ONBUILD
    message = "'{as_}' and '{from_}' keywords' casing do not match"
    aliases = ("FromAsCasing",)

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.From)
        as_word, keyword = node.as_keyword, node.keyword.text
        if as_word is None or node.alias is None:
            return
        # Both words are ASCII: the parser only knows ASCII keywords, and `alias` is set
        # only when the middle word is `as` in some case.
        if keyword == keyword.lower():
            wanted = as_word.value.lower()
        elif keyword == keyword.upper():
            wanted = as_word.value.upper()
        else:
            return  # a mixed-case keyword is DF009's business
        if as_word.value == wanted:
            return
        fix = None
        if ctx.text(as_word.span) == as_word.value:
            title = self.fix_text(written=as_word.value, wanted=wanted)
            fix = Fix.safe(title, Edit.replace(as_word.span, wanted))
        yield self.report(as_word.span, fix=fix, as_=as_word.value, from_=keyword)
