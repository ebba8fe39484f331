"""DF604 runs-as-root."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.security._common import image_chain
from dfkit.semantics import Step
from dfkit.semantics.expand import ExpansionError, process
from dfkit.syntax import ast

_ZERO = re.compile(r"0+")


def is_root(user: str) -> bool:
    """`root`, uid 0, with or without a group (`root:root`, `0:0`, `root:wheel`)."""
    name = user.partition(":")[0]
    return name == "root" or _ZERO.fullmatch(name) is not None


def effective_user(ctx: RuleContext) -> Step | None:
    """The USER step that decides who the image runs as, or None if no stage of it sets one."""
    for stage in image_chain(ctx):
        for step in reversed(stage.steps):
            if isinstance(step.node, ast.User) and step.node.value is not None:
                return step
    return None


class RunsAsRoot(Rule):
    """## What it does
    Flags the `USER` instruction that makes the image run as root: the last `USER` of
    the final (or `--target`) stage, or of the stage it is built `FROM` when it sets
    none, naming `root` or uid 0 (`root`, `0`, `root:root`, `0:0`, `root:staff`). The
    value is read after expansion, so `USER $RUNTIME_USER` with `ARG RUNTIME_USER=root`
    fires; a `USER` whose variables are not set is not judged.

    Builder stages are not looked at: hadolint's DL3002 flags the last `USER root` of
    every stage, and so fires on builders whose files never reach the image.

    ## Why is this bad?
    A process running as root in a container is root on the host's kernel: a kernel or
    runtime escape, a writable host mount or a mis-set capability turns into full
    control of the host. Switching back to root at the end of a Dockerfile (after a
    `USER root` to install something) is a common slip.

    ## Example
    ```dockerfile
    FROM python:3.13-slim
    RUN useradd --create-home app
    USER app
    COPY . /home/app
    USER root
    CMD ["python", "/home/app/main.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.13-slim
    RUN useradd --create-home app
    COPY --chown=app . /home/app
    USER app
    CMD ["python", "/home/app/main.py"]
    ```

    ## References
    - hadolint DL3002, Trivy DS002, Checkov CKV_DOCKER_8
    - Docker documentation, "Dockerfile best practices: USER"
    """

    code = "DF604"
    name = "runs-as-root"
    severity = Severity.WARNING
    groups = ("security",)
    message = "`USER {user}` makes the image run as root"
    aliases = ("DL3002", "DS002", "CKV_DOCKER_8")

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        step = effective_user(ctx)
        if step is None:
            return
        node = step.node
        assert isinstance(node, ast.User) and node.value is not None
        word = node.value
        try:
            result = process(word.value, step.env, escape=ctx.dockerfile.escape)
        except ExpansionError:
            return
        if step.knows(result) and is_root(result.value):
            yield self.report(word.span, user=result.value)
