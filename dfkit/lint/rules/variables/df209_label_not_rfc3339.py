"""DF209 label-not-rfc3339."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import LabelSchemaOptions, is_rfc3339, typed_label_findings
from dfkit.syntax import ast


class LabelNotRfc3339(Rule):
    """## What it does
    Flags a label typed ``rfc3339`` in the configured ``label-schema`` whose value is not
    an RFC 3339 date-time such as ``2024-05-01T12:00:00Z`` (date, ``T``, time, optional
    fraction, then ``Z`` or an offset; each field in range). Values that depend on an
    unknown variable and empty values are left alone. Off until a schema is configured.

    ## Why is this bad?
    ``org.opencontainers.image.created`` must be RFC 3339 by the OCI image spec; tools
    that sort or expire images by it fail on ``2024-05-01`` or ``May 1 2024``.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.created="2024-05-01 12:00"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.created=2024-05-01T12:00:00Z
    ```

    ## Options
    - ``label-schema`` (table, label → type; fed by the top-level ``label-schema``):
      the labels of type ``rfc3339`` are checked.

    ## References
    - hadolint DL3053
    - RFC 3339, "Date and Time on the Internet: Timestamps", section 5.6
    """

    code = "DF209"
    name = "label-not-rfc3339"
    severity = Severity.WARNING
    groups = ("labels",)
    targets = (ast.Label,)
    message = "Label `{label}` is not an RFC 3339 timestamp: `{value}`"
    aliases = ("DL3053",)
    default_enabled = False
    Options = LabelSchemaOptions
    doc_case: ClassVar[dict[str, Any]] = {"options": {"label-schema": {"org.opencontainers.image.created": "rfc3339"}}}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Label)
        return typed_label_findings(self, ctx, node, "rfc3339", is_rfc3339)
