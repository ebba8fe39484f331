"""DF205 missing-label."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import LabelSchemaOptions, stage_labels


class MissingLabel(Rule):
    """## What it does
    Flags each label of the configured ``label-schema`` that the image a build
    produces does not set. That image is the last stage, or the ``--target`` stage; a
    label set in a stage it is built on (``FROM <stage>``) counts, as labels are
    inherited. Off until a schema is configured.

    ## Why is this bad?
    Organisations rely on labels such as ``org.opencontainers.image.source`` to trace an
    image back to its code, owner and licence; an image without them is an orphan in
    the registry.

    hadolint checks every stage except those only copied from, and so asks builder
    stages that are thrown away for labels too; dfkit checks the image that is shipped
    (lint with ``--target`` for another one). Labels of an external base image are not
    known without pulling it, so the label must be set in the Dockerfile.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.title=web
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS base
    LABEL org.opencontainers.image.source=https://example.com/web.git
    FROM base
    LABEL org.opencontainers.image.title=web
    ```

    ## Options
    - ``label-schema`` (table, label → type; the top-level ``label-schema`` setting
      feeds it): the labels the image must carry.

    ## References
    - hadolint DL3049
    - OCI image spec, "Pre-Defined Annotation Keys"
    """

    code = "DF205"
    name = "missing-label"
    severity = Severity.INFO
    groups = ("labels",)
    message = "Label `{label}` is missing from stage `{stage}`"
    aliases = ("DL3049",)
    default_enabled = False
    Options = LabelSchemaOptions
    doc_case: ClassVar[dict[str, Any]] = {"options": {"label-schema": {"org.opencontainers.image.source": "url"}}}

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        schema = ctx.options_for(self).label_schema
        target = ctx.semantics.target
        if not schema or target is None:
            return
        stage = ctx.semantics.stages[target]
        present = stage_labels(ctx, target)
        for label in sorted(set(schema) - present):
            yield self.report(stage.node.keyword.span, label=label, stage=stage.display_name)
