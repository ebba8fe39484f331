"""A thin, typed driver over the buildah CLI (1.28, as Debian 12 ships it).

Two ways in. `Buildah.bud` hands buildah a whole Dockerfile: Docker-classic fidelity, and
with `--layers` one cached image per instruction, whose `STEP n/m` lines `parse_steps`
maps back onto the Dockerfile. `from_image`/`run`/`copy`/`add`/`config`/`commit` drive the
run -> commit loop one step at a time.

buildah's quirks on this kind of host (`../shared/research/build-backend.md`) are handled
once, here, each with a comment where it is handled. Every command takes an argv list and
raises `BackendError`, carrying buildah's stderr, when it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dfkit.errors import DfkitError

Format = Literal["docker", "oci"]
Pull = Literal["never", "missing", "newer", "always"]
Isolation = Literal["chroot", "oci", "rootless"]
OnOutput = Callable[[str], None]  # receives a command's output line by line, as it comes

# What bud and Docker put in a scratch stage's Env.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The image config fields the recordings in ../shared/conformance/docker-builds compare.
CONFIG_FIELDS = (
    "Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes",
    "Labels", "StopSignal", "Healthcheck", "Shell", "OnBuild",
)  # fmt: skip
# The OCI image config has no place for these: an OCI image silently loses them.
DOCKER_ONLY_FIELDS = ("Healthcheck", "OnBuild", "Shell")
# buildah stamps every image it commits with its version; no Dockerfile asked for it.
IDENTITY_LABEL = "io.buildah.version"


class BackendError(DfkitError):
    """buildah is missing, cannot run on this host, or one of its commands failed."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        path: str = "buildah",
        argv: Sequence[str] = (),
        returncode: int | None = None,
        stdout: str = "",
        stderr: str = "",
    ) -> None:
        super().__init__(message, path=path, hint=hint)
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def __str__(self) -> str:
        text = super().__str__()
        if self.stderr.strip():
            text += "\n" + textwrap.indent(self.stderr.rstrip(), "  | ")
        return text


@dataclass(frozen=True)
class Healthcheck:
    """HEALTHCHECK as the image config stores it: durations in nanoseconds, 0 meaning unset."""

    test: tuple[str, ...]  # ("CMD-SHELL", "cmd"), ("CMD", "exe", "arg"...) or ("NONE",)
    interval: int = 0
    timeout: int = 0
    start_period: int = 0
    retries: int = 0


@dataclass(frozen=True)
class BudStep:
    """One `STEP n/m: ...` of a bud, with what buildah printed for it."""

    stage: int  # position of the stage in the Dockerfile, from 0 (skipped stages keep their number)
    number: int  # buildah's n; 1 is the FROM
    text: str  # the instruction as buildah echoes it: continuations joined, FROM naming the resolved base
    index: int | None  # position of the instruction within its stage (FROM is 0); None for an ONBUILD trigger
    image_id: str | None  # the image committed for the step (short, or full when cached); None for FROM
    cached: bool
    output: tuple[str, ...]  # the step's lines on stdout, e.g. a RUN's output

    @property
    def keyword(self) -> str:
        return self.text.split(None, 1)[0].upper() if self.text.strip() else ""

    @property
    def trigger(self) -> bool:
        return self.index is None


@dataclass(frozen=True)
class BudResult:
    image_id: str  # full hex, no "sha256:"
    tag: str
    steps: tuple[BudStep, ...]
    warnings: tuple[str, ...]  # buildah's `level=warning` messages, e.g. fields the OCI format ignored
    stdout: str
    stderr: str
    seconds: float


