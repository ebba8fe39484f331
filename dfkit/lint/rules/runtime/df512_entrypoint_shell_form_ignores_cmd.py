"""DF512 entrypoint-shell-form-ignores-cmd."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import lineage, shell_before
from dfkit.semantics.model import StageInfo
from dfkit.syntax import ast

# "$@", "$*", "$1", "${1}", "$#": the script reads the arguments it is given.
_POSITIONAL = re.compile(r"\$\{?[@*#0-9]")


class EntrypointShellFormIgnoresCmd(Rule):
    """## What it does
    Flags a `CMD` that has no effect because the `ENTRYPOINT` in force is in shell form,
    whether that `ENTRYPOINT` is in the same stage or in the stage it is built on.

    ## Why is this bad?
    A shell-form `ENTRYPOINT app --serve` runs `/bin/sh -c "app --serve"`, and the
    `CMD` words are appended after that string, where the shell takes them as `$0`,
    `$1`… of a script that never reads them. The `CMD`, and any arguments given to
    `docker run`, are silently dropped. Write the `ENTRYPOINT` in exec form
    (json-args-recommended, DF501, offers that), or move the whole command into it.

    Not flagged: an `ENTRYPOINT` script that reads its arguments (`"$@"`, `$1`…), and a
    `SHELL` that is not a POSIX shell run with `-c` (`cmd /S /C` and PowerShell do pass
    extra arguments on). An `ENTRYPOINT` resets the `CMD` inherited from the base image,
    so only a `CMD` written after the base is judged. No other linter checks this.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    ENTRYPOINT python -m app
    CMD ["--port", "8080"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    ENTRYPOINT ["python", "-m", "app"]
    CMD ["--port", "8080"]
    ```

    ## References
    - Dockerfile reference, "Understand how CMD and ENTRYPOINT interact"
    """

    code = "DF512"
    name = "entrypoint-shell-form-ignores-cmd"
    severity = Severity.WARNING
    groups = ("correctness",)
    message = "CMD is ignored: the shell-form ENTRYPOINT on line {line} does not pass it on"

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        for stage in ctx.semantics.stages:
            cmds = [node for node in stage.instructions if isinstance(node, ast.Cmd)]
            if not cmds:
                continue
            entrypoint = self._entrypoint(ctx, stage)
            if entrypoint is not None and self._drops_arguments(ctx, entrypoint):
                line = ctx.source.position(entrypoint.span.start).line
                yield self.report(cmds[-1].span, line=line)

    @staticmethod
    def _entrypoint(ctx: RuleContext, stage: StageInfo) -> ast.Entrypoint | None:
        """The ENTRYPOINT in force at the end of the stage (None: unknown or unset)."""
        for current in lineage(ctx, stage):
            own = [node for node in current.instructions if isinstance(node, ast.Entrypoint)]
            if own:
                return own[-1]
        return None

    @staticmethod
    def _drops_arguments(ctx: RuleContext, node: ast.Entrypoint) -> bool:
        script = node.script
        stage = ctx.stage_of(node)
        if script is None or stage is None or _POSITIONAL.search(script.value):
            return False
        shell = shell_before(ctx, stage, node)
        # a POSIX shell given the script with -c (also -ec, -xc): extra words become $0, $1…
        return shell is None or (shell[-1].startswith("-") and shell[-1].endswith("c"))
