"""DF217 path-overwritten."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.semantics.model import DEFAULT_PATH
from dfkit.syntax import ast

SYSTEM_DIRS = ("/usr/bin", "/bin")
_WINDOWS = re.compile(r"[;\\]|^[A-Za-z]:")


class PathOverwritten(Rule):
    """## What it does
    Flags ``ENV PATH=…`` whose value does not extend ``$PATH`` and so drops directories
    the stage had on it:

    - on an image whose ``PATH`` is unknown (no registry is contacted), when neither
      ``/usr/bin`` nor ``/bin`` remains: every ordinary command is gone;
    - where the previous ``PATH`` is known (a ``scratch``-based stage chain), when a
      directory an earlier ``ENV`` put there is missing. BuildKit's default ``PATH`` on
      ``scratch`` is not counted: there is nothing in those directories.

    A value that depends on an unknown variable, and a Windows ``PATH`` (``;`` or
    ``\\``), are left alone.

    ## Why is this bad?
    ``ENV PATH=/opt/app/bin`` makes every later ``RUN apt-get …``, ``sh -c …`` or
    health check fail with ``not found``, in this image and in every image built on it,
    and hides the tools the base image put on ``PATH`` (``/usr/local/go/bin``…).

    ## Example
    ```dockerfile
    FROM debian:12
    ENV PATH=/opt/app/bin
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    ENV PATH=/opt/app/bin:$PATH
    ```

    ## Fix safety
    Unsafe: appending ``:$PATH`` restores the inherited directories, which is usually
    what was meant, but it changes the value and so which program a name runs. Not
    offered for an empty value or one that ends with the escape character.

    ## References
    - Dockerfile reference, "ENV" and "Environment replacement"
    """

    code = "DF217"
    name = "path-overwritten"
    severity = Severity.WARNING
    groups = ("correctness",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Append `:$PATH`"
    targets = (ast.Env,)
    message = "`ENV PATH` drops {dropped} from the PATH: the value does not extend `$PATH`"

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Env)
        for pair in node.pairs:
            if ctx.known_value(node, pair.key.value) != "PATH":
                continue
            result = ctx.expansion(node, pair.value.value)
            if result is None or "PATH" in result.names or not ctx.knows(node, result):
                continue
            value = result.value
            if _WINDOWS.search(value):
                continue
            dropped = self._dropped(ctx, node, _directories(value))
            if dropped:
                shown = " and ".join(f"`{d}`" for d in dropped) if len(dropped) <= 2 else f"`{dropped[0]}` and others"
                yield self.report(pair.value.span, fix=self._fix(pair, ctx), dropped=shown)

    @staticmethod
    def _dropped(ctx: RuleContext, node: ast.Env, new: list[str]) -> list[str]:
        step = None if ctx.in_onbuild else ctx.step_of(node)
        stage = ctx.stage_of(node) if step is not None else None
        if step is None or stage is None or not stage.env_known:
            return [] if any(d in new for d in SYSTEM_DIRS) else list(SYSTEM_DIRS)
        defaults = _directories(DEFAULT_PATH)
        before = _directories(step.env.get("PATH", ""))
        return [d for d in dict.fromkeys(before) if d not in new and d not in defaults]

    def _fix(self, pair: ast.KeyValue, ctx: RuleContext) -> Fix | None:
        raw = pair.value.value
        if not raw or raw.endswith(ctx.dockerfile.escape):
            return None
        suffix = "$PATH" if raw.rstrip('"').endswith(":") else ":$PATH"
        end = pair.value.span.end
        if raw.endswith('"') and raw.startswith('"') and len(raw) >= 2:
            end -= 1
        return Fix.unsafe(self.fix_text(), Edit.insert(end, suffix))


def _directories(path: str) -> list[str]:
    return [d.rstrip("/") or "/" for d in path.split(":") if d]
