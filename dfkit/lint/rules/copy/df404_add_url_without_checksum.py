"""DF404 add-url-without-checksum."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.copy._common import sources
from dfkit.syntax import ast


class AddUrlWithoutChecksum(Rule):
    """## What it does
    Flags an `ADD` that downloads an http(s) URL without `--checksum`.

    ## Why is this bad?
    Whatever the server returns goes into the image: a re-tagged release, a compromised
    mirror, a captive-portal page. `ADD --checksum=sha256:…` makes the build verify the
    download and fail when it differs, which also makes the layer reproducible.

    Git sources (`https://…/repo.git#ref`, `git@host:repo`) are not flagged: pin those
    to a commit in the URL. `--checksum` takes one URL per `ADD`. It needs the Dockerfile
    frontend 1.6 or later (BuildKit) or a recent buildah; with the classic builder,
    download in a `RUN` and check with `sha256sum -c`. No other linter checks this:
    hadolint, Trivy and Checkov all treat a URL as a good reason to use `ADD`.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ADD --checksum=sha256:93dcc18adc78c65a028a84799ecf8ad40c936fdfc5f2a57b1acda5a8117fa82c \\
        https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
    ```

    ## References
    - Dockerfile reference, "ADD --checksum"
    """

    code = "DF404"
    name = "add-url-without-checksum"
    severity = Severity.WARNING
    groups = ("security", "best-practice")
    targets = (ast.Add,)
    message = "`ADD` downloads `{url}` without `--checksum`"

    def check(self, node: ast.Add, ctx: RuleContext) -> Iterator[Finding]:
        if node.flag("checksum") is not None:
            return
        for source in sources(ctx, node):
            if source.kind == "url":
                yield self.report(source.word.span, url=source.value)
