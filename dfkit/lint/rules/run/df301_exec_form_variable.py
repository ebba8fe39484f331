"""DF301 exec-form-variable."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.source import Span
from dfkit.syntax import ast

# `$NAME` or `${NAME…}`, not escaped; `$1`, `$$` and a lone `$` are not variables.
VARIABLE = re.compile(r"(?<![\\$])\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*[^}]*\})")
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "yash"})
POWERSHELLS = frozenset({"pwsh", "powershell"})
_OPTION_WITH_ARGUMENT = frozenset({"-o", "+o", "-O", "+O"})


def _program(word: str) -> str:
    name = re.split(r"[/\\]", word)[-1].lower()
    return name[:-4] if name.endswith(".exe") else name


def expanded_positions(argv: Sequence[str]) -> set[int]:
    """The words of `argv` that a shell it runs will expand: the script of `sh -c` or
    `su -c`, and everything after a PowerShell that is not given `-File`."""
    for index, word in enumerate(argv):
        program = _program(word)
        if program in POWERSHELLS:
            return _powershell_script(argv, index + 1)
        if program in SHELLS:
            return _script_position(argv, index + 1)
        if program == "su":  # `su [options] [user] -c command`: the user's shell runs it
            after = [i + 1 for i in range(index + 1, len(argv) - 1) if argv[i] in ("-c", "--command")]
            return set(after[:1])
    return set()


def _powershell_script(argv: Sequence[str], start: int) -> set[int]:
    """Every word after PowerShell is its command, unless `-File` comes before `-Command`."""
    for option in argv[start:]:
        lowered = option.lower()
        if len(lowered) >= 2 and "-file".startswith(lowered):
            return set()
        if len(lowered) >= 2 and "-command".startswith(lowered):
            break
    return set(range(start, len(argv)))


def _script_position(argv: Sequence[str], start: int) -> set[int]:
    """`sh [options] -c script [name [args…]]`: only `script` is read as shell code."""
    command = False
    i = start
    while i < len(argv) and argv[i].startswith(("-", "+")) and argv[i] not in ("-", "+"):
        option = argv[i]
        i += 1
        if option == "--":
            break
        if option in _OPTION_WITH_ARGUMENT:
            i += 1
        elif not option.startswith("--") and "c" in option[1:]:
            command = True
    return {i} if command and i < len(argv) else set()


def entrypoint_of(node: ast.Instruction, ctx: RuleContext) -> tuple[str, ...]:
    """The exec-form ENTRYPOINT that the image of `node`'s stage runs its CMD with."""
    stage = None if ctx.in_onbuild else ctx.stage_of(node)
    seen: set[int] = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        for step in reversed(stage.steps):
            if isinstance(step.node, ast.Entrypoint):
                return tuple(w.value for w in step.node.args) if step.node.is_exec else ()
        base = stage.base
        stage = ctx.semantics.stages[base.stage] if base.kind == "stage" and base.stage is not None else None
    return ()  # none, or the external base image's (unknown)


def source_offsets(raw: str, value: str) -> list[int] | None:
    """For a JSON string as written (`"a\\u0024b"`), where each character of its value
    starts in `raw` (plus the end); None when `raw` is not exactly that JSON string."""
    try:
        if json.loads(raw) != value:
            return None
    except ValueError:
        return None
    offsets: list[int] = []
    i = 1
    while i < len(raw) - 1:
        offsets.append(i)
        if raw[i] != "\\":
            i += 1
        elif raw[i + 1] != "u":
            i += 2
        elif 0xD800 <= int(raw[i + 2 : i + 6], 16) < 0xDC00 and raw[i + 6 : i + 8] == "\\u":
            i += 12  # a surrogate pair is one character
        else:
            i += 6
    offsets.append(len(raw) - 1)
    return offsets if len(offsets) == len(value) + 1 else None


class ExecFormVariable(Rule):
    """## What it does
    Flags `$NAME` or `${NAME}` in an exec-form (JSON array) `RUN`, `CMD`, `ENTRYPOINT` or
    `HEALTHCHECK CMD`. Exec form runs the program directly, without a shell, and the
    builder does not expand these instructions either: the program receives the
    characters `$NAME`.

    Words that a shell does read are left alone: the script of `sh -c`, `bash -ec` and
    other shells (after wrappers such as `tini --` too), the command of `su -c`, and the
    arguments of a PowerShell not run with `-File`. A `CMD` is read after the stage's
    exec-form `ENTRYPOINT`, as the container runs them: `ENTRYPOINT ["sh", "-c"]` with
    `CMD ["exec app --port $PORT"]` passes. Shell form and heredocs are run by a shell
    and not looked at; neither is `SHELL`.

    ## Why is this bad?
    The program gets a literal `$PORT` (or `${HOME}/data`) instead of the value: a
    server fails to parse its port, a path points nowhere. Nothing warns about it,
    neither the builder nor `docker run`, and no other linter checks it. The mistake is
    easily made when a shell-form `CMD` is turned into exec form, as JSONArgsRecommended
    (DF501) asks.

    A program may expand such text itself (Spring's `${…}` placeholders, an entrypoint
    script using `eval`, a base image whose `ENTRYPOINT` is `sh -c`, which dfkit cannot
    see); silence the finding there.

    ## Example
    ```dockerfile
    FROM python:3.13-slim
    ENV PORT=8000
    CMD ["gunicorn", "--bind", "0.0.0.0:$PORT", "app:app"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.13-slim
    ENV PORT=8000
    CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:$PORT app:app"]
    ```

    ## References
    - Dockerfile reference, "Shell and exec form": "exec form does not invoke a command shell"
    """

    code = "DF301"
    name = "exec-form-variable"
    severity = Severity.WARNING
    groups = ("correctness",)
    targets = (ast.Run, ast.Cmd, ast.Entrypoint, ast.Healthcheck)
    message = "`{variable}` is passed literally: exec form does not expand variables"

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, (ast.Run, ast.Cmd, ast.Entrypoint, ast.Healthcheck))
        if node.form != "exec":
            return
        if isinstance(node, ast.Healthcheck) and (node.type is None or node.type.value.upper() != "CMD"):
            return
        prefix = entrypoint_of(node, ctx) if isinstance(node, ast.Cmd) else ()
        argv = (*prefix, *(word.value for word in node.args))
        expanded = expanded_positions(argv)
        for index, word in enumerate(node.args):
            if len(prefix) + index in expanded:
                continue
            offsets: list[int] | None = None
            for match in VARIABLE.finditer(word.value):
                if offsets is None:
                    offsets = source_offsets(ctx.text(word.span), word.value) or []
                span = word.span
                if offsets:
                    span = Span(start=span.start + offsets[match.start()], end=span.start + offsets[match.end()])
                yield self.report(span, variable=match.group())
