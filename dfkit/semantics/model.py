"""What the semantic pass computes, once per file, for the linter and the planner.

Plain frozen dataclasses: this is derived data, rebuilt on every run and never
serialised, so it does not pay for pydantic validation.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Literal

from dfkit.semantics.expand import Expansion
from dfkit.semantics.reference import ImageRef
from dfkit.source import Span
from dfkit.syntax import ast
from dfkit.syntax.mounts import Mount

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_WINDOWS_PATH = "c:\\Windows\\System32;c:\\Windows"

ArgSource = Literal["build-arg", "default", "global", "unset"]


def knowable(expansion: Expansion, unknown: Set[str], env_known: bool = True) -> bool:
    """Whether `expansion` gives the value a real build gives, where the names in `unknown`
    have values a lint cannot know and, unless `env_known`, the base image may set any
    name the file does not (even one whose `${NAME:-default}` gave the default)."""
    return not (expansion.depends_on & unknown) and (env_known or not expansion.unmatched)


@dataclass(frozen=True, slots=True)
class ArgBinding:
    """One build argument in scope: where its value came from, and that value."""

    name: str
    value: str | None  # None: no value anywhere (expands to ""), or a global default that fails to expand
    source: ArgSource
    node: ast.Arg | None = None  # the declaring instruction (None for automatic args)
    word: ast.Word | None = None
    known: bool = True  # False: `--build-arg` decides the value (see `Step.unknown`)


@dataclass(frozen=True, slots=True)
class Issue:
    """A semantic problem, as data for the linter.

    `code` is stable: undefined-var, undefined-arg-in-from, invalid-default-arg-in-from,
    unused-arg, unused-build-arg, expansion-error, blank-base-name, invalid-base-reference,
    blank-platform, invalid-platform, invalid-port, invalid-signal, invalid-chmod,
    invalid-checksum, invalid-mount, copy-source-url, copy-from-later-stage,
    circular-dependency, invalid-stage-index, unknown-target, no-stages.
    """

    code: str
    message: str
    span: Span | None
    severity: Literal["error", "warning"] = "warning"
    name: str | None = None  # the variable, argument or stage concerned
    suggestion: str | None = None
    stage: int | None = None


# -- what each instruction expands to -------------------------------------------------


@dataclass(frozen=True, slots=True)
class FromX:
    image: str
    platform: str | None


@dataclass(frozen=True, slots=True)
class PairsX:  # ENV and LABEL
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ArgX:
    bindings: tuple[ArgBinding, ...]


@dataclass(frozen=True, slots=True)
class WorkdirX:
    path: str  # as expanded
    resolved: str  # absolute, against the working directory before


@dataclass(frozen=True, slots=True)
class ValueX:  # USER, STOPSIGNAL
    value: str


@dataclass(frozen=True, slots=True)
class ListX:  # VOLUME paths, EXPOSE words
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CopyX:
    sources: tuple[str, ...]
    dest: str
    dest_resolved: str  # absolute, against the working directory (a trailing / kept)
    chown: str | None
    chmod: str | None
    checksum: str | None
    source_stage: int | None  # COPY --from=<stage>
    source_image: str | None  # COPY --from=<image or named context>
    heredocs: tuple[str, ...]  # inline file contents, expanded when the delimiter was bare
    link: bool
    parents: bool
    excludes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunX:
    mounts: tuple[Mount, ...]
    mount_stages: tuple[int | None, ...]  # the stage each mount's from= names (None: image/context)


Expanded = FromX | PairsX | ArgX | WorkdirX | ValueX | ListX | CopyX | RunX


@dataclass(frozen=True, slots=True)
class Step:
    """One instruction as the builder dispatches it in a stage."""

    node: ast.Instruction  # for an ONBUILD trigger run in a child, the trigger itself
    env: Mapping[str, str]  # the expansion environment before the step (ENV and ARG values)
    args: tuple[ArgBinding, ...]  # build arguments in scope before the step
    workdir: str  # working directory before the step ("" if never set)
    expanded: Expanded | None  # None for instructions the builder does not expand
    onbuild_from: int | None = None  # the stage whose ONBUILD produced this step
    names: frozenset[str] = frozenset()  # the variables the step's expansions looked up
    # Names whose value before the step a lint cannot know: an ARG without a value (a
    # build gets it from `--build-arg`, or expands it to ""), an ARG default that fails
    # to expand, and every ARG or ENV computed from such a name or from one the base
    # image may set (see `env_known`).
    unknown: frozenset[str] = frozenset()
    env_known: bool = True  # False on an external base image, whose ENV may set any other name

    def knows(self, expansion: Expansion) -> bool:
        """Whether `expansion`, of a word in `env`, gives the value a real build gives."""
        return knowable(expansion, self.unknown, self.env_known)


@dataclass(frozen=True, slots=True)
class Base:
    kind: Literal["scratch", "stage", "image"]
    text: str  # the base name after expansion
    stage: int | None = None
    image: ImageRef | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """A dependency of one stage on another stage or on an image."""

    kind: Literal["from", "copy", "mount"]
    node: ast.Instruction
    stage: int | None  # the stage depended on, or None for an external image/context
    name: str  # as written (an index, a stage name or an image)


@dataclass(frozen=True, slots=True)
class StageInfo:
    index: int
    name: str | None  # lower case, as BuildKit stores it
    node: ast.From
    base: Base
    platform: str | None
    instructions: tuple[ast.Instruction, ...]  # the stage's own instructions, FROM excluded
    steps: tuple[Step, ...] = ()
    edges: tuple[Edge, ...] = ()
    env_known: bool = True  # False when built on an external image (its ENV is unknown)
    final_env: Mapping[str, str] = field(default_factory=dict)  # expansion env at the end
    image_env: tuple[tuple[str, str], ...] = ()  # the image's ENV at the end (known part)
    workdir: str = ""
    user: str = ""
    shell: tuple[str, ...] | None = None
    args: tuple[ArgBinding, ...] = ()  # build arguments in scope at the end
    unknown: frozenset[str] = frozenset()  # names whose value at the end is unknown (`Step.unknown`)

    @property
    def display_name(self) -> str:
        return self.name or f"stage-{self.index}"


@dataclass(frozen=True, slots=True)
class Semantics:
    dockerfile: ast.Dockerfile
    global_args: tuple[ArgBinding, ...]  # the ARGs before the first FROM, resolved
    global_env: Mapping[str, str]  # what FROM lines see: automatic platform args + global ARGs
    global_unknown: frozenset[str]  # the global ARGs whose value is unknown (`Step.unknown`)
    stages: tuple[StageInfo, ...]
    target: int | None  # index of the target stage (None when there is no stage / unknown)
    needed: frozenset[int]  # the stages the target needs
    issues: tuple[Issue, ...]
    build_args: Mapping[str, str]
    platform: str
    build_platform: str

    def stage_by_name(self, name: str) -> StageInfo | None:
        wanted = name.lower()
        for stage in self.stages:
            if stage.name == wanted:
                return stage
        return None

    def stage_of(self, node: ast.Instruction) -> StageInfo | None:
        """The stage an instruction (by identity of its span) belongs to."""
        for stage in self.stages:
            if stage.node.span.start <= node.span.start and (
                not stage.instructions or node.span.start <= stage.instructions[-1].span.start
            ):
                if node is stage.node or any(i is node for i in stage.instructions):
                    return stage
        return None
