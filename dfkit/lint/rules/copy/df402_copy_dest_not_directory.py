"""DF402 copy-dest-not-directory."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.buildcontext import has_wildcards
from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.lint.rules.copy._common import context_matches, listed_context, sources
from dfkit.syntax import ast

# Paths every builder takes for a directory, trailing slash or not.
_DIRECTORY_NAMES = (".", "..")


class CopyDestNotDirectory(Rule):
    """## What it does
    Flags a `COPY` or `ADD` that copies several sources to a destination that does not
    end with `/`. A wildcard source counts for every file it selects when a build
    context is given, and for one file otherwise.

    ## Why is this bad?
    Several sources only make sense into a directory, and the trailing `/` is how the
    Dockerfile says so. The classic builder refuses the instruction ("When using COPY
    with more than one source file, the destination must be a directory and end with a
    /"). BuildKit accepts it, and when the destination does not exist yet it copies each
    source *onto* the same path, so the image ends up with one file holding the last
    source (moby/buildkit#1853).

    With BuildKit, `.` and `..` are always directories and are not flagged; with
    `builder = "classic"` they are, like any destination without `/`, and the finding is
    an error. hadolint (DL3021) and Trivy (DS011) look at `COPY` only and count words,
    not files.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    COPY package.json package-lock.json /app
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    COPY package.json package-lock.json /app/
    ```

    ## Fix safety
    Safe: the `/` is what every builder needs to treat the destination as a directory;
    the only behaviour it changes is BuildKit's overwriting of one file by the next.

    ## References
    - Dockerfile reference, "COPY" (destination rules)
    - hadolint DL3021, Trivy DS011
    """

    code = "DF402"
    name = "copy-dest-not-directory"
    severity = Severity.WARNING
    groups = ("correctness",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Append `/` to `{dest}`"
    targets = (ast.Copy, ast.Add)
    message = "Destination `{dest}` does not end with `/`, but {count} sources are copied into it"
    aliases = ("DL3021", "DS011")

    def check(self, node: ast.Copy | ast.Add, ctx: RuleContext) -> Iterator[Finding]:
        word = node.dest
        if word is None or len(node.sources) == 0:
            return
        dest = ctx.known_value(node, word.value)
        if dest is None or dest.endswith(("/", "\\")):  # a backslash: a Windows directory
            return
        classic = ctx.builder == "classic"
        if not classic and (dest in _DIRECTORY_NAMES or dest.endswith(("/.", "/.."))):
            return
        count = self._count(node, ctx)
        if count < 2:
            return
        finding = self.report(word.span, fix=self._fix(word, ctx), dest=word.value, count=count)
        if classic:
            finding = finding.model_copy(update={"severity": Severity.ERROR, "note": "the classic builder refuses it"})
        yield finding

    @staticmethod
    def _count(node: ast.Copy | ast.Add, ctx: RuleContext) -> int:
        context = listed_context(ctx, node)
        count = 0
        for source in sources(ctx, node):
            value = source.value
            if context is not None and source.kind == "local" and value is not None and has_wildcards(value):
                count += len(context_matches(context, value))
            else:
                count += 1
        return count

    def _fix(self, word: ast.Word, ctx: RuleContext) -> Fix | None:
        raw = ctx.text(word.span)
        if raw == word.value:
            offset = word.span.end
        elif raw == f'"{word.value}"':  # a JSON string without escapes
            offset = word.span.end - 1
        else:
            return None
        return Fix.safe(self.fix_text(dest=word.value), Edit.insert(offset, "/"))
