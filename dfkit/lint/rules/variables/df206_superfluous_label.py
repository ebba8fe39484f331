"""DF206 superfluous-label."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import LabelSchemaOptions, label_pairs
from dfkit.syntax import ast


class SuperfluousLabelOptions(LabelSchemaOptions):
    strict: bool = False


class SuperfluousLabel(Rule):
    """## What it does
    With ``strict-labels``, flags every ``LABEL`` key that the configured
    ``label-schema`` does not list (with an empty schema, every label). Off until
    ``strict-labels = true``.

    ## Why is this bad?
    A strict schema is how an organisation keeps label keys from drifting
    (``maintainer``, ``Maintainer``, ``org.opencontainers.image.authors``…): a key
    outside it is either a typo of a schema key or metadata nobody agreed on.

    hadolint reports once per ``LABEL`` instruction; dfkit names each key, at the key.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.source=https://example.com/web.git maintainer=web-team
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.source=https://example.com/web.git
    ```

    ## Options
    - ``label-schema`` (table, label → type; fed by the top-level ``label-schema``).
    - ``strict`` (bool, default false; fed by the top-level ``strict-labels``): the rule
      reports only when it is true.

    ## References
    - hadolint DL3050
    """

    code = "DF206"
    name = "superfluous-label"
    severity = Severity.INFO
    groups = ("labels",)
    targets = (ast.Label,)
    message = "Label `{key}` is not in the label schema"
    aliases = ("DL3050",)
    default_enabled = False
    Options = SuperfluousLabelOptions
    doc_case: ClassVar[dict[str, Any]] = {
        "options": {"label-schema": {"org.opencontainers.image.source": "url"}, "strict": True}
    }

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Label)
        options = ctx.options_for(self)
        if not options.strict:
            return
        for pair, key, _ in label_pairs(ctx, node):
            if key not in options.label_schema:
                yield self.report(pair.key.span, key=key)
