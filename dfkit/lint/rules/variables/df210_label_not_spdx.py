"""DF210 label-not-spdx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import LabelSchemaOptions, label_pairs, shown, spdx_problem, value_span
from dfkit.syntax import ast


class LabelNotSpdx(Rule):
    """## What it does
    Flags a label typed ``spdx`` in the configured ``label-schema`` whose value is not an
    SPDX license expression: license ids from the SPDX License List (``MIT``,
    ``Apache-2.0``, ``GPL-2.0-or-later``, ``LicenseRef-…``), joined by ``AND``/``OR``,
    with ``WITH <exception>`` and parentheses. Ids match without regard to case, as the
    SPDX specification asks; deprecated ids such as ``GPL-2.0`` are reported (SPDX
    retired them because they do not say "only" or "or later"). Values that depend on an
    unknown variable and empty values are left alone. Off until a schema is configured.

    ## Why is this bad?
    ``org.opencontainers.image.licenses`` is an SPDX expression by the OCI image spec;
    compliance scanners cannot map ``Apache 2`` or ``BSD`` to a licence.

    hadolint accepts a single license id only, so it rejects ``MIT OR Apache-2.0``, which
    the OCI spec explicitly allows.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.licenses="Apache 2"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.licenses="Apache-2.0 OR MIT"
    ```

    ## Options
    - ``label-schema`` (table, label → type; fed by the top-level ``label-schema``):
      the labels of type ``spdx`` are checked.

    ## References
    - hadolint DL3054
    - SPDX specification, annex "SPDX license expressions"; SPDX License List (the data
      file ``spdx_ids.txt`` beside this rule, CC0)
    """

    code = "DF210"
    name = "label-not-spdx"
    severity = Severity.WARNING
    groups = ("labels",)
    targets = (ast.Label,)
    message = "Label `{label}` is not an SPDX license expression ({problem}): `{value}`"
    aliases = ("DL3054",)
    default_enabled = False
    Options = LabelSchemaOptions
    doc_case: ClassVar[dict[str, Any]] = {"options": {"label-schema": {"org.opencontainers.image.licenses": "spdx"}}}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Label)
        schema = ctx.options_for(self).label_schema
        for pair, key, value in label_pairs(ctx, node):
            if schema.get(key) == "spdx" and value:
                problem = spdx_problem(value)
                if problem:
                    yield self.report(value_span(pair), label=key, problem=problem, value=shown(value))
