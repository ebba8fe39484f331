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
from dfkit.semantics import Step
from dfkit.semantics.expand import Expansion, ExpansionError, process
from dfkit.semantics.model import ArgX, PairsX, StageInfo
from dfkit.source import Span
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


def expansion(ctx: RuleContext, value: str, step: Step | None) -> Expansion | None:
    """How `value` expands before `step`, or None when that cannot be known.

    Unknowable: inside ONBUILD (the trigger runs in some later build), a name the opaque
    base image may define, an ARG declared without a value (or an ENV set from one), or a
    word BuildKit cannot expand at all.
    """
    if step is None and "$" in value:
        return None
    try:
        result = process(value, step.env if step is not None else {}, escape=ctx.dockerfile.escape)
    except ExpansionError:
        return None
    if result.unmatched:
        return None
    if step is not None and result.matched and result.matched & _unknown_names(ctx, step):
        return None
    return result


def _unknown_names(ctx: RuleContext, step: Step) -> set[str]:
    """Names set before `step` whose value derives from something unknowable.

    `ARG VERSION` then `ENV VERSION=$VERSION` gives VERSION an empty value in the
    semantic model, but a real build passes `--build-arg VERSION=…`.
    """
    stage = ctx.stage_of(step.node)
    return _unknown_in(ctx, stage, step) if stage is not None else set()


def _unknown_in(ctx: RuleContext, stage: StageInfo, until: Step | None) -> set[str]:
    base = stage.base
    names: set[str] = set()
    if base.kind == "stage" and base.stage is not None and base.stage < stage.index:
        names = _unknown_in(ctx, ctx.semantics.stages[base.stage], None)
    for step in stage.steps:
        if step is until:
            break
        expanded = step.expanded
        if isinstance(step.node, ast.Env) and isinstance(expanded, PairsX):
            for pair, (key, _) in zip(step.node.pairs, expanded.pairs):
                _mark(names, key, _reads_unknown(ctx, pair.value.value, step, names))
        elif isinstance(expanded, ArgX):
            for binding in expanded.bindings:
                default = binding.word.value.partition("=")[2] if binding.word is not None else ""
                unknown = binding.source == "default" and _reads_unknown(ctx, default, step, names)
                _mark(names, binding.name, unknown)
    return names


def _reads_unknown(ctx: RuleContext, value: str, step: Step, unknown: set[str]) -> bool:
    try:
        result = process(value, step.env, escape=ctx.dockerfile.escape)
    except ExpansionError:
        return True
    return bool(result.unmatched or result.matched & unknown)


def _mark(names: set[str], name: str, unknown: bool) -> None:
    if unknown:
        names.add(name)
    else:
        names.discard(name)


def known_value(ctx: RuleContext, word: ast.Word, step: Step | None) -> str | None:
    """The expanded value of `word`, or None when it cannot be known (see `expansion`)."""
    result = expansion(ctx, word.value, step)
    return result.value if result is not None else None


def from_build_arg(result: Expansion, step: Step | None) -> bool:
    """Whether the expansion read a build argument (which `--build-arg` can change)."""
    if step is None:
        return False
    args = {binding.name for binding in step.args}
    return bool(result.matched & args)


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
    step = ctx.step_of(node)
    for word in node.args:
        result = expansion(ctx, word.value, step)
        if result is None:
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


def issues_on_known_values(ctx: RuleContext, code: str) -> Iterator[tuple[Span, str]]:
    """Where and what: the semantic issues `code` raised on words whose value is known.

    An issue computed from an ARG declared without a value (or a name the base image may
    set) describes a build that `--build-arg` changes: `STOPSIGNAL $SIGNAL` is only
    invalid when nobody passes SIGNAL.
    """
    words: dict[tuple[int, int], tuple[ast.Word, Step]] = {}
    for stage in ctx.semantics.stages:
        for step in stage.steps:
            node = step.node
            for word in (*getattr(node, "args", ()), getattr(node, "value", None)):
                if isinstance(word, ast.Word):
                    words[(word.span.start, word.span.end)] = (word, step)
    for issue in ctx.semantics.issues:
        if issue.code != code or issue.span is None:
            continue
        found = words.get((issue.span.start, issue.span.end))
        if found is None or expansion(ctx, found[0].value, found[1]) is not None:
            yield issue.span, issue.message
