"""DF517 expose-kept-as-written."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.syntax import ast

_RANGE_OR_CASE = re.compile(r"^(?:[^/]*-[^/]*(?:/.*)?|[^/]*/.*[A-Z].*)$")


class ExposeKeptAsWritten(Rule):
    """## What it does
    Flags an `EXPOSE` port range (`1000-1002/udp`) or an upper-case protocol (`53/UDP`)
    when the image is built with buildah (or podman).

    ## Why is this bad?
    Docker expands a range into one exposed port each and lower-cases the protocol:
    `1000-1002/udp` becomes `1000/udp`, `1001/udp`, `1002/udp`. buildah stores the word
    as written, `1000-1002/udp` and `53/UDP`, keys that tools reading the image config
    (`docker run -P`, orchestrators, scanners) do not understand as ports. List the ports
    one by one, in lower case, to get the same image from every builder.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    EXPOSE 1000-1002/udp
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    EXPOSE 1000/udp 1001/udp 1002/udp
    ```

    ## References
    - ../shared/conformance/docker-builds/expose-forms (real builds with Docker and buildah)
    """

    code = "DF517"
    name = "expose-kept-as-written"
    severity = Severity.INFO
    groups = ("portability",)
    targets = (ast.Expose,)
    builders = ("buildah",)
    message = "buildah stores `{port}` as written; Docker stores {docker}"
    doc_case = {"builder": "buildah"}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        from dfkit.plan.builders import BUILDERS
        from dfkit.plan.planner import exposed_ports

        assert isinstance(node, ast.Expose)
        for word in node.args:
            value = ctx.known_value(node, word.value)
            if value is None:
                continue
            for port in value.split():
                if _RANGE_OR_CASE.match(port) and ":" not in port:
                    docker = ", ".join(exposed_ports([port], BUILDERS["buildkit"]))
                    yield self.report(word.span, port=port, docker=docker)
