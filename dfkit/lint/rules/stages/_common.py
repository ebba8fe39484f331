"""What the stages rules share: stage names, image references, and where in the text a
``--from`` value or a mount's ``from=`` sits (for precise spans and fixes).

References to other stages or images come in three forms: the image word of ``FROM``,
``COPY --from=<x>``, and ``RUN --mount=…,from=<x>``. BuildKit resolves the last two
case-insensitively against every stage name (an unknown name is an image or a named
build context); ``FROM`` compares its expanded word, exactly, with the lower-cased names
of the stages defined before it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from dfkit.lint.context import RuleContext
from dfkit.semantics import ImageRef, ReferenceError, StageInfo, parse_reference
from dfkit.source import Span
from dfkit.syntax import ast
from dfkit.syntax.mounts import MountError, parse_mount
from dfkit.syntax.text import go_lower

# BuildKit's `parseBuildStageName`, applied to the lower-cased name.
STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*\Z")
RESERVED_STAGE_NAMES = ("context", "scratch")
DOCKER_HUB_ALIASES = ("docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com")
_STAGE_INDEX = re.compile(r"[+-]?[0-9]+\Z")


def valid_stage_name(name: str) -> bool:
    return STAGE_NAME.match(go_lower(name)) is not None


def is_stage_index(value: str) -> bool:
    return _STAGE_INDEX.match(value) is not None


def is_bare_name(value: str) -> bool:
    """A word that could be a stage name: no registry, path, tag or digest."""
    return valid_stage_name(value) and not any(ch in value for ch in "/:@")


def image_ref(text: str) -> ImageRef | None:
    try:
        return parse_reference(text)
    except ReferenceError:
        return None


def normalize_registry(domain: str) -> str:
    domain = domain.lower()
    return "docker.io" if domain in DOCKER_HUB_ALIASES else domain


def registry_allowed(domain: str, patterns: Sequence[str]) -> bool:
    registry = normalize_registry(domain)
    return any(fnmatch.fnmatchcase(registry, normalize_registry(pattern)) for pattern in patterns)


def scratch_rooted(stage: StageInfo, stages: Sequence[StageInfo]) -> bool:
    """The stage's chain of FROM <stage> ends at `scratch`."""
    return _bottom(stage, stages).base.kind == "scratch"


def root_image(stage: StageInfo, stages: Sequence[StageInfo]) -> ImageRef | None:
    """The external image at the bottom of the stage's chain of FROM <stage>."""
    return _bottom(stage, stages).base.image


def _bottom(stage: StageInfo, stages: Sequence[StageInfo]) -> StageInfo:
    seen: set[int] = set()
    while stage.base.kind == "stage" and stage.base.stage is not None and stage.index not in seen:
        seen.add(stage.index)
        stage = stages[stage.base.stage]
    return stage


def unused_stages(ctx: RuleContext) -> Iterator[StageInfo]:
    """Stages other than the last (and the --target) that no other stage depends on."""
    stages = ctx.semantics.stages
    used = {edge.stage for stage in stages for edge in stage.edges if edge.stage not in (None, stage.index)}
    for stage in stages[:-1]:
        if stage.index not in used and stage.index != ctx.semantics.target:
            yield stage


def nearest(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate a typo most likely meant, compared without regard to case: at most
    2 edits away (1 for names of 3 or 4 characters, none for shorter ones), swapping two
    neighbours counting as one edit. None when there is no such candidate, when two are
    equally close, or when `name` is one of them."""
    wanted = go_lower(name)
    allowed = 2 if len(wanted) >= 5 else 1 if len(wanted) >= 3 else 0
    best: list[str] = []
    best_distance = allowed + 1
    for candidate in dict.fromkeys(candidates):
        distance = _edit_distance(wanted, go_lower(candidate))
        if distance == 0:
            return None
        if distance < best_distance:
            best, best_distance = [candidate], distance
        elif distance == best_distance <= allowed:
            best.append(candidate)
    return best[0] if len(best) == 1 else None


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


# -- where values sit in the text --------------------------------------------------------


def flag_value_span(ctx: RuleContext, flag: ast.Flag) -> Span | None:
    """The span of ``x`` in ``--name=x``, when the flag is written plainly (no quotes,
    escapes or line continuation inside it)."""
    if flag.value is None or ctx.text(flag.span) != flag.text:
        return None
    return Span(start=flag.span.end - len(flag.value), end=flag.span.end)


def mount_from_span(ctx: RuleContext, flag: ast.Flag) -> Span | None:
    """The span of the value of a mount's ``from=`` field, when written plainly."""
    if flag.value is None or ctx.text(flag.span) != flag.text or '"' in flag.value:
        return None
    found = None
    offset = flag.span.end - len(flag.value)
    for field in flag.value.split(","):
        key, eq, value = field.partition("=")
        if eq and key.lower() == "from":  # the last one wins, as in BuildKit
            start = offset + len(key) + 1
            found = Span(start=start, end=start + len(value))
        offset += len(field) + 1
    return found


@dataclass(frozen=True)
class Source:
    """One ``COPY --from`` or mount ``from=`` value, where it is written."""

    node: ast.Copy | ast.Run
    kind: str  # "copy" or "mount"
    value: str  # as written
    flag: ast.Flag
    span: Span  # the value when it can be located exactly, else the whole flag
    exact: bool  # `span` is exactly the value (safe to replace)


def sources(ctx: RuleContext, node: ast.Instruction) -> Iterator[Source]:
    """The other stages, images or contexts an instruction reads from."""
    if isinstance(node, ast.Copy):
        flag = node.flag("from")
        if flag is not None and flag.value:
            span = flag_value_span(ctx, flag)
            yield Source(node, "copy", flag.value, flag, span or flag.span, span is not None)
    elif isinstance(node, ast.Run):
        for flag in node.flags_named("mount"):
            try:
                mount = parse_mount(flag.value or "")
            except MountError:
                continue
            if mount.from_:
                span = mount_from_span(ctx, flag)
                yield Source(node, "mount", mount.from_, flag, span or flag.span, span is not None)


def source_of(ctx: RuleContext, node: ast.Instruction, kind: str, value: str) -> Source | None:
    """The written form of one semantic edge (its instruction, kind and name)."""
    return next((s for s in sources(ctx, node) if s.kind == kind and s.value == value), None)


def all_instructions(dockerfile: ast.Dockerfile) -> Iterator[ast.Instruction]:
    """Every instruction in file order, the trigger of each ONBUILD right after it."""
    for node in dockerfile.instructions:
        yield node
        trigger = getattr(node, "trigger", None)
        if trigger is not None:
            yield trigger

