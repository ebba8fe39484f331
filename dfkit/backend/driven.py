"""The driven backend: a plan, executed with buildah's primitives, one commit per layer.

For each step that commits a layer (`StepPlan.creates_layer`): a working container
from the image the previous layer step committed, the step executed in it (RUN with the
plan's argv, env, workdir, user and mounts; COPY/ADD from a staging directory holding
exactly the files the plan selected; WORKDIR's mkdir), and a commit. A WORKDIR that
commits no layer still makes its directory, in the next layer, as the builders do.
Configuration-only steps need no container: the configuration, author and history of
the image are the plan's, written by dfkit onto the committed layers at the end
(`image.py`), so nothing buildah would add of its own (history text, labels, its
defaults for a shell-form CMD or an EXPOSE range) reaches the image.

Cache: each committed image is named after its step's cache key, mixed with the builder
(whose layering differs) and the IDs of the external images the plan names (which the
plan knows by name only); the composed image, after what it is made of. A rebuild
reuses a stage's committed images up to the first one missing; from there on, and in
every stage that depends on a rebuilt one, steps run. Intermediate images carry no
configuration of the plan's, so no ONBUILD trigger: buildah's `from`, which runs
triggers, never runs the plan's a second time.

Stages run in dependency order, each in a thread as soon as the stages it needs are
built, as many at once as there are CPUs. The tag moves only once the target's image
is composed and verified; Ctrl-C or a failing step stops every buildah command the
build started and removes its working containers.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform as host
import posixpath
import secrets as tokens
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

from dfkit.backend.buildah import BackendError, Buildah, Processes, stored_name
from dfkit.backend.image import compose_config, config_bytes, export_oci, import_image, oci_ref
from dfkit.backend.progress import Progress, QuietProgress, StepLabel
from dfkit.backend.result import BuildResult, StepFailed, StepOutcome
from dfkit.backend.staging import Stager
from dfkit.errors import DfkitError
from dfkit.plan import model as m
from dfkit.plan.context import ContextHasher, SourcesDigest

CACHE_REPOSITORY = "localhost/dfkit-cache"
CACHE_FORMAT = 1  # bump when what a cached image holds changes
SECRET_MODE = 0o400  # BuildKit's default for a secret mount
MACHINES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm/v7", "ppc64le": "ppc64le", "s390x": "s390x"}


def default_run_cache() -> Path:
    """Where RUN cache mounts persist: `$XDG_CACHE_HOME/dfkit/run-cache` (`~/.cache/...`)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dfkit" / "run-cache"


@dataclass(frozen=True)
class BuildOptions:
    tag: str
    no_cache: bool = False
    secrets: Mapping[str, Path] = field(default_factory=dict)  # RUN --mount=type=secret, by id
    output: str | None = None  # oci:DIR[:REF] or oci-archive:FILE[:REF]
    run_cache: Path = field(default_factory=default_run_cache)  # RUN --mount=type=cache directories


class _Stopped(Exception):
    """Another stage failed, or the build was interrupted: this one stops too."""


