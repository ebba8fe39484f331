"""DF216 duplicate-key."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.source import Span
from dfkit.syntax import ast


class DuplicateKey(Rule):
    """## What it does
    Flags a key that one ``ENV`` or ``LABEL`` instruction sets more than once, at every
    occurrence but the last. Keys are compared as the builder expands them.

    ## Why is this bad?
    The last value wins and the others are dropped without a word. It is a copy-paste
    slip, or a change made to the wrong one of the two, and the reader cannot tell
    which value was meant.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ENV LANG=C.UTF-8 \\
        TZ=UTC \\
        LANG=en_US.UTF-8
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ENV TZ=UTC \\
        LANG=en_US.UTF-8
    ```

    ## Fix safety
    Safe: the earlier pair is deleted with the blanks or continuation that follow it.
    Its value was never kept, and no other pair of the instruction can have seen it
    (every pair is expanded against the environment before the instruction). The fix
    is not offered when a comment line sits between the pair and the next.

    ## References
    - Dockerfile reference, "ENV" and "LABEL"
    """

    code = "DF216"
    name = "duplicate-key"
    severity = Severity.WARNING
    groups = ("correctness",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Remove the first `{key}`"
    targets = (ast.Env, ast.Label)
    message = "`{key}` is set again later in this {keyword}: this value is dropped"

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, (ast.Env, ast.Label))
        pairs = node.pairs
        keys = [ctx.known_value(node, pair.key.value) for pair in pairs]
        for index, (pair, key) in enumerate(zip(pairs, keys)):
            if key is None or key not in keys[index + 1 :]:
                continue
            gap = Span(start=pair.span.end, end=pairs[index + 1].span.start)
            fix = None
            if "#" not in ctx.text(gap):
                removed = Span(start=pair.span.start, end=gap.end)
                fix = Fix.safe(self.fix_text(key=key), Edit.delete(removed))
            yield self.report(pair.key.span, fix=fix, key=key, keyword=node.keyword.text)
