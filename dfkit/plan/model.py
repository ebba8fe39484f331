"""The plan: what a build will do, step by step, and the image it will make.

A frozen pydantic IR, serialised as `dfkit plan --format json` (schema: `dfkit schema
plan`) and handed to the build backend. The image part has Docker's image-config shape
(`Env`, `Cmd`, `ExposedPorts`, ... with Docker's capitalised keys), so it compares
directly with `docker image inspect` and `buildah inspect`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

PLAN_VERSION = 1
BuilderName = Literal["buildkit", "classic", "buildah"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True)


class HealthConfig(_Model):
    """Docker's HealthConfig: durations in nanoseconds, zero values left out."""

    Test: list[str]
    Interval: int | None = None
    Timeout: int | None = None
    StartPeriod: int | None = None
    StartInterval: int | None = None
    Retries: int | None = None

    @model_serializer(mode="wrap")
    def _omit_zero(self, handler: Any) -> dict[str, Any]:
        # Docker's fields are `omitempty`: a zero duration is not written at all.
        return {key: value for key, value in handler(self).items() if value is not None}


class ImageConfig(_Model):
    """The image configuration, as the builder stores it (its own empty values included)."""

    Env: list[str] | None = None
    Cmd: list[str] | None = None
    Entrypoint: list[str] | None = None
    WorkingDir: str = ""
    User: str = ""
    ExposedPorts: dict[str, dict[str, Any]] | None = None
    Volumes: dict[str, dict[str, Any]] | None = None
    Labels: dict[str, str] | None = None
    StopSignal: str | None = None
    Healthcheck: HealthConfig | None = None
    Shell: list[str] | None = None
    OnBuild: list[str] | None = None


class HistoryEntry(_Model):
    instruction: str  # the Dockerfile keyword that made the entry
    created_by: str
    empty_layer: bool


class Image(_Model):
    """The image a stage ends with."""

    author: str | None = None
    config: ImageConfig
    history: list[HistoryEntry]
    layers: int  # filesystem layers (of the known part)
    # False when the stage is built on an external image: its config, history and
    # layers are unknown, and what is shown is only what this Dockerfile adds.
    base_known: bool = True
    base_image: str | None = None


class SourcePlan(_Model):
    """What one COPY/ADD source selects from the context (or another stage)."""

    source: str  # as expanded
    kind: Literal["context", "stage", "image", "url", "git", "heredoc"]
    files: int = 0  # entries selected (context only)
    digest: str | None = None  # content digest of the selection (context, heredoc)
    missing: bool = False
    extracted: bool = False  # ADD of a local archive: unpacked into the destination


class MountSpec(_Model):
    """A RUN --mount, resolved: a stage's image, the context, a cache, a secret, a tmpfs."""

    type: Literal["bind", "cache", "tmpfs", "secret", "ssh"]
    target: str
    source: str = ""
    from_stage: int | None = None  # bind/cache from another stage's result
    from_image: str | None = None
    readonly: bool = True
    id: str = ""
    sharing: str = ""
    required: bool = False
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    size: str = ""
    env: str = ""


class RunSpec(_Model):
    """What a RUN executes: the argv, in the environment the step sees."""

    argv: list[str]  # the shell and the command (shell form), or the exec-form words
    env: dict[str, str]  # the image's Env plus the build args in scope (args never reach the image)
    workdir: str
    user: str
    mounts: list[MountSpec] = Field(default_factory=list)
    network: str | None = None
    security: str | None = None
    # RUN <<EOF with a shebang: the body is written to a file and executed, as BuildKit does
    script: str | None = None


class SourceSpec(_Model):
    kind: Literal["context", "stage", "image", "url", "git", "heredoc"]
    path: str  # the source as expanded (a path, a URL, or the heredoc's name)
    stage: int | None = None
    image: str | None = None
    content: str | None = None  # a heredoc's body


class CopySpec(_Model):
    """What a COPY or ADD puts where."""

    add: bool
    sources: list[SourceSpec]
    dest: str  # absolute, a trailing / kept
    chown: str | None = None
    chmod: str | None = None
    checksum: str | None = None
    link: bool = False
    parents: bool = False
    excludes: list[str] = Field(default_factory=list)


class StepPlan(_Model):
    index: int  # within the stage (ONBUILD triggers from a base stage come first)
    line: int
    end_line: int
    instruction: str  # the keyword (upper case); for a trigger, the trigger's keyword
    original: str  # the instruction as BuildKit's parser reads it (continuations joined)
    expanded: str | None = None  # the values the builder uses, when it expands any
    onbuild_from: str | None = None  # the base stage whose ONBUILD trigger this is
    creates_layer: bool  # RUN, COPY, ADD (and WORKDIR for some builders) commit a layer
    history: HistoryEntry | None  # the entry the builder records (None: no entry)
    build_args: dict[str, str] = Field(default_factory=dict)  # the ARGs in scope (RUN sees them)
    sources: list[SourcePlan] = Field(default_factory=list)
    cache_key: str
    reproducible: bool = True  # False: the step's result can change with nothing changed here
    notes: list[str] = Field(default_factory=list)
    # What a backend executes: RUN, COPY/ADD, or WORKDIR's directory (config-only steps
    # need nothing: the image's config is `StagePlan.image`).
    run: RunSpec | None = None
    copy_spec: CopySpec | None = Field(default=None, alias="copy")
    workdir: str | None = None


class BasePlan(_Model):
    kind: Literal["scratch", "stage", "image"]
    name: str  # scratch, the stage's name, or the image reference as expanded
    stage: int | None = None
    platform: str | None = None


class StagePlan(_Model):
    index: int
    name: str | None
    line: int
    base: BasePlan
    needed: bool  # False: --target does not need it, so it is skipped (never planned)
    depends_on: list[int] = Field(default_factory=list)
    steps: list[StepPlan] = Field(default_factory=list)
    image: Image | None = None  # None for a skipped stage


class Edge(_Model):
    source: int  # the stage depended on
    target: int  # the stage that depends on it
    kind: Literal["from", "copy", "mount"]
    line: int


class Graph(_Model):
    edges: list[Edge]
    levels: list[list[int]]  # stages that can run concurrently, in dependency order
    critical_path: list[int]  # the longest chain of dependent stages, counted in layers


class PlanIssue(_Model):
    code: str
    severity: Literal["error", "warning"]
    message: str
    line: int | None = None
    column: int | None = None


class BuildPlan(_Model):
    version: int = PLAN_VERSION
    file: str
    builder: BuilderName
    platform: str
    target: str | None  # the target stage's name (or index), None when there is none
    target_index: int | None
    build_args: dict[str, str]
    stages: list[StagePlan]
    image: Image | None  # the image of the target stage
    graph: Graph
    issues: list[PlanIssue] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)  # --changed paths
    invalidated: list[tuple[int, int]] = Field(default_factory=list)  # (stage, step) a change rebuilds

    @property
    def ok(self) -> bool:
        return not any(issue.severity == "error" for issue in self.issues)
