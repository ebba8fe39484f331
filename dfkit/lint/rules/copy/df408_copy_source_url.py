"""DF408 copy-source-url."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import semantic_issues


class CopySourceUrl(Rule):
    """## What it does
    Flags a `COPY` whose source, after variable expansion, is an http(s) URL or a git
    repository (`git@host:repo.git`, `https://host/repo.git`), with or without `--from`.

    ## Why is this bad?
    Only `ADD` downloads and clones; BuildKit refuses the instruction with "source can't
    be a URL for COPY" or "source can't be a git ref for COPY". Use
    `ADD --checksum=… <url> <dest>`, or download in a `RUN` step.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    COPY https://example.com/tool.tar.gz /tmp/
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \\
        https://example.com/tool.tar.gz /tmp/
    ```

    ## References
    - Dockerfile reference, "COPY" and "ADD"
    """

    code = "DF408"
    name = "copy-source-url"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return semantic_issues(self, ctx, frozenset({"copy-source-url"}))
