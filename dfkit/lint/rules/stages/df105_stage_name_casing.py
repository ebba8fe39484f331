"""DF105 stage-name-casing."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.lint.rules.stages._common import all_instructions, sources
from dfkit.syntax import ast
from dfkit.syntax.text import go_lower


class StageNameCasing(Rule):
    """## What it does
    Flags a stage name (`FROM image AS name`) that is not all lower case.

    ## Why is this bad?
    BuildKit stores stage names in lower case. `COPY --from`, `RUN --mount=…,from=` and
    `--target` look them up without regard to case, but `FROM <stage>` compares its word
    exactly with the lower-cased name: `FROM Builder` after `AS Builder` does not find
    the stage and fails as an invalid image name. Lower-case names avoid the trap and set
    names apart from instruction keywords.

    ## Example
    ```dockerfile
    FROM golang:1.23 AS Builder
    RUN go build -o /app .
    FROM alpine:3.20
    COPY --from=Builder /app /app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23 AS builder
    RUN go build -o /app .
    FROM alpine:3.20
    COPY --from=builder /app /app
    ```

    ## Fix safety
    Safe: the fix lowers the name and every reference to it (`COPY --from`, a mount's
    `from=`, in `ONBUILD` triggers too), which BuildKit already read without regard to
    case, and a later `FROM Builder`, which failed before and now finds the stage. A
    reference the fix cannot rewrite in place (one built by variable expansion, or split
    by a line continuation) leaves the finding without a fix.

    ## References
    - BuildKit check StageNameCasing
    """

    code = "DF105"
    name = "stage-name-casing"
    severity = Severity.WARNING
    groups = ("style",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Rename stage `{name}` to `{lower}`"
    targets = (ast.From,)
    onbuild = False  # FROM is not allowed in ONBUILD
    message = "Stage name '{name}' should be lowercase"
    aliases = ("StageNameCasing",)

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.From)
        alias = node.alias
        if alias is None:
            return
        lower = go_lower(alias.value)
        if alias.value == lower:
            return
        edits = self._rename(node, lower, ctx)
        fix = Fix.safe(self.fix_text(name=alias.value, lower=lower), *edits) if edits else None
        yield self.report(alias.span, fix=fix, name=alias.value)

    def _rename(self, node: ast.From, lower: str, ctx: RuleContext) -> list[Edit] | None:
        """The edits that rename the stage and its references, or None if one cannot be."""
        alias = node.alias
        assert alias is not None
        if ctx.text(alias.span) != alias.value:
            return None
        edits = [Edit.replace(alias.span, lower)]
        after = False  # FROM sees only the stages defined before it
        for other in all_instructions(ctx.dockerfile):
            if other is node:
                after = True
            elif isinstance(other, ast.From):
                word = other.image
                if not after or word is None:
                    continue
                if "$" in word.value:
                    expansion = ctx.expansion(other, word.value)
                    if expansion is not None and expansion.value != lower == go_lower(expansion.value):
                        return None  # e.g. `ARG BASE=Builder`: the name is not written here
                elif word.value != lower == go_lower(word.value):
                    if ctx.text(word.span) != word.value:
                        return None
                    edits.append(Edit.replace(word.span, lower))
            else:
                for source in sources(ctx, other):
                    if source.value != lower == go_lower(source.value):
                        if not source.exact:
                            return None
                        edits.append(Edit.replace(source.span, lower))
        return edits
