"""DF213 label-not-email."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import LabelSchemaOptions, is_email, typed_label_findings
from dfkit.syntax import ast


class LabelNotEmail(Rule):
    """## What it does
    Flags a label typed ``email`` in the configured ``label-schema`` whose value is not
    an RFC 5322 mailbox: ``team@example.com``, or ``Web Team <team@example.com>``.
    Values that depend on an unknown variable and empty values are left alone. Off until
    a schema is configured.

    ## Why is this bad?
    A contact label that is a name, a URL or a Slack channel cannot be mailed by the
    tools that read it.

    hadolint accepts a bare address only; dfkit also accepts the ``Name <address>`` form
    that RFC 5322 calls a mailbox and that ``maintainer`` labels commonly use.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL maintainer="Web Team"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL maintainer="Web Team <web@example.com>"
    ```

    ## Options
    - ``label-schema`` (table, label → type; fed by the top-level ``label-schema``):
      the labels of type ``email`` are checked.

    ## References
    - hadolint DL3058
    - RFC 5322, section 3.4 "Address Specification"
    """

    code = "DF213"
    name = "label-not-email"
    severity = Severity.WARNING
    groups = ("labels",)
    targets = (ast.Label,)
    message = "Label `{label}` is not an email address: `{value}`"
    aliases = ("DL3058",)
    default_enabled = False
    Options = LabelSchemaOptions
    doc_case: ClassVar[dict[str, Any]] = {"options": {"label-schema": {"maintainer": "email"}}}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Label)
        return typed_label_findings(self, ctx, node, "email", is_email)
