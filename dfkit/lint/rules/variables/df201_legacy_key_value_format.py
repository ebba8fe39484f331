"""DF201 legacy-key-value-format."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.source import Span
from dfkit.syntax import ast, parse


class LegacyKeyValueFormat(Rule):
    """## What it does
    Flags ``ENV key value`` and ``LABEL key value``: the legacy form whose key and value
    are separated by blanks instead of ``=``.

    ## Why is this bad?
    The legacy form sets exactly one variable, and its value is *the rest of the line*:
    ``ENV OPTS -a -b`` sets ``OPTS`` to ``-a -b``, while ``ENV A=1 B=2`` sets two.
    Readers who know one form misread the other; the Dockerfile reference calls the
    legacy form deprecated, and BuildKit warns about it in every build. ``ARG`` has no
    such form, whatever BuildKit's page for the check says: ``ARG A B`` declares two
    arguments.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ENV JAVA_OPTS -Xmx512m -Xss1m
    LABEL maintainer someone@example.com
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ENV JAVA_OPTS="-Xmx512m -Xss1m"
    LABEL maintainer=someone@example.com
    ```

    ## Fix safety
    Safe, and offered only when the result provably means the same to BuildKit. The
    blanks between key and value become ``=``; a value with unquoted blanks is wrapped in
    double quotes, which is only done when it holds no quote and no escape character
    (inside double quotes ``\\x`` keeps its backslash while bare it does not, and quotes
    would change meaning). The rewritten instruction is parsed again and must give the
    same key and a value that expands to the same text; otherwise no fix is offered.
    A separator that runs over a continuation line is joined onto the key's line
    unless a comment sits in it.

    ## References
    - BuildKit check LegacyKeyValueFormat
    - Dockerfile reference, "ENV" and "LABEL"
    """

    code = "DF201"
    name = "legacy-key-value-format"
    severity = Severity.WARNING
    groups = ("style",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Write `{key}=…`"
    targets = (ast.Env, ast.Label)
    message = '"{keyword} key=value" should be used instead of legacy "{keyword} key value" format'
    aliases = ("LegacyKeyValueFormat",)

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, (ast.Env, ast.Label))
        for pair in node.pairs:
            if pair.legacy:
                yield self.report(pair.key.span, fix=self._fix(node, pair, ctx), keyword=node.keyword.text)

    def _fix(self, node: ast.Env | ast.Label, pair: ast.KeyValue, ctx: RuleContext) -> Fix | None:
        separator = Span(start=pair.key.span.end, end=pair.value.span.start)
        if "#" in ctx.text(separator):  # a comment line inside a continuation: keep it
            return None
        raw = pair.value.value
        plain = (Edit.replace(separator, "="),)
        quoted = (Edit.replace(separator, '="'), Edit.insert(pair.value.span.end, '"'))
        escape = ctx.dockerfile.escape
        candidates = [(plain, raw)]
        if not any(ch in raw for ch in ("'", '"', escape)):
            candidates.append((quoted, f'"{raw}"'))
        for edits, wanted in candidates:
            if self._same_meaning(node, pair, edits, wanted, ctx):
                return Fix.safe(self.fix_text(key=pair.key.value), *edits)
        return None

    @staticmethod
    def _same_meaning(
        node: ast.Env | ast.Label, pair: ast.KeyValue, edits: tuple[Edit, ...], wanted: str, ctx: RuleContext
    ) -> bool:
        """Parse the rewritten instruction: one `key=value` pair, same key, same expansion."""
        text = ctx.dockerfile.text
        pieces, cursor = [], node.span.start
        for edit in edits:
            pieces += [text[cursor : edit.span.start], edit.text]
            cursor = edit.span.end
        pieces.append(text[cursor : node.span.end])
        prefix = "# escape=`\n" if ctx.dockerfile.escape == "`" else ""
        rewritten = parse(prefix + "".join(pieces))
        if len(rewritten.instructions) != 1 or rewritten.parse_errors:
            return False
        new = rewritten.instructions[0]
        if not isinstance(new, type(node)) or len(new.pairs) != 1 or new.pairs[0].legacy:
            return False
        new_pair = new.pairs[0]
        if new_pair.key.value != pair.key.value or new_pair.value.value != wanted:
            return False
        before, after = ctx.expansion(node, pair.value.value), ctx.expansion(node, new_pair.value.value)
        return before is not None and after is not None and before.value == after.value
