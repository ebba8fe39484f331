"""The run-commit-run loop, simulated: from a Dockerfile to the plan of its build.

A builder builds a stage by starting a container from the current image, executing
one instruction, committing the change as a new image, and starting the next
container from that commit. `plan()` follows the same loop over the semantic pass's
steps (values expanded as the builder expands them): per step, whether it commits a
filesystem layer or only changes the configuration, the history entry the builder
writes, the build args it sees and its cache key; per stage, the image it ends with.

Everything that depends on the builder comes from its profile (`builders.py`).
External base images are opaque: what they contain is never guessed.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dfkit.plan import model as m
from dfkit.plan.builders import (
    DEFAULT_SHELL,
    Builder,
    builder as builder_profile,
    go_healthcheck,
    go_list_q,
    go_list_v,
    go_ports_map,
)
from dfkit.semantics import DEFAULT_PATH, analyze
from dfkit.semantics import model as sm
from dfkit.syntax import ast, original_lines
from dfkit.syntax.values import GoValueError, parse_go_duration, parse_go_int

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst")


# -- the image while a stage is being built -----------------------------------------------


@dataclass
class ImageState:
    """The image between two steps: its config, history and what is known of its files."""

    author: str | None = None
    env: dict[str, str] = field(default_factory=dict)  # insertion-ordered, as Docker keeps Env
    cmd: list[str] | None = None
    entrypoint: list[str] | None = None
    workdir: str = ""
    user: str = ""
    ports: dict[str, None] = field(default_factory=dict)
    volumes: dict[str, None] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    stopsignal: str | None = None
    healthcheck: m.HealthConfig | None = None
    shell: list[str] | None = None
    onbuild: list[str] = field(default_factory=list)
    history: list[m.HistoryEntry] = field(default_factory=list)
    layers: int = 0
    base_known: bool = True
    base_image: str | None = None
    # Directories known to exist, for the classic builder's WORKDIR; `dirs_certain` is
    # False once a RUN (or an opaque base) may have created any directory.
    dirs: set[str] = field(default_factory=lambda: {"/"})
    dirs_certain: bool = True
    workdir_set: bool = False
    cmd_set: bool = False  # a CMD in the current stage (ENTRYPOINT then keeps it)

    @classmethod
    def scratch(cls) -> "ImageState":
        return cls(env={"PATH": DEFAULT_PATH})

    @classmethod
    def external(cls, reference: str) -> "ImageState":
        return cls(base_known=False, base_image=reference, dirs_certain=False)

    def child(self) -> "ImageState":
        """The state a stage built FROM this one starts with."""
        return replace(
            self,
            env=dict(self.env),
            cmd=list(self.cmd) if self.cmd is not None else None,
            entrypoint=list(self.entrypoint) if self.entrypoint is not None else None,
            ports=dict(self.ports),
            volumes=dict(self.volumes),
            labels=dict(self.labels),
            shell=list(self.shell) if self.shell is not None else None,
            onbuild=list(self.onbuild),
            history=list(self.history),
            dirs=set(self.dirs),
            cmd_set=False,
        )

    @property
    def current_shell(self) -> list[str]:
        return list(self.shell) if self.shell else list(DEFAULT_SHELL)

    def image(self, builder: Builder) -> m.Image:
        empty = builder.empty

        def or_empty(name: str, value: Any) -> Any:
            return value if value else empty.get(name)

        workdir = self.workdir
        if not workdir and self.base_known and not self.workdir_set:
            workdir = builder.default_workdir
        config = m.ImageConfig(
            Env=[f"{k}={v}" for k, v in self.env.items()] or None,
            Cmd=or_empty("Cmd", self.cmd),
            Entrypoint=or_empty("Entrypoint", self.entrypoint),
            WorkingDir=workdir,
            User=self.user,
            ExposedPorts={port: {} for port in self.ports} or empty.get("ExposedPorts"),
            Volumes={path: {} for path in self.volumes} or empty.get("Volumes"),
            Labels=dict(self.labels) or empty.get("Labels"),
            StopSignal=self.stopsignal,
            Healthcheck=self.healthcheck,
            Shell=list(self.shell) if self.shell else None,
            OnBuild=list(self.onbuild) or empty.get("OnBuild"),
        )
        return m.Image(
            author=self.author,
            config=config,
            history=list(self.history),
            layers=self.layers,
            base_known=self.base_known,
            base_image=self.base_image,
        )


# -- inputs the planner needs besides the Dockerfile --------------------------------------


class SourceDigester:
    """What the planner asks of the build context (implemented by `ContextHasher`)."""

    def digest(self, sources: Sequence[str], *, excludes: Sequence[str] = ()) -> Any: ...


@dataclass(frozen=True)
class Digested:
    """A COPY/ADD's context sources, digested."""

    digest: str | None
    files: int
    missing: tuple[str, ...]
    kinds: tuple[str, ...]  # per source: file, dir or multi
    paths: tuple[str, ...]  # every selected path, for --changed