def build(
    plan: m.BuildPlan,
    buildah: Buildah,
    context: Path,
    hasher: ContextHasher,
    options: BuildOptions,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the plan's target with `buildah`, tag it, and export it if asked."""
    return DrivenBuild(plan, buildah, context, hasher, options, progress or QuietProgress()).run()


def check_supported(plan: m.BuildPlan, isolation: str, secrets: Mapping[str, Path]) -> None:
    """Refuse, before anything runs, what this backend cannot build as the plan says."""
    runs = False
    for stage in _needed(plan):
        for step in stage.steps:
            if step.run is not None:
                runs = True
                _check_run(plan, step, step.run, isolation, secrets)
            if step.copy_spec is not None:
                _check_copy(plan, step, step.copy_spec)
    machine = "linux/" + MACHINES.get(host.machine(), host.machine())
    if runs and plan.platform != machine:
        raise DfkitError(
            f"RUN cannot execute {plan.platform} programs on this {machine} host",
            path=plan.file,
            hint=f"build with --platform {machine}",
        )


def dry_run(plan: m.BuildPlan, options: BuildOptions) -> list[str]:
    """What `build` would do, step by step, without buildah."""
    lines = []
    for stage in _needed(plan):
        lines.append(f"stage {_stage_name(stage)}: FROM {stage.base.name}")
        for step in stage.steps:
            action = _action(step) if step.creates_layer else "configuration only"
            lines.append(f"  {step.index + 1}/{len(stage.steps)} {_first_line(step.original)}: {action}")
    if plan.image is not None:
        layers = plan.image.layers
        lines.append(f"image: {len(plan.image.history)} history entries, {layers} layer(s), tagged {options.tag}")
    if options.output:
        lines.append(f"export: {options.output}")
    return lines


class DrivenBuild:
    def __init__(
        self,
        plan: m.BuildPlan,
        buildah: Buildah,
        context: Path,
        hasher: ContextHasher,
        options: BuildOptions,
        progress: Progress,
    ) -> None:
        if not plan.ok or plan.target_index is None:
            raise DfkitError("the plan has errors: nothing to build", path=plan.file)
        self.plan = plan
        self.options = options
        self.progress = progress
        self._processes = Processes()
        self._driver = replace(buildah, processes=self._processes)
        # Cleaning up goes on after `_processes` has stopped taking commands.
        self._cleanup = replace(buildah, processes=None)
        self._context = context
        self._hasher = hasher
        self._hasher_lock = threading.Lock()  # the hasher keeps state from call to call
        self._stages = {stage.index: stage for stage in plan.stages}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        # Images by ID from here on: a name can move (another build committing the same key).
        self._images: dict[int, str | None] = {}  # stage -> its last committed image (None: empty)
        self._rebuilt: set[int] = set()
        self._outcomes: list[StepOutcome] = []
        self._cached: dict[str, str] = {}  # cache name -> image ID
        self._external: dict[str, str] = {}  # reference -> image ID
        self._scratch = Path()

    def run(self) -> BuildResult:
        check_supported(self.plan, self._driver.isolation, self.options.secrets)
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="dfkit-build-", ignore_cleanup_errors=True) as scratch:
            self._scratch = Path(scratch)
            try:
                self._external = self._external_images()
                names = self._driver.images()
                if not self.options.no_cache:
                    self._cached = {name: image for name, image in names.items() if name.startswith(CACHE_REPOSITORY)}
                self._build_stages()
                image_id, cache_name = self._compose()
                # One call: the composed image's cache name (when new) and the tag.
                missing = [n for n in (cache_name, self.options.tag) if n and names.get(stored_name(n)) != image_id]
                if missing:
                    self._driver.tag(image_id, *missing)
            except BaseException:
                self._stop()
                raise
            if self.options.output:
                self.progress.note(f"exporting to {self.options.output}")
                export_oci(self._cleanup, image_id, self.options.output, oci_ref(self.options.tag), self._scratch)
        steps = tuple(sorted(self._outcomes, key=lambda outcome: (outcome.stage, outcome.step)))
        return BuildResult(image_id, self.options.tag, steps, time.perf_counter() - start, dict(self._external))

    # -- stages -------------------------------------------------------------------------

    def _build_stages(self) -> None:
        waiting = {stage.index: stage for stage in _needed(self.plan)}
        needed = set(waiting)
        done: set[int] = set()
        widest = max((len(level) for level in self.plan.graph.levels), default=1)
        with ThreadPoolExecutor(max_workers=max(1, min(_usable_cpus(), widest)), thread_name_prefix="dfkit") as pool:
            running: dict[Future[None], int] = {}
            try:
                while waiting or running:
                    for index, stage in list(waiting.items()):
                        if all(dependency in done for dependency in stage.depends_on if dependency in needed):
                            running[pool.submit(self._stage, stage)] = index
                            del waiting[index]
                    assert running, "the plan's stages depend on each other in a cycle"
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done.add(running.pop(future))
                        future.result()
            except BaseException:
                # Before the pool waits for the other stages: they stop now, and clean up.
                self._stop()
                raise

    def _stage(self, stage: m.StagePlan) -> None:
        image = self._base_image(stage)
        # After a rebuilt step, or on a rebuilt stage, nothing further comes from the cache:
        # what was cached was made from what has just been replaced.
        fresh = any(dependency in self._rebuilt for dependency in stage.depends_on)
        pending: list[str] = []  # WORKDIRs without a layer: their mkdir goes in the next one
        for step in stage.steps:
            if self._stopping.is_set():
                raise _Stopped
            if not step.creates_layer:
                if step.workdir is not None:
                    pending.append(step.workdir)
                self._record(StepOutcome(stage.index, step.index, "config", None, 0.0))
                continue
            label = label_of(stage, step)
            name = self._cache_name(step)
            if not fresh and name in self._cached:
                self.progress.started(label, cached=True)
                image = self._cached[name]
                self._record(StepOutcome(stage.index, step.index, "cached", image, 0.0))
            else:
                fresh = True
                started = time.perf_counter()
                self.progress.started(label, cached=False)
                try:
                    image = self._commit_step(stage, step, image, pending, name, label)
                except BaseException:
                    self.progress.finished(label, time.perf_counter() - started, failed=True)
                    raise
                seconds = time.perf_counter() - started
                self.progress.finished(label, seconds)
                self._record(StepOutcome(stage.index, step.index, "built", image, seconds))
            pending.clear()
        with self._lock:
            self._images[stage.index] = image
            if fresh:
                self._rebuilt.add(stage.index)

    def _base_image(self, stage: m.StagePlan) -> str | None:
        if stage.base.kind == "stage":
            assert stage.base.stage is not None
            return self._images[stage.base.stage]
        if stage.base.kind == "image":
            return self._external[stage.base.name]
        return None

    # -- one step -----------------------------------------------------------------------

    def _commit_step(
        self, stage: m.StagePlan, step: m.StepPlan, image: str | None, pending: list[str], name: str, label: StepLabel
    ) -> str:
        """Run one layer step on `image` and commit it as `name`; returns the new image's ID."""
        container = f"dfkit-{tokens.token_hex(6)}"
        workdir = self._scratch / f"{stage.index}-{step.index}"
        workdir.mkdir()
        try:
            # Every RUN gets the plan's whole environment: the container's own is not needed.
            self._driver.from_image(image or "scratch", name=container, default_path=False)
            for directory in pending:
                self._driver.mkdir(container, directory)
            if step.run is not None:
                self._run(stage, step, step.run, container, workdir, label)
            elif step.copy_spec is not None:
                self._copy(step, step.copy_spec, container, workdir)
            elif step.workdir is not None:
                self._driver.mkdir(container, step.workdir)
            return self._driver.commit(container, name)
        except BaseException as error:
            with contextlib.suppress(BackendError):
                self._cleanup.rm(container)
            if isinstance(error, (BackendError, OSError)) and not self._stopping.is_set():
                raise self._failed(step, error) from None
            raise

    def _run(
        self, stage: m.StagePlan, step: m.StepPlan, spec: m.RunSpec, container: str, workdir: Path, label: StepLabel
    ) -> None:
        argv, stdin = list(spec.argv), None
        if spec.script is not None:
            # RUN <<EOF with a shebang: BuildKit runs the body as a file. Here the interpreter
            # reads it from stdin, which needs no file in the container (and none in the layer).
            argv, stdin = [*_shebang(spec.script), "/dev/stdin"], spec.script
        stager = self._stager(workdir)
        network = spec.network if spec.network in ("none", "host") and self._driver.isolation != "chroot" else None
        with contextlib.ExitStack() as locks:
            mounts = [mount for spec_mount in spec.mounts if (mount := self._mount(spec_mount, stager, workdir, locks))]
            self._driver.run(
                container,
                argv,
                env=spec.env,
                # On an external base the plan cannot know the WorkingDir: the image's applies.
                workdir=None if self._inherits_workdir(stage, step) else spec.workdir,
                user=spec.user or None,
                mounts=mounts,
                network=network,
                stdin=stdin,
                on_output=lambda line: self.progress.output(label, line),
            )

    def _copy(self, step: m.StepPlan, spec: m.CopySpec, container: str, workdir: Path) -> None:
        with self._lock:
            images = dict(self._images)
        for transfer in self._stager(workdir).transfers(spec, images):
            move = self._driver.add if transfer.verb == "add" else self._driver.copy
            move(container, transfer.sources, spec.dest, chown=spec.chown, chmod=spec.chmod, from_=transfer.from_image)

    def _mount(self, mount: m.MountSpec, stager: Stager, workdir: Path, locks: contextlib.ExitStack) -> str | None:
        """A RUN --mount as `buildah run --mount` takes it; None for an absent optional secret."""
        options = [f"type={mount.type}", f"destination={mount.target}"]
        if mount.type == "bind":
            if mount.from_stage is not None:
                with self._lock:
                    image = self._images[mount.from_stage]
                if image is None:
                    raise BackendError(f"RUN --mount from=stage {mount.from_stage}: that stage has no files")
                options += [f"from={image}", f"source={mount.source or '/'}"]
            elif mount.from_image is not None:
                options += [f"from={self._external[mount.from_image]}", f"source={mount.source or '/'}"]
            else:
                options.append(f"source={stager.select(mount.source)}")
            options.append("ro" if mount.readonly else "rw")
        elif mount.type == "cache":
            directory = self._cache_directory(mount)
            if mount.sharing in ("locked", "private"):
                # One writer at a time (private, a fresh cache per concurrent writer, is approximated).
                locks.enter_context(_locked(directory.with_name(directory.name + ".lock")))
            options = ["type=bind", f"source={directory}", f"destination={mount.target}", "ro" if mount.readonly else "rw"]
        elif mount.type == "tmpfs":
            options += [f"tmpfs-size={mount.size}"] if mount.size else []
        elif mount.type == "secret":
            secret_id = mount.id or posixpath.basename(mount.target)
            if secret_id not in self.options.secrets:
                return None  # BuildKit leaves an optional secret unmounted
            copy = workdir / "secrets" / secret_id
            copy.parent.mkdir(exist_ok=True)
            shutil.copyfile(self.options.secrets[secret_id], copy)
            os.chmod(copy, mount.mode if mount.mode is not None else SECRET_MODE)
            target = mount.target or f"/run/secrets/{secret_id}"
            options = ["type=bind", f"source={copy}", f"destination={target}", "ro"]
        return ",".join(options)

    def _cache_directory(self, mount: m.MountSpec) -> Path:
        """A RUN cache mount's directory, dfkit's own: buildah 1.28 keeps every user's caches
        in one /var/tmp/buildah-cache, where a rootless build cannot write into a cache root
        made first."""
        # BuildKit's default id is the target: one cache per mount point.
        directory = self.options.run_cache / hashlib.sha256((mount.id or mount.target).encode()).hexdigest()[:32]
        if not directory.is_dir():
            directory.mkdir(parents=True, exist_ok=True)
            os.chmod(directory, mount.mode if mount.mode is not None else 0o755)
            owner = f"{mount.uid or 0}:{mount.gid or 0}"
            if owner != "0:0":
                if os.geteuid() == 0:
                    os.chown(directory, mount.uid or 0, mount.gid or 0)
                else:  # ids of the build's user namespace, where this user is root
                    self._driver.unshare(["chown", owner, str(directory)])
        return directory

    def _stager(self, workdir: Path) -> Stager:
        return Stager(self._context, _LockedHasher(self._hasher, self._hasher_lock), workdir / "staging")

    def _failed(self, step: m.StepPlan, error: BackendError | OSError) -> StepFailed:
        if isinstance(error, OSError):  # staging: the context changed under the build, a disk full...
            return StepFailed(f"{step.instruction} failed: {error}", path=self.plan.file, step=step)
        reason = error.message.partition("failed: ")[2] or error.message
        # A RUN's own output is on stdout (with buildah's stderr merged into it).
        output = error.stdout if step.run is not None else error.stderr
        return StepFailed(f"{step.instruction} failed: {reason}", path=self.plan.file, step=step, output=output, hint=error.hint)

    # -- the image ----------------------------------------------------------------------

    def _compose(self) -> tuple[str, str | None]:
        """The target's image: the plan's config on its layers, composed once and cached by
        what it is made of (the plan's image, and the ID of the image holding the layers).
        Returns its ID, and the cache name to give it (None when it came from the cache)."""
        assert self.plan.target_index is not None
        target = self._stages[self.plan.target_index]
        assert target.image is not None
        layers_image = self._images[target.index]
        recipe = [CACHE_FORMAT, "image", self.plan.platform, layers_image, target.image.model_dump(mode="json")]
        name = f"{CACHE_REPOSITORY}:{hashlib.sha256(json.dumps(recipe).encode()).hexdigest()}"
        if name in self._cached:
            return self._cached[name], None
        root = self._root_stage(target)
        base = None
        if not target.image.base_known and root.base.kind == "image":
            base = self._driver.inspect_image(self._external[root.base.name])["Docker"]
        layers = self._driver.inspect_image(layers_image)["Docker"] if layers_image is not None else None
        resets_cmd = any(step.instruction == "ENTRYPOINT" for stage in self._chain(target) for step in stage.steps)
        config = compose_config(target.image, self.plan.platform, layers, base, resets_cmd)
        # The image ID is the digest of the config: `import_image` checks that buildah stored
        # dfkit's config byte for byte.
        image_id = import_image(self._driver, config_bytes(config), self._scratch)
        return image_id, name

    def _chain(self, stage: m.StagePlan) -> Iterator[m.StagePlan]:
        """The stage, then the stage it is built FROM, and so on."""
        while True:
            yield stage
            if stage.base.kind != "stage" or stage.base.stage is None:
                return
            stage = self._stages[stage.base.stage]

    def _root_stage(self, stage: m.StagePlan) -> m.StagePlan:
        return list(self._chain(stage))[-1]

    def _inherits_workdir(self, stage: m.StagePlan, step: m.StepPlan) -> bool:
        if stage.image is None or stage.image.base_known:
            return False
        earlier = [s for s in stage.steps if s.index < step.index]
        ancestors = [s for parent in list(self._chain(stage))[1:] for s in parent.steps]
        return not any(s.instruction == "WORKDIR" for s in [*earlier, *ancestors])

    # -- plumbing -------------------------------------------------------------------------

    def _external_images(self) -> dict[str, str]:
        """Each external image the plan names, by its ID: it must be here (dfkit builds offline)."""
        references = set()
        for stage in _needed(self.plan):
            if stage.base.kind == "image":
                references.add(stage.base.name)
            for step in stage.steps:
                references.update(s.image for s in (step.copy_spec.sources if step.copy_spec else []) if s.image)
                references.update(mount.from_image for mount in (step.run.mounts if step.run else []) if mount.from_image)
        found = {}
        for reference in sorted(references):
            try:
                found[reference] = str(self._driver.inspect_image(reference)["FromImageID"])
            except BackendError as error:
                if "image not known" not in error.stderr:
                    raise
                raise DfkitError(
                    f"image {reference} is not in buildah's storage",
                    path=self.plan.file,
                    hint=f"dfkit builds offline (--pull=never): pull or import it first (buildah pull {reference})",
                ) from None
        return found

    def _cache_name(self, step: m.StepPlan) -> str:
        salt = [CACHE_FORMAT, self.plan.builder, step.cache_key, sorted(self._external.items())]
        return f"{CACHE_REPOSITORY}:{hashlib.sha256(json.dumps(salt).encode()).hexdigest()}"

    def _record(self, outcome: StepOutcome) -> None:
        with self._lock:
            self._outcomes.append(outcome)

    def _stop(self) -> None:
        self._stopping.set()
        self._processes.stop()


