"""DF503 maintainer-deprecated."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.lint.rules.runtime._common import keyword_like
from dfkit.source import Span
from dfkit.syntax import ast

AUTHORS = "org.opencontainers.image.authors"


class MaintainerDeprecated(Rule):
    """## What it does
    Flags the `MAINTAINER` instruction.

    ## Why is this bad?
    `MAINTAINER` has been deprecated since Docker 1.13. It fills the image's `Author`
    field, which registries and the OCI image spec largely ignore; the standard place
    for the same information is the `org.opencontainers.image.authors` label, which
    tools such as registries, scanners and SBOM generators read.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    MAINTAINER Jane Doe <jane@example.com>
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
    ```

    ## Fix safety
    Unsafe: the image gains the label and loses the `Author` field, which some tooling
    may still read. The text is quoted and escaped so that the label holds exactly what
    `MAINTAINER` held (`MAINTAINER` does not expand variables; `LABEL` does, so `$` is
    escaped). No fix is offered when the instruction spans several lines.

    ## References
    - BuildKit check MaintainerDeprecated
    - hadolint DL4000, Trivy DS022, Checkov CKV_DOCKER_6
    - OCI image spec, "Pre-Defined Annotation Keys"
    """

    code = "DF503"
    name = "maintainer-deprecated"
    severity = Severity.WARNING
    groups = ("best-practice", "labels")
    fix = FixAvailability.SOMETIMES
    fix_title = f"Replace `MAINTAINER` with a `{AUTHORS}` label"
    targets = (ast.Maintainer,)
    onbuild = False  # ONBUILD MAINTAINER is a parse error already
    message = "Maintainer instruction is deprecated in favor of using label"
    aliases = ("MaintainerDeprecated", "DL4000", "DS022", "CKV_DOCKER_6")

    def check(self, node: ast.Maintainer, ctx: RuleContext) -> Iterator[Finding]:
        yield self.report(node.keyword.span, fix=self._fix(node, ctx))

    def _fix(self, node: ast.Maintainer, ctx: RuleContext) -> Fix | None:
        value = node.value
        if value is None:
            return None
        span = Span(start=node.keyword.span.start, end=value.span.end)
        text = ctx.text(span)
        if "\n" in text or not text.endswith(value.value):
            return None
        escape = ctx.dockerfile.escape
        quoted = "".join(escape + ch if ch in ('"', "$", escape) else ch for ch in value.value)
        label = f'{keyword_like(node.keyword, "LABEL")} {AUTHORS}="{quoted}"'
        return Fix.unsafe(self.fix_text(), Edit.replace(span, label))
