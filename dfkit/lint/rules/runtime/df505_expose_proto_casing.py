"""DF505 expose-proto-casing."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.lint.rules.runtime._common import exposed_ports
from dfkit.source import Span
from dfkit.syntax import ast

_PROTOCOLS = frozenset({"tcp", "udp", "sctp"})


class ExposeProtoCasing(Rule):
    """## What it does
    Flags an `EXPOSE` protocol that is not written in lower case (`8080/TCP`).

    ## Why is this bad?
    The builder accepts any case and stores the protocol in lower case, so nothing
    breaks; but `80/TCP` next to `80/tcp` reads as two different ports, and every
    reference, tool and `docker inspect` output uses lower case.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80/TCP
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80/tcp
    ```

    ## Fix safety
    Safe: the builder lower-cases the protocol anyway, so the image is the same. Offered
    when the protocol is written out, not produced by a variable.

    ## References
    - BuildKit check ExposeProtoCasing
    """

    code = "DF505"
    name = "expose-proto-casing"
    severity = Severity.WARNING
    groups = ("style",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Write the protocol in lower case"
    targets = (ast.Expose,)
    message = "Defined protocol '{port}' in EXPOSE instruction should be lowercase"
    aliases = ("ExposeProtoCasing",)

    def check(self, node: ast.Expose, ctx: RuleContext) -> Iterator[Finding]:
        for port in exposed_ports(ctx, node):
            number, slash, proto = port.container_port.partition("/")
            if not number or not slash or proto.lower() not in _PROTOCOLS or proto == proto.lower():
                continue
            if not port.literal:
                yield self.report(port.word.span, port=port.text)
                continue
            start = port.word.span.start + port.container_offset + len(number) + 1
            span = Span(start=start, end=start + len(proto))
            fix = Fix.safe(self.fix_text(), Edit.replace(span, proto.lower()))
            yield self.report(span, fix=fix, port=port.text)