def cache_key(parent: str, payload: Mapping[str, Any]) -> str:
    data = json.dumps({"parent": parent, **payload}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


# -- the planner -----------------------------------------------------------------------------


def plan(
    dockerfile: ast.Dockerfile,
    *,
    builder: str = "buildkit",
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
    platform: str | None = None,
    context: Any = None,
    digester: SourceDigester | None = None,
    changed: Sequence[str] = (),
) -> m.BuildPlan:
    """Plan the build of `dockerfile`. `context` is a `BuildContext` (for archive
    detection and missing files), `digester` digests COPY/ADD sources, `changed` names
    context paths whose change should be traced through the cache keys."""
    semantics = analyze(dockerfile, build_args=dict(build_args or {}), target=target, platform=platform)
    return Planner(dockerfile, semantics, builder_profile(builder), context, digester, changed).run()


class Planner:
    def __init__(
        self,
        dockerfile: ast.Dockerfile,
        semantics: sm.Semantics,
        builder: Builder,
        context: Any,
        digester: SourceDigester | None,
        changed: Sequence[str],
    ) -> None:
        self.dockerfile = dockerfile
        self.sem = semantics
        self.builder = builder
        self.context = context
        self.digester = digester
        self.changed = tuple(_clean_rel(p) for p in changed)
        self.originals = original_lines(dockerfile)
        self.source = dockerfile.source
        self.states: dict[int, ImageState] = {}
        self.final_keys: dict[int, str] = {}
        self.changed_keys: dict[int, str] = {}
        self.issues: list[m.PlanIssue] = []
        self.invalidated: list[tuple[int, int]] = []

    # -- the whole build ----------------------------------------------------------------

    def run(self) -> m.BuildPlan:
        sem = self.sem
        for issue in sem.issues:
            if issue.severity == "error" or issue.code == "unused-build-arg":
                self._issue(issue.code, issue.severity, issue.message, issue.span)
        stages = [self._stage(info) for info in sem.stages]
        target = sem.stages[sem.target] if sem.target is not None else None
        image = stages[target.index].image if target is not None else None
        return m.BuildPlan(
            file=self.dockerfile.path,
            builder=self.builder.name,
            platform=sem.platform,
            target=(target.name or str(target.index)) if target is not None else None,
            target_index=target.index if target is not None else None,
            build_args=dict(sem.build_args),
            stages=stages,
            image=image,
            graph=self._graph(stages),
            issues=self.issues,
            changed=list(self.changed),
            invalidated=self.invalidated,
        )

    def _issue(self, code: str, severity: str, message: str, span: Any) -> None:
        line = column = None
        if span is not None:
            position = self.source.position(span.start)
            line, column = position.line, position.column
        self.issues.append(m.PlanIssue(code=code, severity=severity, message=message, line=line, column=column))  # type: ignore[arg-type]

    # -- one stage ----------------------------------------------------------------------

    def _stage(self, info: sm.StageInfo) -> m.StagePlan:
        base = self._base(info)
        depends = sorted({e.stage for e in info.edges if e.stage is not None and e.stage != info.index})
        line = self.source.position(info.node.span.start).line
        if info.index not in self.sem.needed:
            return m.StagePlan(index=info.index, name=info.name, line=line, base=base, needed=False, depends_on=depends)
        if info.base.kind == "stage" and info.base.stage in self.states:
            state = self.states[info.base.stage].child()
            parent_key = self.final_keys[info.base.stage]
            changed_parent = self.changed_keys[info.base.stage]
        elif info.base.kind == "scratch":
            state = ImageState.scratch()
            parent_key = changed_parent = cache_key("", {"from": "scratch", "platform": info.platform or self.sem.platform})
        else:
            state = ImageState.external(base.name)
            parent_key = changed_parent = cache_key("", {"from": base.name, "platform": info.platform or self.sem.platform})
        # A base stage's ONBUILD triggers run in this stage (the semantic pass lists them
        # first), and the image this stage makes carries no triggers of its own base.
        state.onbuild = []
        state.workdir_set = state.workdir_set or bool(state.workdir)
        steps: list[m.StepPlan] = []
        first_invalid = None
        for index, step in enumerate(info.steps):
            plan_step, parent_key, changed_parent = self._step(info, step, state, index, parent_key, changed_parent)
            steps.append(plan_step)
            if first_invalid is None and parent_key != changed_parent:
                first_invalid = index
        if first_invalid is not None:
            self.invalidated.extend((info.index, i) for i in range(first_invalid, len(steps)))
        self.states[info.index] = state
        self.final_keys[info.index] = parent_key
        self.changed_keys[info.index] = changed_parent
        return m.StagePlan(
            index=info.index,
            name=info.name,
            line=line,
            base=base,
            needed=True,
            depends_on=depends,
            steps=steps,
            image=state.image(self.builder),
        )

    def _base(self, info: sm.StageInfo) -> m.BasePlan:
        base = info.base
        if base.kind == "stage" and base.stage is not None:
            other = self.sem.stages[base.stage]
            return m.BasePlan(kind="stage", name=other.display_name, stage=base.stage, platform=info.platform)
        if base.kind == "scratch":
            return m.BasePlan(kind="scratch", name="scratch", platform=info.platform)
        name = str(base.image) if base.image is not None else base.text
        return m.BasePlan(kind="image", name=name, platform=info.platform)

    # -- one step -------------------------------------------------------------------------

    def _step(
        self,
        info: sm.StageInfo,
        step: sm.Step,
        state: ImageState,
        index: int,
        parent_key: str,
        changed_parent: str,
    ) -> tuple[m.StepPlan, str, str]:
        node = step.node
        original = self._original(step)
        work = StepWork(self, info, step, state, original)
        handler = HANDLERS.get(type(node))
        if handler is not None:
            handler(work)
        history = None
        if work.created_by is not None:
            history = m.HistoryEntry(instruction=node.keyword.text.upper(), created_by=work.created_by, empty_layer=not work.layer)
            state.history.append(history)
        if work.layer:
            state.layers += 1
        key = cache_key(parent_key, {"step": work.key})
        # The same chain with the --changed files' digests perturbed: where it departs
        # from the real one is where a change to those files starts rebuilding.
        changed_key = cache_key(changed_parent, {"step": work.key, "changed": True} if work.touches_changed else {"step": work.key})
        start = self.source.position(node.span.start)
        end = self.source.end_position(node.span)
        onbuild_from = None
        if step.onbuild_from is not None:
            onbuild_from = self.sem.stages[step.onbuild_from].display_name
        plan_step = m.StepPlan(
            index=index,
            line=start.line,
            end_line=end.line if end.column > 1 or end.line == start.line else end.line - 1,
            instruction=node.keyword.text.upper(),
            original=original,
            expanded=work.expanded,
            onbuild_from=onbuild_from,
            creates_layer=work.layer,
            history=history,
            build_args=work.build_args,
            sources=work.sources,
            cache_key=key,
            reproducible=work.reproducible,
            notes=work.notes,
            run=work.run,
            copy=work.copy,
            workdir=work.workdir,
        )
        return plan_step, key, changed_key

    def _original(self, step: sm.Step) -> str:
        node = step.node
        if step.onbuild_from is not None:
            return _trigger_text(self._onbuild_original(node))
        text = self.originals.get(node.span.start)
        if text is None:  # the trigger of an ONBUILD in this stage is planned as ONBUILD
            text = self.dockerfile.text[node.span.start : node.span.end]
        return text

    def _onbuild_original(self, trigger: ast.Instruction) -> str:
        for node in self.dockerfile.instructions:
            if isinstance(node, ast.OnBuild) and node.trigger is trigger:
                return self.originals.get(node.span.start, "")
        return self.dockerfile.text[trigger.span.start : trigger.span.end]

    # -- the build graph --------------------------------------------------------------

    def _graph(self, stages: Sequence[m.StagePlan]) -> m.Graph:
        edges = []
        for info in self.sem.stages:
            for edge in info.edges:
                if edge.stage is None or edge.stage == info.index:
                    continue
                line = self.source.position(edge.node.span.start).line
                edges.append(m.Edge(source=edge.stage, target=info.index, kind=edge.kind, line=line))
        needed = [s.index for s in stages if s.needed]
        deps = {s.index: [d for d in s.depends_on if d in needed] for s in stages if s.needed}
        level: dict[int, int] = {}
        for index in needed:  # stages only depend on earlier ones (the semantic pass checks it)
            level[index] = 1 + max((level[d] for d in deps[index] if d in level), default=-1)
        levels = [sorted(i for i in needed if level[i] == n) for n in range(max(level.values(), default=-1) + 1)]
        weight = {s.index: max(1, sum(1 for step in s.steps if step.creates_layer)) for s in stages if s.needed}
        best: dict[int, tuple[int, list[int]]] = {}
        for index in needed:
            previous = max((best[d] for d in deps[index] if d in best), default=(0, []), key=lambda item: item[0])
            best[index] = (previous[0] + weight[index], [*previous[1], index])
        critical = max(best.values(), default=(0, []), key=lambda item: item[0])[1]
        return m.Graph(edges=edges, levels=[lv for lv in levels if lv], critical_path=critical)


def _trigger_text(onbuild_original: str) -> str:
    """An ONBUILD's trigger as Docker stores it: the text after the keyword."""
    text = onbuild_original.lstrip()
    return text[len("ONBUILD") :].lstrip() if text[:7].upper() == "ONBUILD" else text


def _clean_rel(path: str) -> str:
    cleaned = posixpath.normpath("/" + path.replace("\\", "/")).lstrip("/")
    return "" if cleaned == "." else cleaned


# -- what one step does ----------------------------------------------------------------


class StepWork:
    """The outcome of one step, filled in by its instruction's handler."""

    def __init__(self, planner: Planner, info: sm.StageInfo, step: sm.Step, state: ImageState, original: str) -> None:
        self.planner = planner
        self.builder = planner.builder
        self.info = info
        self.step = step
        self.node = step.node
        self.state = state
        self.original = original
        self.layer = False
        self.created_by: str | None = None
        self.expanded: str | None = None
        self.build_args: dict[str, str] = {}
        self.sources: list[m.SourcePlan] = []
        self.reproducible = True
        self.notes: list[str] = []
        self.touches_changed = False
        self.key: dict[str, Any] = {"kind": self.node.kind}
        self.run: m.RunSpec | None = None
        self.copy: m.CopySpec | None = None
        self.workdir: str | None = None

    # -- history text helpers -------------------------------------------------------

    def nop(self, message: str, *, compact: bool = False) -> str:
        """A config-only entry: buildah writes the original line, Docker a summary."""
        if self.builder.name == "buildkit":
            return message
        prefix = " ".join(self.state.current_shell)
        # The classic builder joins ["sh", "-c", "#(nop) ", msg] with spaces (two spaces
        # after #(nop)); ADD, COPY and WORKDIR pass "#(nop) msg" as one word.
        return f"{prefix} #(nop) {message}" if compact else f"{prefix} #(nop)  {message}"

    def buildah_nop(self) -> str:
        return "/bin/sh -c #(nop) " + self.original

    def config_entry(self, docker_message: str, *, compact: bool = False) -> None:
        if self.builder.name == "buildah":
            self.created_by = self.buildah_nop()
        else:
            self.created_by = self.nop(docker_message, compact=compact)

    def args_in_scope(self) -> list[tuple[str, str]]:
        """The build args RUN's history lists, as this builder picks them."""
        env = self.state.env
        out: list[tuple[str, str]] = []
        for binding in self.step.args:
            name = binding.name
            if self.builder.run_args == "declared":
                out.append((name, env[name] if name in env else binding.value or ""))
            elif binding.value is None:
                continue
            elif self.builder.run_args == "valued-unshadowed":
                if name not in env:
                    out.append((name, binding.value))
            else:
                out.append((name, env.get(name, binding.value)))
        if self.builder.sort_run_args:
            out.sort()
        return out


def _shell_or_exec(node: ast.Cmd | ast.Entrypoint | ast.Run, shell: list[str]) -> list[str]:
    if node.form == "exec":
        return [word.value for word in node.args]
    text = node.args[0].value if node.args else ""
    return [*shell, text]


def handle_run(work: StepWork) -> None:
    node = work.node
    assert isinstance(node, ast.Run)
    state = work.state
    work.layer = True
    shell = state.current_shell
    command = _shell_or_exec(node, shell)
    args = work.args_in_scope()
    work.build_args = dict(args)
    prefix = f"|{len(args)} " + " ".join(f"{k}={v}" for k, v in args) + " " if args else ""
    if work.builder.name == "buildah":
        work.created_by = prefix + "/bin/sh -c " + work.original[4:]
    elif work.builder.name == "classic":
        work.created_by = prefix + " ".join(command)
    else:
        work.created_by = "RUN " + prefix + " ".join(command) + " # buildkit"
    expanded = work.step.expanded
    mounts: list[Any] = []
    specs: list[m.MountSpec] = []
    if isinstance(expanded, sm.RunX):
        for mount, stage in zip(expanded.mounts, expanded.mount_stages):
            entry = {"type": mount.type, "target": mount.target, "from": mount.from_, "source": mount.source}
            if stage is not None:
                entry["stage_key"] = work.planner.final_keys.get(stage, "")
            mounts.append(entry)
            specs.append(
                m.MountSpec(
                    type=mount.type,  # type: ignore[arg-type]
                    target=mount.target,
                    source=mount.source,
                    from_stage=stage,
                    from_image=mount.from_ if stage is None and mount.from_ else None,
                    readonly=mount.readonly,
                    id=mount.id,
                    sharing=mount.sharing,
                    required=mount.required,
                    mode=mount.mode,
                    uid=mount.uid,
                    gid=mount.gid,
                    size=mount.size,
                    env=mount.env,
                )
            )
    script = None
    if node.heredocs and node.form == "shell" and node.args and node.args[0].value.strip().startswith("<<"):
        # RUN <<EOF: the body is the script. With a shebang BuildKit runs it as a file,
        # otherwise under the shell.
        body = node.heredocs[0].content
        if body.startswith("#!"):
            script = body
            command = [*shell, body]
        else:
            command = [*shell, body]
    flag_values = {flag.name: flag.value for flag in node.flags}
    run_env = {**state.env, **{k: v for k, v in args if k not in state.env}}
    work.run = m.RunSpec(
        argv=command,
        env=run_env,
        workdir=state.workdir or "/",
        user=state.user,
        mounts=specs,
        network=flag_values.get("network"),
        security=flag_values.get("security"),
        script=script,
    )
    work.key.update(
        command=command,
        flags=[flag.text for flag in node.flags if flag.name != "mount"],
        mounts=mounts,
        env=sorted(f"{k}={v}" for k, v in state.env.items()),
        args=sorted(f"{k}={v}" for k, v in args),
        heredocs=[h.content for h in node.heredocs],
        workdir=state.workdir,
        user=state.user,
    )
    if not state.base_known:
        work.notes.append("runs on an external base image: what it finds there is not known")
    if state.volumes and not work.builder.volume_keeps_run_writes:
        paths = ", ".join(state.volumes)
        work.notes.append(f"writes under the declared volume(s) {paths} are discarded by this builder")
    state.dirs_certain = False  # a RUN can create any directory


def handle_copy(work: StepWork) -> None:
    node = work.node
    assert isinstance(node, (ast.Copy, ast.Add))
    expanded = work.step.expanded
    work.layer = True
    keyword = node.keyword.text.upper()
    if not isinstance(expanded, sm.CopyX):
        work.created_by = work.nop(f"{keyword} ?", compact=True)
        return
    planner = work.planner
    sources: list[m.SourcePlan] = []
    key_sources: list[Any] = []
    context_sources: list[str] = []
    summary_kinds: list[str] = []
    for heredoc in node.heredocs:
        digest = "sha256:" + hashlib.sha256(heredoc.content.encode("utf-8", "surrogatepass")).hexdigest()
        sources.append(m.SourcePlan(source=f"<<{heredoc.name}", kind="heredoc", digest=digest, files=1))
        key_sources.append(["heredoc", digest])
        summary_kinds.append("file")
    heredoc_names = {f"<<{h.name}" for h in node.heredocs} | {f"<<-{h.name}" for h in node.heredocs}
    for source in expanded.sources:
        if source in heredoc_names or source.startswith("<<"):
            continue
        if expanded.source_stage is not None:
            stage_key = planner.final_keys.get(expanded.source_stage, "")
            sources.append(m.SourcePlan(source=source, kind="stage"))
            key_sources.append(["stage", stage_key, source])
            summary_kinds.append("file")
        elif expanded.source_image is not None:
            sources.append(m.SourcePlan(source=source, kind="image"))
            key_sources.append(["image", expanded.source_image, source])
            summary_kinds.append("file")
            work.notes.append(f"copies from {expanded.source_image}, whose content is not known here")
        elif _is_url(source) and keyword == "ADD":
            if _is_git(source):
                sources.append(m.SourcePlan(source=source, kind="git"))
                work.reproducible = False
                work.notes.append(f"{source} is fetched at build time; the plan cannot know its content")
            else:
                sources.append(m.SourcePlan(source=source, kind="url", digest=expanded.checksum))
                if expanded.checksum is None:
                    work.reproducible = False
                    work.notes.append(f"ADD {source} has no --checksum: what it downloads can change")
            key_sources.append(["url", source, expanded.checksum])
            summary_kinds.append("file")
        else:
            context_sources.append(source)
    if context_sources:
        digested = _digest(work, context_sources, expanded.excludes)
        for position, source in enumerate(context_sources):
            extracted = keyword == "ADD" and _is_local_archive(planner.context, source)
            kind = digested.kinds[position] if position < len(digested.kinds) else "file"
            summary_kinds.append(kind)
            sources.append(
                m.SourcePlan(
                    source=source,
                    kind="context",
                    files=digested.files if len(context_sources) == 1 else 0,
                    digest=digested.digest if len(context_sources) == 1 else None,
                    missing=source in digested.missing,
                    extracted=extracted,
                )
            )
            if extracted:
                work.notes.append(f"{source} is a local archive: ADD extracts it into {expanded.dest_resolved}")
                _learn_archive_dirs(work, source, expanded.dest_resolved)
        key_sources.append(["context", context_sources, digested.digest])
        if digested.missing:
            for missing in digested.missing:
                planner._issue(
                    "missing-source",
                    "error",
                    f"{keyword} failed: {missing!r} not found in the build context",
                    node.span,
                )
        if planner.changed and any(_under(path, planner.changed) for path in digested.paths):
            work.touches_changed = True
    work.sources = sources
    work.copy = m.CopySpec(
        add=keyword == "ADD",
        sources=_source_specs(node, expanded, keyword),
        dest=expanded.dest_resolved,
        chown=expanded.chown,
        chmod=expanded.chmod,
        checksum=expanded.checksum,
        link=expanded.link,
        parents=expanded.parents,
        excludes=list(expanded.excludes),
    )
    work.expanded = " ".join([*expanded.sources, expanded.dest])
    work.key.update(
        sources=key_sources,
        dest=expanded.dest_resolved,
        chown=expanded.chown,
        chmod=expanded.chmod,
        link=expanded.link,
        parents=expanded.parents,
        excludes=list(expanded.excludes),
        checksum=expanded.checksum,
    )
    _learn_dest_dirs(work, expanded)
    if work.builder.name == "buildkit":
        work.created_by = f"{keyword} {' '.join([*expanded.sources, expanded.dest])} # buildkit"
        return
    digest = cache_key("", {"sources": key_sources})[len("sha256:") :]
    kind = summary_kinds[0] if len(summary_kinds) == 1 else "multi"
    summary = f"{kind}:{digest}"
    if work.builder.name == "buildah":
        dest = node.args[-1].value if node.args else expanded.dest
        work.created_by = f"/bin/sh -c #(nop) {keyword} {summary} in {dest} "
    else:
        work.created_by = work.nop(f"{keyword} {summary} in {expanded.dest} ", compact=True)


def _source_specs(node: ast.Copy | ast.Add, expanded: sm.CopyX, keyword: str) -> list[m.SourceSpec]:
    specs: list[m.SourceSpec] = []
    for index, heredoc in enumerate(node.heredocs):
        content = expanded.heredocs[index] if index < len(expanded.heredocs) else heredoc.content
        specs.append(m.SourceSpec(kind="heredoc", path=heredoc.name, content=content))
    for source in expanded.sources:
        if source.startswith("<<"):
            continue  # a heredoc marker: its body is above
        if expanded.source_stage is not None:
            specs.append(m.SourceSpec(kind="stage", path=source, stage=expanded.source_stage))
        elif expanded.source_image is not None:
            specs.append(m.SourceSpec(kind="image", path=source, image=expanded.source_image))
        elif keyword == "ADD" and _is_url(source):
            specs.append(m.SourceSpec(kind="git" if _is_git(source) else "url", path=source))
        else:
            specs.append(m.SourceSpec(kind="context", path=source))
    return specs


def _digest(work: StepWork, sources: list[str], excludes: Sequence[str]) -> Digested:
    digester = work.planner.digester
    if digester is None:
        work.notes.append("no build context given: the cache key covers the source names only")
        return Digested(None, 0, (), tuple("file" for _ in sources), ())
    result = digester.digest(sources, excludes=excludes)
    kinds = []
    paths: list[str] = []
    files = 0
    for selection in result.selections:
        entries = list(selection.entries)
        files += len(entries)
        paths.extend(entry.path for entry in entries)
        if len(entries) == 1 and entries[0].type == "file":
            kinds.append("file")
        elif entries and entries[0].type == "dir" or len(entries) > 1:
            kinds.append("dir")
        else:
            kinds.append("file")
    return Digested(result.digest, files, tuple(result.missing), tuple(kinds), tuple(paths))


def _learn_dest_dirs(work: StepWork, expanded: sm.CopyX) -> None:
    dest = expanded.dest_resolved
    directory = dest if dest.endswith("/") else posixpath.dirname(dest)
    _add_dir(work.state, directory)


def _learn_archive_dirs(work: StepWork, source: str, dest: str) -> None:
    """The directories a local tar archive creates (read from the context, never guessed)."""
    context = work.planner.context
    if context is None:
        return
    import tarfile

    path = Path(context.root) / _clean_rel(source)
    try:
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                name = posixpath.normpath("/" + member.name)
                target = posixpath.normpath(posixpath.join(dest, name.lstrip("/")))
                if member.isdir():
                    _add_dir(work.state, target)
                else:
                    _add_dir(work.state, posixpath.dirname(target))
    except (OSError, tarfile.TarError):
        work.state.dirs_certain = False


def _add_dir(state: ImageState, directory: str) -> None:
    path = posixpath.normpath(directory or "/")
    while True:
        state.dirs.add(path)
        if path == "/":
            return
        path = posixpath.dirname(path)


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(root == "" or path == root or path.startswith(root + "/") for root in roots)


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://")) or _is_git(source)


def _is_git(source: str) -> bool:
    return source.startswith("git@") or source.endswith(".git") or "://github.com/" in source and ".git#" in source


def _is_local_archive(context: Any, source: str) -> bool:
    """ADD unpacks a local tar archive (plain or compressed), recognised by its content."""
    if context is not None:
        path = Path(context.root) / _clean_rel(source)
        try:
            with open(path, "rb") as handle:
                head = handle.read(512)
        except OSError:
            return source.endswith(ARCHIVE_SUFFIXES)
        return _looks_like_archive(head)
    return source.endswith(ARCHIVE_SUFFIXES)


def _looks_like_archive(head: bytes) -> bool:
    compressed = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")
    return head.startswith(compressed) or head[257:262] == b"ustar"


def handle_env(work: StepWork) -> None:
    _set_pairs(work, work.state.env, "ENV")


def handle_label(work: StepWork) -> None:
    _set_pairs(work, work.state.labels, "LABEL")


def _set_pairs(work: StepWork, into: dict[str, str], keyword: str) -> None:
    """ENV and LABEL: each expanded `key=value` into the image, one config-only entry."""
    expanded = work.step.expanded
    pairs = expanded.pairs if isinstance(expanded, sm.PairsX) else ()
    into.update(pairs)
    text = " ".join(f"{k}={v}" for k, v in pairs)
    work.expanded = text
    work.key.update(pairs=[list(pair) for pair in pairs])
    work.config_entry(f"{keyword} {text}")


def handle_arg(work: StepWork) -> None:
    node = work.node
    assert isinstance(node, ast.Arg)
    declared = []
    for decl in node.declarations:
        declared.append(decl.name if decl.default is None else f"{decl.name}={decl.default}")
    work.key.update(args=declared)
    if work.builder.name == "buildah":
        # buildah lists the names of the stage's ARGs that have a value so far
        expanded = work.step.expanded
        bindings = [*work.step.args, *(expanded.bindings if isinstance(expanded, sm.ArgX) else ())]
        valued = {b.name: b.value for b in bindings}
        names = sorted(name for name, value in valued.items() if value is not None)
        work.created_by = "/bin/sh -c #(nop) ARG " + " ".join(names)
    else:
        expanded = work.step.expanded
        if isinstance(expanded, sm.ArgX):
            declared = [
                b.name if decl.default is None else f"{b.name}={_default_value(b, decl)}"
                for b, decl in zip(expanded.bindings, node.declarations)
            ]
        work.created_by = work.nop("ARG " + " ".join(declared))


def _default_value(binding: sm.ArgBinding, decl: ast.ArgDecl) -> str:
    # The history shows the declared default (expanded), even when --build-arg overrides it.
    if binding.source == "default" and binding.value is not None:
        return binding.value
    return decl.default or ""


def handle_maintainer(work: StepWork) -> None:
    node = work.node
    assert isinstance(node, ast.Maintainer)
    value = node.value.value if node.value is not None else ""
    work.state.author = value
    work.key.update(value=value)
    work.config_entry(f"MAINTAINER {value}")


def handle_cmd(work: StepWork) -> None:
    node = work.node
    assert isinstance(node, (ast.Cmd, ast.Entrypoint))
    state = work.state
    shell = state.current_shell if work.builder.shell_form_uses_shell else list(DEFAULT_SHELL)
    command = _shell_or_exec(node, shell)
    keyword = node.keyword.text.upper()
    if isinstance(node, ast.Cmd):
        state.cmd = command
        state.cmd_set = True
    else:
        state.entrypoint = command
        if not state.cmd_set:
            state.cmd = None  # ENTRYPOINT resets a CMD the stage did not set itself
    work.key.update(command=command)
    work.config_entry(f"{keyword} {go_list_q(command)}")


def handle_shell(work: StepWork) -> None:
    node = work.node
    assert isinstance(node, ast.Shell)
    work.state.shell = [word.value for word in node.args]
    work.key.update(shell=work.state.shell)
    # The classic builder's entry already runs under the new shell.
    work.config_entry(f"SHELL {go_list_v(work.state.shell)}")


def handle_workdir(work: StepWork) -> None:
    expanded = work.step.expanded
    state = work.state
    path = expanded.resolved if isinstance(expanded, sm.WorkdirX) else state.workdir
    state.workdir = path
    state.workdir_set = True
    work.expanded = path
    work.workdir = path
    work.key.update(path=path)
    policy = work.builder.workdir_layer
    normalized = posixpath.normpath(path) if path else "/"
    if policy == "always":
        work.layer = True
    elif policy == "if-missing":
        if normalized in state.dirs:
            work.layer = False
        else:
            work.layer = True
            if not state.dirs_certain:
                work.notes.append(
                    f"{work.builder.title} commits a layer only if {normalized} does not exist yet; "
                    "an earlier RUN or the base image may have created it"
                )
    _add_dir(state, normalized)
    work.config_entry(f"WORKDIR {path}", compact=True)


def handle_user(work: StepWork) -> None:
    expanded = work.step.expanded
    value = expanded.value if isinstance(expanded, sm.ValueX) else ""
    work.state.user = value
    work.expanded = value
    work.key.update(user=value)
    work.config_entry(f"USER {value}")


def handle_stopsignal(work: StepWork) -> None:
    expanded = work.step.expanded
    value = expanded.value if isinstance(expanded, sm.ValueX) else ""
    work.state.stopsignal = value
    work.expanded = value
    work.key.update(signal=value)
    work.config_entry(f"STOPSIGNAL {value}")


def handle_volume(work: StepWork) -> None:
    expanded = work.step.expanded
    paths = list(expanded.values) if isinstance(expanded, sm.ListX) else []
    for path in paths:
        work.state.volumes[path] = None
    work.expanded = " ".join(paths)
    work.key.update(paths=paths)
    work.config_entry(f"VOLUME {go_list_v(paths)}")


def handle_expose(work: StepWork) -> None:
    expanded = work.step.expanded
    words = list(expanded.values) if isinstance(expanded, sm.ListX) else []
    ports = exposed_ports(words, work.builder)
    for port in ports:
        work.state.ports[port] = None
    work.expanded = " ".join(words)
    work.key.update(ports=ports)
    if work.builder.name == "buildkit":
        work.created_by = "EXPOSE " + go_ports_map(ports)
    else:
        # The classic builder prints the ports of a Go map: their order is random.
        work.config_entry("EXPOSE " + " ".join(ports))


def exposed_ports(words: Sequence[str], builder: Builder) -> list[str]:
    """EXPOSE words as the builder stores them (nat.ParsePortSpecs for Docker)."""
    out: list[str] = []
    for word in words:
        spec = word.rsplit(":", 1)[-1] if builder.expand_port_ranges else word
        port, _, proto = spec.partition("/")
        proto = proto or "tcp"
        if builder.lowercase_protocol:
            proto = proto.lower()
        if builder.expand_port_ranges and "-" in port:
            low, _, high = port.partition("-")
            if low.isdigit() and high.isdigit() and int(low) <= int(high):
                out.extend(f"{p}/{proto}" for p in range(int(low), int(high) + 1))
                continue
        out.append(f"{port}/{proto}")
    return list(dict.fromkeys(out))


def handle_healthcheck(work: StepWork) -> None:
    node = work.node
    assert isinstance(node, ast.Healthcheck)
    kind = node.type.value.upper() if node.type is not None else "NONE"
    durations: dict[str, int] = {}
    retries = 0
    for flag in node.flags:
        try:
            if flag.name in ("interval", "timeout", "start-period", "start-interval"):
                durations[flag.name] = parse_go_duration(flag.value or "0s")
            elif flag.name == "retries":
                retries = parse_go_int(flag.value or "0")
        except GoValueError:
            continue  # the parser already reported it; the build would fail
    if kind == "NONE":
        test = ["NONE"]
    elif node.form == "exec":
        test = ["CMD", *(word.value for word in node.args)]
    else:
        test = ["CMD-SHELL", node.args[0].value if node.args else ""]
    work.state.healthcheck = m.HealthConfig(
        Test=test,
        Interval=durations.get("interval") or None,
        Timeout=durations.get("timeout") or None,
        StartPeriod=durations.get("start-period") or None,
        StartInterval=durations.get("start-interval") or None,
        Retries=retries or None,
    )
    work.key.update(test=test, durations=durations, retries=retries)
    message = go_healthcheck(
        test, durations.get("interval", 0), durations.get("timeout", 0), durations.get("start-period", 0), retries
    )
    work.config_entry(f"HEALTHCHECK {message}")


def handle_onbuild(work: StepWork) -> None:
    trigger = _trigger_text(work.original)
    work.state.onbuild.append(trigger)
    work.key.update(trigger=trigger)
    if work.builder.onbuild_history:
        work.config_entry(f"ONBUILD {trigger}")


HANDLERS = {
    ast.Run: handle_run,
    ast.Copy: handle_copy,
    ast.Add: handle_copy,
    ast.Env: handle_env,
    ast.Label: handle_label,
    ast.Arg: handle_arg,
    ast.Maintainer: handle_maintainer,
    ast.Cmd: handle_cmd,
    ast.Entrypoint: handle_cmd,
    ast.Shell: handle_shell,
    ast.Workdir: handle_workdir,
    ast.User: handle_user,
    ast.Stopsignal: handle_stopsignal,
    ast.Volume: handle_volume,
    ast.Expose: handle_expose,
    ast.Healthcheck: handle_healthcheck,
    ast.OnBuild: handle_onbuild,
}