class Processes:
    """The buildah commands one build has running, each in a session of its own.

    In its own session a command never sees the terminal's Ctrl-C, which reaches dfkit
    alone; `stop` then ends every running command (with what it started in its chroot)
    and refuses new ones, so the build cleans up, with a driver that has no `Processes`,
    knowing that nothing it started is still at work.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self._stopped = False

    @contextlib.contextmanager
    def start(self, argv: Sequence[str], **options: Any) -> Iterator[subprocess.Popen[str]]:
        with self._lock:
            if self._stopped:
                raise BackendError("the build was stopped", argv=argv)
            process = subprocess.Popen(argv, start_new_session=True, **options)
            self._running.add(process)
        try:
            yield process
        except BaseException:
            # Interrupted while waiting for it (Ctrl-C in this thread): it must not go on alone.
            _terminate(process)
            raise
        finally:
            with self._lock:
                self._running.discard(process)
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            running = list(self._running)
        for process in running:
            _terminate(process)


def _terminate(process: subprocess.Popen[str], grace: float = 10.0) -> None:
    """SIGTERM to the command's session (buildah, and what it runs in the chroot), then
    SIGKILL if it is still there after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def check_host(executable: str = "buildah") -> str:
    """The path of buildah, once this host can run it; a `BackendError` naming the fix otherwise."""
    path = shutil.which(executable)
    if path is None:
        raise _missing(executable)
    uid = os.geteuid()
    if uid != 0:
        check_rootless(pwd.getpwuid(uid).pw_name, uid)
    return path


def check_rootless(
    user: str,
    uid: int,
    *,
    subuid: Path = Path("/etc/subuid"),
    subgid: Path = Path("/etc/subgid"),
    proc_sys: Path = Path("/proc/sys"),
) -> None:
    """Rootless buildah needs user namespaces, newuidmap and subordinate id ranges."""
    # A Debian kernel sysctl; other kernels lack the file, and allow unprivileged userns.
    if _read_int(proc_sys / "kernel" / "unprivileged_userns_clone") == 0:
        raise BackendError(
            "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)",
            hint="sysctl -w kernel.unprivileged_userns_clone=1, or build as root",
        )
    if _read_int(proc_sys / "user" / "max_user_namespaces") == 0:
        raise BackendError(
            "user namespaces are disabled (user.max_user_namespaces = 0)",
            hint="sysctl -w user.max_user_namespaces=65536, or build as root",
        )
    for table in (subuid, subgid):
        # Without a range buildah warns, ADD still works, and then every RUN fails with
        # "error setting supplemental groups list": refuse up front instead.
        if not _has_subordinate_range(table, user, uid):
            raise BackendError(
                f"no subordinate id range for user {user!r} in {table}: every RUN would fail",
                hint=f"usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {user}",
            )
    if shutil.which("newuidmap") is None or shutil.which("newgidmap") is None:
        raise BackendError("newuidmap/newgidmap not found on PATH", hint="apt-get install -y uidmap")


def parse_steps(stdout: str) -> tuple[BudStep, ...]:
    """The steps of a `bud` from what it printed on stdout."""
    drafts: list[_StepDraft] = []
    first_total: dict[int, int] = {}
    committed = False
    for line in stdout.splitlines():
        if step := _STEP_LINE.match(line):
            stage = int(step["stage"] or 1) - 1
            number, total = int(step["number"]), int(step["total"])
            # The base image's ONBUILD triggers run right after FROM, and buildah raises the
            # stage's step count by one per trigger from then on ("STEP 1/3", "STEP 2/5").
            triggers = total - first_total.setdefault(stage, total)
            index = None if 1 < number <= 1 + triggers else number - 1 - triggers
            drafts.append(_StepDraft(stage, number, step["text"], index))
            committed = False
        elif not drafts:
            continue
        elif cache := _CACHE_LINE.match(line):
            drafts[-1].image_id, drafts[-1].cached = cache["id"], True
        elif image := _IMAGE_LINE.match(line):
            # After "Using cache <full id>" buildah repeats the short id: keep the full one.
            drafts[-1].image_id = drafts[-1].image_id or image["id"]
        elif _COMMIT_LINE.match(line):
            committed = True
        elif not committed:
            drafts[-1].output.append(line)
    return tuple(draft.freeze() for draft in drafts)


