"""DF501 json-args-recommended."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.lint.rules.runtime._common import shell_before
from dfkit.syntax import ast

# A word the shell passes on unchanged: no quoting, expansion, globbing, redirection,
# operator or comment can hide in it.
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_@%+,./:=-]+")
# Words that only mean something to a shell (keywords and builtins with no program).
_SHELL_ONLY = frozenset(
    "if then else elif fi case esac for while until do done in function select time ! { } [[ ]] "
    "cd export source . set unset ulimit umask eval trap read alias wait shift exit return readonly local "
    "declare typeset exec command hash type times getopts break continue".split()
)


class JsonArgsRecommended(Rule):
    """## What it does
    Flags a `CMD` or `ENTRYPOINT` written in shell form (`CMD node server.js`) while no
    `SHELL` instruction is in effect. A command that starts with `exec` is not flagged.

    ## Why is this bad?
    Shell form runs `/bin/sh -c "<command>"`: the shell is PID 1 and the program its
    child. `docker stop` sends SIGTERM to the shell, which does not pass it on; ten
    seconds later the container is killed without a clean shutdown. Shell form also
    turns a `CMD` into arguments of `sh -c` when an `ENTRYPOINT` is set.

    Like BuildKit, a stage that sets `SHELL` (or is built on a stage that did) is not
    flagged: shell form is then a deliberate choice of interpreter. A base image's
    `SHELL` is not known to dfkit. A command that starts with `exec` replaces the shell
    with the program, so signals reach it; BuildKit and hadolint (DL3025) still flag it,
    dfkit does not. hadolint also flags `HEALTHCHECK CMD` in shell form; a health check
    is a short-lived probe that never receives a stop signal, so dfkit does not.

    ## Example
    ```dockerfile
    FROM node:22-alpine
    CMD node server.js
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-alpine
    CMD ["node", "server.js"]
    ```

    ## Fix safety
    Unsafe, and offered only when the command is plain words: no quotes, variables,
    wildcards, redirections, operators or shell keywords. The command then runs without
    a shell, which is the point, but also means an `ENTRYPOINT` receives the words
    themselves instead of `/bin/sh -c "<command>"`.

    ## References
    - BuildKit check JSONArgsRecommended
    - hadolint DL3025
    - Dockerfile reference, "Shell and exec form"
    """

    code = "DF501"
    name = "json-args-recommended"
    severity = Severity.WARNING
    groups = ("best-practice",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Write `{keyword}` in exec form"
    targets = (ast.Cmd, ast.Entrypoint)
    message = "JSON arguments recommended for {keyword} to prevent unintended behavior related to OS signals"
    aliases = ("JSONArgsRecommended", "DL3025")

    def check(self, node: ast.Cmd | ast.Entrypoint, ctx: RuleContext) -> Iterator[Finding]:
        script = node.script
        stage = ctx.stage_of(node)
        if script is None or stage is None or shell_before(ctx, stage, node) is not None:
            return
        words = script.value.split()
        if not words or words[0] == "exec":
            return
        keyword = node.keyword.text
        yield self.report(script.span, fix=self._fix(script, words, ctx, keyword), keyword=keyword)

    def _fix(self, script: ast.Word, words: list[str], ctx: RuleContext, keyword: str) -> Fix | None:
        if ctx.text(script.span) != script.value or words[0] in _SHELL_ONLY or "=" in words[0]:
            return None
        if not all(_PLAIN_WORD.fullmatch(word) for word in words):
            return None
        exec_form = "[" + ", ".join(json.dumps(word) for word in words) + "]"
        return Fix.unsafe(self.fix_text(keyword=keyword), Edit.replace(script.span, exec_form))
