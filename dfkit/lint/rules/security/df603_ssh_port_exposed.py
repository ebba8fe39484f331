"""DF603 ssh-port-exposed."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.security._common import in_image
from dfkit.syntax import ast

SSH_PORT = 22
_RANGE = re.compile(r"([0-9]+)(?:-([0-9]+))?")


def exposes_ssh(spec: str) -> bool:
    """Whether one EXPOSE port spec (`22`, `22/tcp`, `20-30`, `2222:22`) covers 22/tcp."""
    port, _, protocol = spec.partition("/")
    if protocol and protocol.lower() != "tcp":
        return False
    container = port.rpartition(":")[2]  # `host:container` (BuildKit warns, then uses the container port)
    match = _RANGE.fullmatch(container)
    if match is None:
        return False
    start = int(match.group(1))
    return start <= SSH_PORT <= int(match.group(2) or start)


class SshPortExposed(Rule):
    """## What it does
    Flags an `EXPOSE` of the image that covers port 22/tcp, SSH's port, as a single port,
    a range (`EXPOSE 20-30`) or through a variable (`EXPOSE $PORT` with `ARG PORT=22`).
    Only the final (or `--target`) stage and the stages it is built `FROM` count: an
    `EXPOSE` in a builder stage never reaches the image.

    ## Why is this bad?
    An SSH daemon in a container is a second way in, with its own keys and passwords to
    manage, for something `docker exec` does without opening a port. It also makes the
    container run two processes. Exposing 22 usually means one of these is planned.

    Images whose purpose is SSH (an SFTP server, a Git host) are the exception: silence
    the rule for them.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends openssh-server
    EXPOSE 22
    CMD ["/usr/sbin/sshd", "-D"]
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    EXPOSE 8080
    CMD ["/app/server"]
    ```

    ## References
    - Trivy DS004, Checkov CKV_DOCKER_1 (which match the literal words `22`, `22/tcp`, `22/udp` only)
    """

    code = "DF603"
    name = "ssh-port-exposed"
    severity = Severity.INFO
    groups = ("security",)
    targets = (ast.Expose,)
    message = "`{port}` exposes port 22, the SSH port"
    aliases = ("DS004", "CKV_DOCKER_1")

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Expose)
        if not in_image(node, ctx):
            return
        for word in node.args:
            result = ctx.expansion(node, word.value)
            if result is None or not ctx.knows(node, result):
                continue
            for spec in result.words:
                if exposes_ssh(spec):
                    yield self.report(word.span, port=spec)
                    break