class _LockedHasher:
    """One `ContextHasher` shared by the stages' threads, one call at a time."""

    def __init__(self, hasher: ContextHasher, lock: threading.Lock) -> None:
        self._hasher = hasher
        self._lock = lock

    def digest(self, sources: Sequence[str], *, excludes: Sequence[str] = ()) -> SourcesDigest:
        with self._lock:
            digested = self._hasher.digest(sources, excludes=excludes)
            for selection in digested.selections:
                selection.entries  # listed lazily, from the hasher's state: listed here, under the lock
            return digested


# -- checks before anything runs -----------------------------------------------------------


def _check_run(plan: m.BuildPlan, step: m.StepPlan, spec: m.RunSpec, isolation: str, secrets: Mapping[str, Path]) -> None:
    def refuse(what: str, hint: str | None = None) -> DfkitError:
        return DfkitError(f"{what}: not supported by dfkit build", path=plan.file, line=step.line, hint=hint)

    for mount in spec.mounts:
        if mount.type == "ssh":
            raise refuse("RUN --mount=type=ssh", "mount the key with --secret, or fetch what it reaches in a stage")
        if "," in mount.target or "," in mount.source:
            raise refuse(f"RUN --mount with a comma in a path ({mount.target})")
        if mount.type == "cache" and (mount.from_stage is not None or mount.from_image is not None):
            raise refuse("RUN --mount=type=cache,from=...", "copy what the cache should start with in the RUN itself")
        if mount.type == "secret":
            secret_id = mount.id or posixpath.basename(mount.target)
            if mount.env:
                raise refuse("RUN --mount=type=secret,env=...", f"read the secret from /run/secrets/{secret_id}")
            if mount.uid or mount.gid:
                raise refuse("RUN --mount=type=secret with uid/gid", "a secret is mounted owned by root")
            if mount.required and secret_id not in secrets:
                raise DfkitError(
                    f"secret {secret_id!r} is required", path=plan.file, line=step.line,
                    hint=f"pass it: dfkit build --secret id={secret_id},src=FILE",
                )  # fmt: skip
    if spec.network == "none" and isolation == "chroot":
        raise refuse("RUN --network=none with --isolation chroot (a chroot shares the host's network)", "--isolation oci")
    if spec.security == "insecure":
        raise refuse("RUN --security=insecure")


