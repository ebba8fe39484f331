"""DF211 label-not-git-hash."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import LabelSchemaOptions, is_git_hash, typed_label_findings
from dfkit.syntax import ast


class LabelNotGitHash(Rule):
    """## What it does
    Flags a label typed ``hash`` in the configured ``label-schema`` whose value is not a
    git commit id: 7 to 40 lower-case hex digits (a SHA-1 id, whole or abbreviated) or 64
    (a SHA-256 repository). Values that depend on an unknown variable and empty values
    are left alone. Off until a schema is configured.

    ## Why is this bad?
    ``org.opencontainers.image.revision`` ties the image to the commit it was built
    from; a branch name or a tag there moves and proves nothing.

    hadolint accepts exactly 7 or 40 digits and so rejects ``git rev-parse --short``
    output of larger repositories, which git lengthens to stay unique.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.revision=main
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.revision=3f9c2a1b7d
    ```

    ## Options
    - ``label-schema`` (table, label → type; fed by the top-level ``label-schema``):
      the labels of type ``hash`` are checked.

    ## References
    - hadolint DL3055
    - git documentation, "gitrevisions" and "hash-function-transition"
    """

    code = "DF211"
    name = "label-not-git-hash"
    severity = Severity.WARNING
    groups = ("labels",)
    targets = (ast.Label,)
    message = "Label `{label}` is not a git commit hash: `{value}`"
    aliases = ("DL3055",)
    default_enabled = False
    Options = LabelSchemaOptions
    doc_case: ClassVar[dict[str, Any]] = {"options": {"label-schema": {"org.opencontainers.image.revision": "hash"}}}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Label)
        return typed_label_findings(self, ctx, node, "hash", is_git_hash)
