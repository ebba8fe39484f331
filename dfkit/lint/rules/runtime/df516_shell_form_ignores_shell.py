"""DF516 shell-form-ignores-shell."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import shell_before
from dfkit.syntax import ast


class ShellFormIgnoresShell(Rule):
    """## What it does
    Flags a shell-form `CMD` or `ENTRYPOINT` written after a `SHELL` instruction, when
    the image is built with buildah (or podman).

    ## Why is this bad?
    Docker (classic and BuildKit) stores a shell-form `CMD` under the current `SHELL`:
    after `SHELL ["/bin/bash", "-eo", "pipefail", "-c"]`, `CMD run` becomes
    `["/bin/bash", "-eo", "pipefail", "-c", "run"]`. buildah applies `SHELL` to `RUN`
    only and stores `["/bin/sh", "-c", "run"]`: the container starts under another shell,
    without the options, or fails where `/bin/sh` does not exist. Exec form means the
    same everywhere.

    ## Example
    ```dockerfile
    FROM debian:12
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    CMD serve | tee /var/log/app.log
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    CMD ["/bin/bash", "-o", "pipefail", "-c", "serve | tee /var/log/app.log"]
    ```

    ## References
    - ../shared/conformance/docker-builds/shell-forms (real builds with Docker and buildah)
    """

    code = "DF516"
    name = "shell-form-ignores-shell"
    severity = Severity.WARNING
    groups = ("portability",)
    targets = (ast.Cmd, ast.Entrypoint)
    builders = ("buildah",)
    message = "buildah runs this shell-form {keyword} with /bin/sh -c, not the SHELL {shell}"
    doc_case = {"builder": "buildah"}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, (ast.Cmd, ast.Entrypoint))
        if node.form != "shell":
            return
        stage = ctx.stage_of(node)
        if stage is None:
            return
        shell = shell_before(ctx, stage, node)
        if shell is None or list(shell) == ["/bin/sh", "-c"]:
            return
        keyword = node.keyword.text.upper()
        yield self.report(node.keyword.span, keyword=keyword, shell=" ".join(shell))
