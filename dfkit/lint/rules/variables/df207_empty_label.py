"""DF207 empty-label."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import LabelSchemaOptions, label_pairs, value_span
from dfkit.syntax import ast


class EmptyLabel(Rule):
    """## What it does
    Flags a label of the configured ``label-schema`` whose value is empty as the builder
    expands it: ``LABEL version=""``, or ``LABEL version=$VERSION`` when ``VERSION`` is
    defined as empty. A value that depends on an ARG without a default is not judged:
    the build may well pass ``--build-arg``. Off until a schema is configured.

    ## Why is this bad?
    An empty required label satisfies a presence check while carrying nothing; it is
    nearly always a variable that was not set.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ARG REVISION=""
    LABEL org.opencontainers.image.revision=$REVISION
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ARG REVISION
    LABEL org.opencontainers.image.revision=$REVISION
    ```

    ## Options
    - ``label-schema`` (table, label → type; fed by the top-level ``label-schema``):
      every label listed, whatever its type, must not be empty.

    ## References
    - hadolint DL3051
    """

    code = "DF207"
    name = "empty-label"
    severity = Severity.WARNING
    groups = ("labels",)
    targets = (ast.Label,)
    message = "Label `{label}` is empty"
    aliases = ("DL3051",)
    default_enabled = False
    Options = LabelSchemaOptions
    doc_case: ClassVar[dict[str, Any]] = {"options": {"label-schema": {"org.opencontainers.image.revision": "hash"}}}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Label)
        schema = ctx.options_for(self).label_schema
        for pair, key, value in label_pairs(ctx, node):
            if key in schema and value == "":
                yield self.report(value_span(pair), label=key)
