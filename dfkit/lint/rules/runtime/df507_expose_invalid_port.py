"""DF507 expose-invalid-port."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import semantic_issues


class ExposeInvalidPort(Rule):
    """## What it does
    Flags an `EXPOSE` word the builder cannot parse as a port: a number above 65535, a
    reversed range (`9000-8000`), a missing port (`/tcp`), or a protocol other than
    `tcp`, `udp` and `sctp`. Words are checked after variable expansion.

    ## Why is this bad?
    The build stops at this instruction (`invalid containerPort: 70000`,
    `invalid proto: http`). hadolint (DL3011) and Trivy (DS008) catch only numbers above
    65535, and only when written out.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80/http
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80/tcp
    ```

    ## References
    - Dockerfile reference, "EXPOSE"
    - hadolint DL3011, Trivy DS008
    """

    code = "DF507"
    name = "expose-invalid-port"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"
    aliases = ("DL3011", "DS008")

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return semantic_issues(self, ctx, frozenset({"invalid-port"}))