def _check_copy(plan: m.BuildPlan, step: m.StepPlan, spec: m.CopySpec) -> None:
    def refuse(what: str) -> DfkitError:
        return DfkitError(f"{what}: not supported by dfkit build", path=plan.file, line=step.line)

    kinds = {source.kind for source in spec.sources}
    if "git" in kinds:
        raise refuse(f"{step.instruction} of a git repository")
    if spec.checksum is not None and kinds != {"url"}:
        raise refuse(f"{step.instruction} --checksum of a source other than a URL")
    if kinds & {"stage", "image"} and (spec.excludes or spec.parents):
        raise refuse(f"{step.instruction} --from with --exclude or --parents")


# -- small helpers -------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _needed(plan: m.BuildPlan) -> list[m.StagePlan]:
    return [stage for stage in plan.stages if stage.needed]


def label_of(stage: m.StagePlan, step: m.StepPlan) -> StepLabel:
    return StepLabel(stage.index, _stage_name(stage), step.index + 1, len(stage.steps), _first_line(step.original))


def _stage_name(stage: m.StagePlan) -> str:
    return stage.name or f"stage-{stage.index}"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 100 else line[:99] + "…"


def _action(step: m.StepPlan) -> str:
    if step.run is not None:
        return f"run {json.dumps(step.run.argv)}, commit"
    if step.copy_spec is not None:
        verb = "add" if step.copy_spec.add else "copy"
        return f"{verb} {' '.join(s.path for s in step.copy_spec.sources)} to {step.copy_spec.dest}, commit"
    return f"mkdir {step.workdir}, commit"


def _shebang(script: str) -> list[str]:
    """`#!/usr/bin/env python3 -u` -> ["/usr/bin/env", "python3 -u"]: as the kernel splits it."""
    line = script.splitlines()[0][2:].strip()
    interpreter, _, argument = line.partition(" ")
    return [interpreter, argument.strip()] if argument.strip() else [interpreter]


def _usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
