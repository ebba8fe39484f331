"""DF204 invalid-label-key."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import label_pairs
from dfkit.syntax import ast

RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")
# Docker documents these for its own extension images: they are meant to be written.
DOCUMENTED_DOCKER_LABELS = ("com.docker.desktop.extension.", "com.docker.extension.")
_INVALID_CHAR = re.compile(r"[^a-z0-9._/-]")


def key_problem(key: str) -> str | None:
    """What is wrong with a label key by Docker's label guidelines (as hadolint reads them)."""
    if key.startswith(RESERVED) and not key.startswith(DOCUMENTED_DOCKER_LABELS):
        return f"uses the reserved `{next(p for p in RESERVED if key.startswith(p))}` namespace"
    if key != key.lower():
        return "is not lower case"
    bad = _INVALID_CHAR.search(key)
    if bad:
        return f"contains `{bad.group()}` (use lower-case letters, digits, `.`, `-`, `_` and `/`)"
    if not key[0].isalpha():
        return "does not start with a lower-case letter"
    if not key[-1].isalnum():
        return "does not end with a lower-case letter or a digit"
    for pair in ("..", "--"):
        if pair in key:
            return f"contains `{pair}`"
    return None


class InvalidLabelKey(Rule):
    """## What it does
    Flags a ``LABEL`` key that breaks Docker's naming guidelines: it must start with a
    lower-case letter, end with a lower-case letter or digit, hold only ``a-z``, ``0-9``,
    ``.``, ``-``, ``_`` and ``/``, contain no ``..`` or ``--``, and stay out of the
    ``com.docker.``, ``io.docker.`` and ``org.dockerproject.`` namespaces that Docker
    reserves. The key is judged as the builder expands it; a key that depends on an
    unknown variable is left alone.

    ## Why is this bad?
    Labels are read by tools (``docker inspect --format``, registries, scanners,
    orchestrators) that expect reverse-DNS, lower-case keys such as
    ``org.opencontainers.image.source``. ``Version`` and ``version`` are two different
    labels, and a key in a reserved namespace may be overwritten or misread by Docker.

    The ``com.docker.desktop.extension.`` and ``com.docker.extension.`` labels that
    Docker documents for extension images are allowed (hadolint flags them).

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL Description="Web frontend" com.docker.team=web
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.description="Web frontend" com.example.team=web
    ```

    ## References
    - hadolint DL3048
    - Docker documentation, "Docker object labels" (key format recommendations)
    """

    code = "DF204"
    name = "invalid-label-key"
    severity = Severity.STYLE
    groups = ("style", "labels")
    targets = (ast.Label,)
    message = "Label key `{key}` {problem}"
    aliases = ("DL3048",)

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Label)
        for pair, key, _ in label_pairs(ctx, node):
            problem = key_problem(key) if key else None
            if problem:
                yield self.report(pair.key.span, key=key, problem=problem)
