"""DF208 label-not-url."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import LabelSchemaOptions, is_url, typed_label_findings
from dfkit.syntax import ast


class LabelNotUrl(Rule):
    """## What it does
    Flags a label typed ``url`` in the configured ``label-schema`` whose value is not an
    absolute URI (RFC 3986): a scheme such as ``https:``, then only URI characters, with
    ``%`` only in ``%XX`` escapes. Values that depend on an unknown variable and empty
    values (empty-label's job) are left alone. Off until a schema is configured.

    ## Why is this bad?
    Registries and scanners turn ``org.opencontainers.image.source`` and friends into
    links; ``github.com/org/repo`` without a scheme, or a URL with a blank in it, is a
    dead link.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.source=github.com/example/web
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.source=https://github.com/example/web
    ```

    ## Options
    - ``label-schema`` (table, label → type; fed by the top-level ``label-schema``):
      the labels of type ``url`` are checked.

    ## References
    - hadolint DL3052
    - RFC 3986, "Uniform Resource Identifier (URI): Generic Syntax"
    """

    code = "DF208"
    name = "label-not-url"
    severity = Severity.WARNING
    groups = ("labels",)
    targets = (ast.Label,)
    message = "Label `{label}` is not a valid URL: `{value}`"
    aliases = ("DL3052",)
    default_enabled = False
    Options = LabelSchemaOptions
    doc_case: ClassVar[dict[str, Any]] = {"options": {"label-schema": {"org.opencontainers.image.source": "url"}}}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Label)
        return typed_label_findings(self, ctx, node, "url", is_url)
