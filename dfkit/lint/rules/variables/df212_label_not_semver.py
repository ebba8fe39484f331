"""DF212 label-not-semver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import LabelSchemaOptions, is_semver, typed_label_findings
from dfkit.syntax import ast


class LabelNotSemver(Rule):
    """## What it does
    Flags a label typed ``semver`` in the configured ``label-schema`` whose value is not
    a Semantic Versioning 2.0.0 version: ``MAJOR.MINOR.PATCH``, no leading zeros, then an
    optional ``-pre.release`` and ``+build`` part. A leading ``v`` is not part of a
    version. Values that depend on an unknown variable and empty values are left alone.
    Off until a schema is configured.

    ## Why is this bad?
    Tools that order or match images by ``org.opencontainers.image.version`` cannot
    compare ``1.2``, ``v1.2.3`` or ``latest``.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.version=v1.2
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.version=1.2.0
    ```

    ## Options
    - ``label-schema`` (table, label → type; fed by the top-level ``label-schema``):
      the labels of type ``semver`` are checked.

    ## References
    - hadolint DL3056
    - Semantic Versioning 2.0.0
    """

    code = "DF212"
    name = "label-not-semver"
    severity = Severity.WARNING
    groups = ("labels",)
    targets = (ast.Label,)
    message = "Label `{label}` is not a semantic version: `{value}`"
    aliases = ("DL3056",)
    default_enabled = False
    Options = LabelSchemaOptions
    doc_case: ClassVar[dict[str, Any]] = {"options": {"label-schema": {"org.opencontainers.image.version": "semver"}}}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Label)
        return typed_label_findings(self, ctx, node, "semver", is_semver)
