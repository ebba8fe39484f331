"""DF406 copy-source-missing."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.buildcontext import has_wildcards
from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.copy._common import listed_context, sources
from dfkit.syntax import ast


class CopySourceMissing(Rule):
    """## What it does
    With a build context, flags a `COPY` or `ADD` source that is not in the context
    directory. A wildcard source that selects nothing is flagged for the classic builder
    and buildah, which refuse it.

    ## Why is this bad?
    The build stops at this instruction: BuildKit says `failed to compute cache key:
    … "/app.jar": not found`, the classic builder `COPY failed: file not found in build
    context`. A file (or every file of a wildcard) excluded by `.dockerignore` fails
    the same way; that case is reported by copy-ignored-file (DF405) instead.

    BuildKit lets a wildcard match nothing and copies nothing, so under the default
    `builder = "buildkit"` an empty wildcard is not flagged; the classic builder fails
    with "no source files were specified", and buildah with "no items matching glob".
    Sources read from another stage or image (`COPY --from`), URLs, git repositories,
    here-documents and `COPY --parents` patterns are not checked. A source whose value
    depends on a build argument without a default is not judged.

    ## Example
    ```dockerfile
    FROM eclipse-temurin:21-jre
    COPY target/app.jar /opt/app/
    ```

    ## Use instead
    ```dockerfile
    FROM eclipse-temurin:21-jre
    COPY build/libs/app.jar /opt/app/
    ```

    ## References
    - Dockerfile reference, "COPY" (source paths are relative to the build context)
    """

    code = "DF406"
    name = "copy-source-missing"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    targets = (ast.Copy, ast.Add)
    onbuild = False  # a trigger copies from the context of some later build
    message = "`{source}` {problem}"
    needs_context = True
    doc_case = {"context": {"files": {"build/libs/app.jar": ""}}}

    def check(self, node: ast.Copy | ast.Add, ctx: RuleContext) -> Iterator[Finding]:
        context = listed_context(ctx, node)
        if context is None or node.flag("parents") is not None:
            return
        strict_wildcards = ctx.builder != "buildkit"
        for source in sources(ctx, node):
            if source.kind != "local" or source.value is None:
                continue
            relative = context.relative(source.value)
            if not has_wildcards(relative):
                if not context.exists(relative):
                    yield self.report(source.word.span, source=source.value, problem="is not in the build context")
            elif strict_wildcards and not context.glob(relative):
                yield self.report(source.word.span, source=source.value, problem="matches no file in the build context")