def stored_name(tag: str) -> str:
    """The name buildah stores `tag` under: `localhost/` for a name without a registry,
    `:latest` for one without a tag (as `Buildah.images` lists it)."""
    first, slash, _ = tag.partition("/")
    if not slash or ("." not in first and ":" not in first and first != "localhost"):
        tag = f"localhost/{tag}"
    last = tag.rsplit("/", 1)[-1]
    return tag if ":" in last or "@" in last else f"{tag}:latest"


def history_instruction(created_by: str) -> str:
    """The Dockerfile keyword behind an image history entry, read the way the recordings read it."""
    # Docker classic and buildah record a metadata step as `<SHELL> #(nop) KEYWORD args`
    # (classic pads with a second space); a RUN with build args as `|N K=V ... <SHELL> cmd`.
    # BuildKit starts every entry with its keyword: `ENV A=1`, `RUN /bin/sh -c ... # buildkit`.
    if not created_by.startswith("|"):
        _, nop, rest = created_by.partition("#(nop)")
        if nop and rest.strip():
            return rest.split(None, 1)[0]
        first = created_by.split(None, 1)[0] if created_by.strip() else ""
        if first in _KEYWORDS:
            return first
    return "RUN" if created_by else ""


def normalized_image(inspect_json: Mapping[str, Any]) -> dict[str, Any]:
    """An image in the recordings' shape, from `buildah inspect --type image` or a bare image config."""
    image: Mapping[str, Any] = inspect_json.get("Docker") or inspect_json
    config: Mapping[str, Any] = image.get("config") or {}
    labels = config.get("Labels")
    normalized_config = {name: config.get(name) for name in CONFIG_FIELDS}
    if labels is not None:
        normalized_config["Labels"] = {key: value for key, value in labels.items() if key != IDENTITY_LABEL}
    history = [
        {
            "instruction": history_instruction(entry.get("created_by", "")),
            "created_by": entry.get("created_by", ""),
            "empty_layer": bool(entry.get("empty_layer", False)),
        }
        for entry in image.get("history") or []
    ]
    return {
        "author": image.get("author") or None,
        "config": normalized_config,
        "history": history,
        "layers": len((image.get("rootfs") or {}).get("diff_ids") or []),
    }


