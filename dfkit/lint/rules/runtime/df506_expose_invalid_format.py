"""DF506 expose-invalid-format."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.lint.rules.runtime._common import exposed_ports
from dfkit.semantics.analyze import port_problem
from dfkit.syntax import ast

_PROTOCOLS = frozenset({"", "tcp", "udp", "sctp"})


class ExposeInvalidFormat(Rule):
    """## What it does
    Flags an `EXPOSE` port that carries a host IP or a host port: `8080:80`,
    `127.0.0.1:80:80`.

    ## Why is this bad?
    `EXPOSE` documents which ports the container listens on; publishing, and choosing a
    host address or port, happens at `docker run -p` time. The builder keeps only the
    container port and throws the rest away, so `EXPOSE 8080:80` publishes nothing on
    8080. BuildKit warns and has announced that this will become an error; hadolint
    cannot even parse it.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 8080:80
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80
    ```

    ## Fix safety
    Safe: the fix keeps the container port and protocol, which is all the builder
    records in the image. Offered when the port is written out, not produced by a
    variable.

    ## References
    - BuildKit check ExposeInvalidFormat
    """

    code = "DF506"
    name = "expose-invalid-format"
    severity = Severity.WARNING
    groups = ("correctness",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Keep only the container port `{port}`"
    targets = (ast.Expose,)
    message = "EXPOSE instruction should not define an IP address or host-port mapping, found '{port}'"
    aliases = ("ExposeInvalidFormat",)

    def check(self, node: ast.Expose, ctx: RuleContext) -> Iterator[Finding]:
        for port in exposed_ports(ctx, node):
            if not port.host_ip and not port.host_port:
                continue
            container = port.container_port
            number, _, proto = container.partition("/")
            if not number or proto.lower() not in _PROTOCOLS:
                continue  # BuildKit fails on the protocol before it lints (DF507)
            fix = None
            if port.literal and port_problem(container) is None:
                fix = Fix.safe(self.fix_text(port=container), Edit.replace(port.word.span, container))
            yield self.report(port.word.span, fix=fix, port=port.text)
