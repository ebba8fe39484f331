"""What the runtime and copy rules ask about a stage and its values.

A stage built `FROM` an earlier stage inherits that stage's image config (working
directory, user, shell, entrypoint, command), so several questions walk the chain of
stages up to its root: an external image, whose config dfkit never knows, or `scratch`,
whose config is empty and therefore known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dfkit.lint.context import RuleContext
from dfkit.semantics.model import StageInfo
from dfkit.syntax import ast

_WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:[\\/]")


def lineage(ctx: RuleContext, stage: StageInfo) -> Iterator[StageInfo]:
    """The stage, then the stage it is built on, and so on up to the root."""
    seen: set[int] = set()
    current: StageInfo | None = stage
    while current is not None and current.index not in seen:
        seen.add(current.index)
        yield current
        base = current.base
        current = ctx.semantics.stages[base.stage] if base.kind == "stage" and base.stage is not None else None


def rooted_in_scratch(ctx: RuleContext, stage: StageInfo) -> bool:
    """Whether the chain of stages starts from `scratch`, whose config is empty and known."""
    *_, root = lineage(ctx, stage)
    return root.base.kind == "scratch"


def builds_for_windows(ctx: RuleContext, stage: StageInfo) -> bool:
    """Whether the stage builds a Windows image: a `windows/…` platform, or a base image
    named like Microsoft's (`…/windows/servercore`, `nanoserver`), which is a guess."""
    chain = list(lineage(ctx, stage))
    if any((current.platform or "").lower().startswith("windows") for current in chain):
        return True
    name = chain[-1].base.text.lower()
    return any(marker in name for marker in ("windows", "nanoserver", "servercore"))


def is_absolute(path: str) -> bool:
    """A Linux absolute path, or a Windows one with a drive letter."""
    return path.startswith("/") or _WINDOWS_ABSOLUTE.match(path) is not None


def shell_before(ctx: RuleContext, stage: StageInfo, node: ast.Instruction) -> tuple[str, ...] | None:
    """The SHELL in effect where `node` runs (None: the default `/bin/sh -c`).

    An ONBUILD trigger runs in a later build, after this whole stage: it sees the
    stage's final SHELL.
    """
    if ctx.in_onbuild:
        return stage.shell
    shell = None
    base = stage.base
    if base.kind == "stage" and base.stage is not None:
        shell = ctx.semantics.stages[base.stage].shell
    for instruction in stage.instructions:
        if instruction is node:
            break
        if isinstance(instruction, ast.Shell) and instruction.is_exec and instruction.args:
            shell = tuple(word.value for word in instruction.args)
    return shell


def keyword_like(keyword: ast.Keyword, replacement: str) -> str:
    """`replacement` written in the case style of `keyword` (``add`` -> ``copy``)."""
    if keyword.is_lower:
        return replacement.lower()
    if keyword.is_upper:
        return replacement.upper()
    return replacement.capitalize()


@dataclass(frozen=True)
class PortSpec:
    """One EXPOSE word after expansion, split as BuildKit's `splitParts` does."""

    word: ast.Word  # the word as written
    text: str  # this port after expansion and splitting
    literal: bool  # `text` is exactly what is written at `word.span`
    host_ip: str
    host_port: str
    container_port: str  # with the protocol, `80/tcp`

    @property
    def container_offset(self) -> int:
        """Where the container part starts in `text` (and in the source, when literal)."""
        return len(self.text) - len(self.container_port)


def exposed_ports(ctx: RuleContext, node: ast.Expose) -> Iterator[PortSpec]:
    """Each port an EXPOSE declares, skipping words whose value cannot be known."""
    for word in node.args:
        result = ctx.expansion(node, word.value)
        if result is None or not ctx.knows(node, result):
            continue
        texts = result.words
        literal = len(texts) == 1 and texts[0] == word.value == ctx.text(word.span)
        for text in texts:
            parts = text.split(":")
            if len(parts) == 1:
                host_ip, host_port = "", ""
            elif len(parts) == 2:
                host_ip, host_port = "", parts[0]
            else:
                host_ip, host_port = ":".join(parts[:-2]), parts[-2]
            yield PortSpec(word, text, literal, host_ip, host_port, parts[-1])


def overridden(ctx: RuleContext, kind: type) -> Iterator[tuple[ast.Instruction, ast.Instruction]]:
    """(earlier, later) for each instruction of `kind` that a later one in its stage replaces."""
    for stage in ctx.semantics.stages:
        previous: ast.Instruction | None = None
        for node in stage.instructions:
            if isinstance(node, kind):
                if previous is not None:
                    yield previous, node
                previous = node