@dataclass(frozen=True)
class Buildah:
    """One buildah storage (driver, root, runroot) and the isolation every RUN uses.

    The default isolation is chroot: buildah's default runtime, crun 1.8, fails on hybrid
    cgroups ("cgroups in hybrid mode not supported"), as root and rootless alike, and chroot
    needs no cgroups at all.
    """

    storage_driver: str = "vfs"
    root: Path | None = None
    runroot: Path | None = None
    isolation: Isolation = "chroot"
    executable: str = "buildah"
    processes: Processes | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # With --root alone buildah keeps its locks in the system runroot, which a rootless
        # user cannot create (mkdir /run/containers/storage: permission denied) and root
        # would share with every other store.
        if self.root is not None and self.runroot is None:
            raise ValueError("Buildah(root=...) needs runroot=... too")

    @classmethod
    def locate(
        cls,
        *,
        storage_driver: str = "vfs",
        root: Path | None = None,
        runroot: Path | None = None,
        isolation: Isolation = "chroot",
    ) -> Buildah:
        """A driver for the buildah on PATH, once `check_host` has found this host able to run it."""
        return cls(storage_driver, root, runroot, isolation, check_host())

    @property
    def global_options(self) -> list[str]:
        options = ["--storage-driver", self.storage_driver]
        if self.root is not None and self.runroot is not None:
            options += ["--root", str(self.root), "--runroot", str(self.runroot)]
        return options

    # -- whole Dockerfiles -------------------------------------------------------------

    def bud(
        self,
        dockerfile: Path,
        context: Path,
        tag: str,
        *,
        target: str | None = None,
        build_args: Mapping[str, str] | None = None,
        layers: bool = True,
        format: Format = "docker",
        pull: Pull = "never",
        no_cache: bool = False,
        secrets: Mapping[str, Path] | None = None,
        on_output: OnOutput | None = None,
    ) -> BudResult:
        """Build `dockerfile` in `context` and tag it.

        `format="docker"` by default: in OCI format bud drops HEALTHCHECK, SHELL and ONBUILD
        with only a warning (kept in `BudResult.warnings`). `pull="never"`: otherwise a
        missing local image sends buildah to the registry, three tries two seconds apart.
        """
        args = [
            "--isolation", self.isolation, "--format", format,
            f"--layers={str(layers).lower()}", f"--pull={pull}", "-f", str(dockerfile), "-t", tag,
        ]  # fmt: skip
        if target is not None:
            args += ["--target", target]
        for name, value in (build_args or {}).items():
            args += ["--build-arg", f"{name}={value}"]
        if no_cache:
            args.append("--no-cache")
        for secret, path in (secrets or {}).items():
            args += ["--secret", f"id={secret},src={path}"]
        # No --iidfile: with it, buildah stops printing the `--> <id>` line of every step,
        # which is what ties a step to its image. The full ID is stdout's last line instead.
        start = time.perf_counter()
        done = self._run("bud", *args, str(context), on_output=on_output)
        seconds = time.perf_counter() - start
        lines = done.stdout.splitlines()
        image_id = lines[-1] if lines and _FULL_ID.fullmatch(lines[-1]) else self._image_id(tag)
        return BudResult(
            image_id=image_id,
            tag=tag,
            steps=parse_steps(done.stdout),
            warnings=tuple(_warnings(done.stderr)),
            stdout=done.stdout,
            stderr=done.stderr,
            seconds=seconds,
        )

    # -- images --------------------------------------------------------------------------

    def inspect_image(self, ref: str) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self._run("inspect", "--type", "image", ref).stdout)
        return result

    def inspect_container(self, container: str) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self._run("inspect", "--type", "container", container).stdout)
        return result

    def image_exists(self, ref: str) -> bool:
        try:
            self._run("inspect", "--type", "image", "--format", "{{.FromImageID}}", ref)
        except BackendError as error:
            if "image not known" in error.stderr:
                return False
            raise
        return True

    def images(self) -> dict[str, str]:
        """Every name of every image in this storage (`localhost/name:tag`), with its image ID."""
        images = json.loads(self._run("images", "--json", "--no-trunc").stdout or "[]")
        return {name: image["id"].removeprefix("sha256:") for image in images for name in image.get("names") or ()}

    def tag(self, image: str, *names: str) -> None:
        """Give `image` these names, taking each from the image that had it."""
        self._run("tag", image, *names)

    def pull(self, source: str) -> str:
        """Import an image (`dir:DIR`, `oci:DIR[:REF]`, `docker-archive:FILE`); returns its ID.

        Layers whose digest the storage already holds are reused, never read from `source`.
        """
        return self._run("pull", "-q", source).stdout.split()[-1]

    def rmi(self, *refs: str, force: bool = False) -> None:
        if refs:
            self._run("rmi", *(["--force"] if force else []), *refs)

    def push(self, ref: str, dest: str, *, format: Format = "oci") -> None:
        """Export an image to `dest`: `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE`.

        `format="docker"` keeps a Docker manifest and config inside an OCI layout, which
        strict OCI validators reject; in OCI format buildah drops the Docker-only fields
        silently, so an image that has them is refused rather than exported without them.
        """
        if format == "oci":
            _refuse_docker_only_fields(self.inspect_image(ref), f"push {ref} in OCI format")
        self._run("push", "-q", "--format", format, ref, dest)

    def import_rootfs(self, tar: Path, tag: str) -> str:
        """An image holding one root filesystem tar, like `FROM scratch` + `ADD tar /`, offline."""
        container = self.from_image("scratch")
        try:
            digest = self.add(container, [tar], "/")
            # The history entry bud writes for that ADD.
            self.config(container, created_by=f"/bin/sh -c #(nop) ADD file:{digest} in / ")
            return self.commit(container, tag)
        except BackendError:
            self._discard(container)
            raise

    # -- working containers: the run -> commit loop --------------------------------------

    def from_image(
        self,
        image: str = "scratch",
        *,
        name: str | None = None,
        format: Format = "docker",
        pull: Pull = "never",
        default_path: bool = True,
    ) -> str:
        """A working container on `image` (or on nothing, for "scratch"); returns its name.

        Like Docker's FROM, this runs the image's ONBUILD triggers, and drops them: a driven
        build must set ONBUILD on its final container only. `default_path=False` leaves a
        scratch container without the default PATH (for a caller that passes the whole
        environment to every `run`).
        """
        name = name or f"dfkit-{secrets.token_hex(6)}"
        try:
            self._run(
                "from", f"--pull={pull}", f"--format={format}", f"--isolation={self.isolation}", "--name", name, image
            )
        except BackendError:
            # A failing ONBUILD trigger fails `from` after the container exists: it would leak.
            self._discard(name)
            raise
        if image == "scratch" and default_path:
            # bud and Docker give a scratch stage the default PATH; `buildah from scratch` gives no Env.
            self.config(name, env={"PATH": DEFAULT_PATH})
        return name

    def run(
        self,
        container: str,
        command: Sequence[str] | str,
        *,
        env: Mapping[str, str] | None = None,
        workdir: str | None = None,
        user: str | None = None,
        mounts: Sequence[str] = (),
        network: str | None = None,
        shell: Sequence[str] = ("/bin/sh", "-c"),
        stdin: str | None = None,
        on_output: OnOutput | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run an argv (exec form) or a string under `shell` (shell form) in the container.

        buildah ignores the image's Shell here, so a shell-form RUN after SHELL must pass
        that shell. `env` is for build args: the container's own Env, User and WorkingDir
        apply anyway (and a missing WorkingDir is created). `mounts` take buildah's
        `type=bind,source=...,destination=...` form. With `on_output`, the command's stdout
        and stderr come as one stream, line by line, and both fields of the result hold it.

        When the command fails, what it wrote last can be missing from the error's stderr:
        in chroot isolation buildah 1.28 may stop relaying output once the command exits
        non-zero (seen in about 1 failing run in 40 on a loaded 2-core machine).
        """
        argv = [*shell, command] if isinstance(command, str) else list(command)
        # `run` does not remember the isolation given to `from`: pass it every time.
        args = ["--isolation", self.isolation]
        for key, value in (env or {}).items():
            args += ["--env", f"{key}={value}"]
        if workdir is not None:
            args += ["--workingdir", workdir]
        if user is not None:
            args += ["--user", user]
        for mount in mounts:
            args += ["--mount", mount]
        if network is not None:
            args += ["--network", network]
        return self._run("run", *args, container, "--", *argv, stdin=stdin, on_output=on_output)

    def copy(
        self,
        container: str,
        sources: Sequence[str | Path],
        dest: str,
        *,
        chown: str | None = None,
        chmod: str | None = None,
        from_: str | None = None,
        contextdir: Path | None = None,
    ) -> str:
        """COPY into the container; returns the content digest bud records as `file:<digest>`.

        With `from_` (an image or container), `sources` are paths inside it.
        """
        return self._transfer("copy", container, sources, dest, chown, chmod, from_, contextdir)

    def add(
        self,
        container: str,
        sources: Sequence[str | Path],
        dest: str,
        *,
        chown: str | None = None,
        chmod: str | None = None,
        from_: str | None = None,
        contextdir: Path | None = None,
    ) -> str:
        """ADD into the container: like `copy`, but local archives are extracted."""
        return self._transfer("add", container, sources, dest, chown, chmod, from_, contextdir)

    def mkdir(self, container: str, path: str) -> None:
        """Create a directory, as WORKDIR does: `config(workingdir=...)` alone does not."""
        with tempfile.TemporaryDirectory(prefix="dfkit-empty-") as empty:
            # Copying an empty directory creates the whole destination chain, even on scratch.
            self.copy(container, [empty], path)

    def config(
        self,
        container: str,
        *,
        env: Mapping[str, str] | None = None,
        cmd: Sequence[str] | None = None,
        entrypoint: Sequence[str] | None = None,
        workingdir: str | None = None,
        user: str | None = None,
        ports: Sequence[str] = (),
        volumes: Sequence[str] = (),
        labels: Mapping[str, str] | None = None,
        stop_signal: str | None = None,
        healthcheck: Healthcheck | None = None,
        shell: Sequence[str] | None = None,
        onbuild: Sequence[str] = (),
        author: str | None = None,
        created_by: str | None = None,
    ) -> None:
        """Change the container's image config; `None` and empty leave a setting alone.

        `cmd=[]` clears CMD. buildah's `entrypoint` keeps an inherited CMD, where Docker
        clears it unless the stage set its own: the caller knows which, and passes `cmd=[]`.
        `created_by` is the history text of the next commit's layer entry.
        """
        args: list[str] = []
        for key, value in (env or {}).items():
            args += ["--env", f"{key}={value}"]
        # CMD and ENTRYPOINT go as JSON: a plain string is split on whitespace (CMD) or
        # wrapped in `/bin/sh -c` (ENTRYPOINT). An empty value clears either.
        if cmd is not None:
            args += ["--cmd", json.dumps(list(cmd)) if cmd else ""]
        if entrypoint is not None:
            args += ["--entrypoint", json.dumps(list(entrypoint)) if entrypoint else ""]
        if workingdir is not None:
            args += ["--workingdir", workingdir]
        if user is not None:
            args += ["--user", user]
        for port in ports:
            # buildah stores "80" as written; the image config (and bud) say "80/tcp".
            args += ["--port", port if "/" in port else f"{port}/tcp"]
        for volume in volumes:
            args += ["--volume", volume]
        for key, value in (labels or {}).items():
            args += ["--label", f"{key}={value}"]
        if stop_signal is not None:
            args += ["--stop-signal", stop_signal]
        if healthcheck is not None:
            args += _healthcheck_options(healthcheck)
        if shell is not None:
            # --shell is not parsed as JSON (["/bin/ash","-c"] would become one word) but
            # split with shell-word rules: quote each word.
            args += ["--shell", shlex.join(shell)]
        for trigger in onbuild:
            args += ["--onbuild", trigger]
        if author is not None:
            args += ["--author", author]
        if created_by is not None:
            args += ["--created-by", created_by]
        if args:
            self._run("config", *args, container)

    def commit(
        self,
        container: str,
        tag: str | None = None,
        *,
        format: Format = "docker",
        squash: bool = False,
        rm: bool = True,
        timestamp: int | None = None,
    ) -> str:
        """Commit the container as an image; returns the image ID.

        Every commit adds a layer, even an empty one, holding the container's whole diff
        from the image `from_image` started it on: commit after filesystem steps only, and
        start the next step from the committed image.
        """
        if format == "oci":
            _refuse_docker_only_fields(self.inspect_container(container), f"commit {container} in OCI format")
        args = ["-q", "--format", format]
        if squash:
            args.append("--squash")
        if rm:
            args.append("--rm")
        if timestamp is not None:
            args += ["--timestamp", str(timestamp)]
        done = self._run("commit", *args, container, *([tag] if tag else []))
        return done.stdout.split()[-1]

    def rm(self, *containers: str) -> None:
        if containers:
            self._run("rm", *containers)

    def containers(self) -> list[str]:
        """The names of this storage's working containers."""
        return self._run("containers", "--noheading", "--format", "{{.ContainerName}}").stdout.split()

    # -- the storage as a whole -------------------------------------------------------------

    def prune(self) -> None:
        """Remove every container, then every image, of this storage."""
        self._run("rm", "--all")
        self._run("rmi", "--all", "--force")

    def unshare(self, argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        """Run a host command in buildah's user namespace, where a rootless store's files are ours."""
        return self._run("unshare", "--", *argv)

    # -- plumbing -----------------------------------------------------------------------

    def _transfer(
        self,
        verb: Literal["copy", "add"],
        container: str,
        sources: Sequence[str | Path],
        dest: str,
        chown: str | None,
        chmod: str | None,
        from_: str | None,
        contextdir: Path | None,
    ) -> str:
        args: list[str] = []
        if chown is not None:
            args += ["--chown", chown]
        if chmod is not None:
            args += ["--chmod", chmod]
        if from_ is not None:
            args += ["--from", from_]
        if contextdir is not None:
            args += ["--contextdir", str(contextdir)]
        done = self._run(verb, *args, container, *map(str, sources), dest)
        return done.stdout.split()[-1]

    def _image_id(self, ref: str) -> str:
        return str(self.inspect_image(ref)["FromImageID"])

    def _discard(self, container: str) -> None:
        """Remove a container on an error path, where the first error is the one to report."""
        with contextlib.suppress(BackendError):
            self.rm(container)

    def _run(
        self, subcommand: str, *args: str, stdin: str | None = None, on_output: OnOutput | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = [self.executable, *self.global_options, subcommand, *args]
        try:
            if self.processes is None and on_output is None:
                done = subprocess.run(
                    argv, input=stdin, capture_output=True, text=True, encoding="utf-8", errors="replace",
                    env=_child_env(), check=False,
                )  # fmt: skip
            else:
                done = self._watched(argv, stdin, on_output)
        except FileNotFoundError:
            raise _missing(self.executable) from None
        if done.returncode != 0:
            raise _failure(subcommand, argv, done)
        return done

    def _watched(
        self, argv: list[str], stdin: str | None, on_output: OnOutput | None
    ) -> subprocess.CompletedProcess[str]:
        """Run through `processes` (when set), streaming the output to `on_output` (when set)."""
        with contextlib.ExitStack() as stack:
            source = None
            if stdin is not None:
                # A file, not a pipe: nothing to feed while the output is being read.
                source = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
                source.write(stdin)
                source.seek(0)
            options: dict[str, Any] = {
                "stdin": source if source is not None else subprocess.DEVNULL,
                "stdout": subprocess.PIPE,
                "stderr": subprocess.STDOUT if on_output is not None else subprocess.PIPE,
                "text": True, "encoding": "utf-8", "errors": "replace", "env": _child_env(),
            }  # fmt: skip
            start = self.processes.start if self.processes is not None else _popen
            with start(argv, **options) as process:
                if on_output is None:
                    stdout, stderr = process.communicate()
                else:
                    assert process.stdout is not None
                    lines = []
                    for line in process.stdout:
                        lines.append(line)
                        on_output(line.rstrip("\n"))
                    process.wait()
                    stdout = stderr = "".join(lines)
        return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


@dataclass
class _StepDraft:
    stage: int
    number: int
    text: str
    index: int | None
    image_id: str | None = None
    cached: bool = False
    output: list[str] = field(default_factory=list)

    def freeze(self) -> BudStep:
        return BudStep(self.stage, self.number, self.text, self.index, self.image_id, self.cached, tuple(self.output))


_KEYWORDS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)
_STEP_LINE = re.compile(r"(?:\[(?P<stage>\d+)/\d+\] )?STEP (?P<number>\d+)/(?P<total>\d+): (?P<text>.*)")
_CACHE_LINE = re.compile(r"--> Using cache (?P<id>[0-9a-f]{64})")
_IMAGE_LINE = re.compile(r"--> (?P<id>[0-9a-f]{11,64})")
_COMMIT_LINE = re.compile(r"(?:\[\d+/\d+\] )?COMMIT(?: .*)?")
_FULL_ID = re.compile(r"[0-9a-f]{64}")
_LOG_LINE = re.compile(r'time="[^"]*" level=(?P<level>\w+) msg="(?P<msg>(?:[^"\\]|\\.)*)"')

# Failures this host is known for, by a piece of buildah's stderr, with their fix.
_KNOWN_FAILURES = (
    ("cgroups in hybrid mode not supported", "crun cannot run on hybrid cgroups: use isolation='chroot'"),
    (
        "error setting supplemental groups list",
        "the user has no range in /etc/subuid and /etc/subgid: usermod --add-subuids 100000-165535 "
        "--add-subgids 100000-165535 USER",
    ),
    ("pinging container registry", "dfkit builds offline: build or import the base image first (pull='never')"),
)


@contextlib.contextmanager
def _popen(argv: Sequence[str], **options: Any) -> Iterator[subprocess.Popen[str]]:
    with subprocess.Popen(argv, **options) as process:
        yield process


def _child_env() -> dict[str, str]:
    # BUILDAH_HISTORY=true would make copy/add/config add history entries of their own,
    # which in 1.28 ignore --created-by and add spurious `ENV ` entries: the history is
    # written by commit's --created-by alone.
    return {key: value for key, value in os.environ.items() if key != "BUILDAH_HISTORY"}


def _missing(executable: str) -> BackendError:
    return BackendError("not found on PATH", path=executable, hint="apt-get install -y buildah")


def _failure(subcommand: str, argv: Sequence[str], done: subprocess.CompletedProcess[str]) -> BackendError:
    lines = [_log_message(line) for line in done.stderr.splitlines() if line.strip()]
    summary = lines[-1].removeprefix("Error: ") if lines else "nothing on stderr"
    hint = next((fix for symptom, fix in _KNOWN_FAILURES if symptom in done.stderr), None)
    return BackendError(
        f"`buildah {subcommand}` failed: {summary}",
        hint=hint,
        argv=argv,
        returncode=done.returncode,
        stdout=done.stdout,
        stderr=done.stderr,
    )


def _log_message(line: str) -> str:
    """The message of a logrus line (`time=... level=... msg="..."`), or the line itself."""
    match = _LOG_LINE.fullmatch(line.strip())
    if match is None:
        return line.strip()
    try:
        return str(json.loads(f'"{match["msg"]}"'))  # Go's %q quoting, close enough to JSON's
    except json.JSONDecodeError:
        return match["msg"]


def _warnings(stderr: str) -> list[str]:
    messages = []
    for line in stderr.splitlines():
        match = _LOG_LINE.fullmatch(line.strip())
        if match is not None and match["level"] == "warning":
            messages.append(_log_message(line))
    return messages


def _healthcheck_options(healthcheck: Healthcheck) -> list[str]:
    # --healthcheck is not parsed as JSON but split into words: an unquoted
    # `CMD-SHELL wget ... || exit 1` loses its `|| exit 1`. Quote each word instead.
    # The durations and retries always go too: left out, buildah writes Interval 30s,
    # Timeout 30s and Retries 3 (even for NONE), where the image config leaves 0 for unset.
    return [
        "--healthcheck", shlex.join(healthcheck.test),
        "--healthcheck-interval", f"{healthcheck.interval}ns",
        "--healthcheck-timeout", f"{healthcheck.timeout}ns",
        "--healthcheck-start-period", f"{healthcheck.start_period}ns",
        "--healthcheck-retries", str(healthcheck.retries),
    ]  # fmt: skip


def _refuse_docker_only_fields(inspect_json: Mapping[str, Any], action: str) -> None:
    config = (inspect_json.get("Docker") or {}).get("config") or {}
    present = [name for name in DOCKER_ONLY_FIELDS if config.get(name)]
    if present:
        raise BackendError(
            f"{action} would silently drop {', '.join(present)}: OCI image configs have no such fields",
            hint="use format='docker'",
        )


def _has_subordinate_range(table: Path, user: str, uid: int) -> bool:
    try:
        lines = table.read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    for line in lines:
        owner, _, rest = line.strip().partition(":")
        start, _, count = rest.partition(":")
        if owner in (user, str(uid)) and start.isdigit() and count.isdigit() and int(count) > 0:
            return True
    return False


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
