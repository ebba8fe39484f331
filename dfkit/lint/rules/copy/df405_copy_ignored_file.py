"""DF405 copy-ignored-file."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.buildcontext import has_wildcards
from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.copy._common import reads_context, sources
from dfkit.syntax import ast
from dfkit.syntax.text import goquote


class CopyIgnoredFile(Rule):
    """## What it does
    With a build context, flags a `COPY` or `ADD` source that `.dockerignore` excludes:
    the path itself or one of its parent directories matches. A wildcard source is
    flagged when it selects files and `.dockerignore` excludes every one of them.

    ## Why is this bad?
    Excluded files are never sent to the builder. A literal path then fails the build
    with "not found"; a wildcard silently copies nothing. Either the pattern in
    `.dockerignore` is too broad or the instruction copies something that was meant to
    stay out of the image.

    `COPY . /app` is never flagged: leaving files out of a whole-context copy is what
    `.dockerignore` is for. BuildKit compares the source as written, so it misses
    `./secret.txt` when `.dockerignore` says `secret.txt`; dfkit cleans the path first,
    as the context transfer does.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    COPY config/secrets.env /etc/app/
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    COPY config/app.env /etc/app/
    ```

    ## References
    - BuildKit check CopyIgnoredFile
    - Dockerfile reference, ".dockerignore file"
    """

    code = "DF405"
    name = "copy-ignored-file"
    severity = Severity.WARNING
    groups = ("correctness",)
    targets = (ast.Copy, ast.Add)
    onbuild = False  # a trigger copies from the context of some later build
    message = "Attempting to {cmd} file {path} that is excluded by .dockerignore"
    aliases = ("CopyIgnoredFile",)
    needs_context = True
    doc_case = {"context": {"files": {"config/secrets.env": "", "config/app.env": ""}, "dockerignore": "**/*secret*\n"}}

    def check(self, node: ast.Copy | ast.Add, ctx: RuleContext) -> Iterator[Finding]:
        context = ctx.build_context
        if context is None or not reads_context(node):
            return
        cmd = "Add" if isinstance(node, ast.Add) else "Copy"
        for source in sources(ctx, node):
            if source.kind != "local" or source.value is None:
                continue
            relative = context.relative(source.value)
            if has_wildcards(relative):
                if not context.explicit:
                    continue  # which files the wildcard selects needs the real listing
                selected = context.glob(relative)
                excluded = bool(selected) and all(context.ignored(path) for path in selected)
            else:
                excluded = context.ignored(relative)
            if excluded:
                yield self.report(source.word.span, cmd=cmd, path=goquote(source.value))
