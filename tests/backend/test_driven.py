"""The driven backend builds the image the plan predicts, with real buildah.

For every plan fixture (heredocs included, which `buildah bud` cannot build): the image's
config, author, history and layer count equal the plan's, and (where bud can build it)
bud's own image; the files RUN and COPY wrote are there; a rebuild takes every step from
the cache, faster, and composes the very same image. For every case recorded
(`../shared/conformance/docker-builds`), the driven build for each builder (`buildkit`,
`classic`, `buildah`) equals that builder's recording (content digests aside: the
recordings' rootfs.tar is not ours). Then the parts one fixture each: external bases,
concurrent stages, RUN mounts and secrets, staging (wildcards, `--exclude`, `--parents`,
`.dockerignore`), ADD of a URL with `--checksum`, heredoc scripts, and refusals.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dfkit.backend import bud as bud_backend
from dfkit.backend.buildah import Buildah, history_instruction, normalized_image
from dfkit.backend.driven import BuildOptions, build
from dfkit.backend.progress import QuietProgress, StepLabel
from dfkit.backend.result import BuildResult, StepFailed
from dfkit.buildcontext import BuildContext
from dfkit.errors import DfkitError
from dfkit.plan import model as m
from dfkit.plan.builders import BUILDERS
from dfkit.plan.context import ContextHasher
from dfkit.plan.planner import plan
from dfkit.syntax import parse
from tests.backend.conftest import Bud
from tests.backend.test_plans import CASES as BUD_CASES
from tests.backend.test_plans import FIXTURES, comparable, make_context
from tests.conftest import SHARED, require_shared
from tests.plan.test_recordings import NOT_CONTEXT, history_rows, words

ALL_CASES = sorted({*BUD_CASES, *(p.name for p in (FIXTURES / "plan").iterdir() if (p / "Dockerfile").is_file())})

# What RUN, COPY and ADD wrote, per fixture: path -> its content, or whether it exists.
Expected = dict[str, str | bool]
FILES: dict[str, Expected] = {
    "arg-scopes": {"/args": "global-default from-build-arg stage-build-arg \n"},
    "config-all": {"/bin/busybox": True},
    "dockerignore": {
        "/app/src/main.py": True,
        "/app/docs/keep.md": True,
        "/app/src/debug.log": False,
        "/app/docs/drop.md": False,
        "/app/secrets": False,
        "/listing": True,
    },
    "entrypoint-reset": {"/bin/sh": True},
    "heredocs": {"/etc/motd": "hello from a heredoc\n", "/one": "one\n", "/two": "two\n"},
    "multistage-target": {"/app": "built\n", "/out/result": "tested\n"},
    "onbuild": {"/triggered": "triggered\n"},
    "workdir-chain": {"/where": "/srv/app/lib\n", "/srv/app/lib": True},
    "centos68": {"/bin/busybox": True},
}


@dataclass(frozen=True)
class Driven:
    name: str
    context: Path
    options: dict[str, Any]
    plan: m.BuildPlan
    first: BuildResult  # with --no-cache
    again: BuildResult  # a rebuild, from the cache
    image: dict[str, Any]


class Steps(QuietProgress):
    """Records when each step started and finished."""

    def __init__(self) -> None:
        self.times: dict[StepLabel, list[float]] = {}

    def started(self, step: StepLabel, *, cached: bool) -> None:
        self.times[step] = [time.monotonic()]

    def finished(self, step: StepLabel, seconds: float, *, failed: bool = False) -> None:
        self.times[step].append(time.monotonic())


def planned(context: Path, builder: str = "buildah", **options: Any) -> tuple[m.BuildPlan, ContextHasher]:
    dockerfile = parse((context / "Dockerfile").read_bytes(), path="Dockerfile")
    build_context = BuildContext.open(context, context / "Dockerfile")
    hasher = ContextHasher(build_context, cache_dir=context.parent / "hasher-cache")
    result = plan(dockerfile, builder=builder, context=build_context, digester=hasher, **options)
    assert result.ok, result.issues
    return result, hasher


def drive(buildah: Buildah, context: Path, tag: str, builder: str = "buildah", **options: Any) -> BuildResult:
    no_cache = options.pop("no_cache", False)
    secrets = options.pop("secrets", {})
    progress = options.pop("progress", None)
    run_cache = options.pop("run_cache", context.parent / "run-cache")
    result, hasher = planned(context, builder, **options)
    build_options = BuildOptions(tag, no_cache=no_cache, secrets=secrets, run_cache=run_cache)
    return build(result, buildah, context, hasher, build_options, progress)


def predicted(image: m.Image) -> dict[str, Any]:
    return {
        "author": image.author,
        "config": image.config.model_dump(mode="json"),
        "history": [entry.model_dump() for entry in image.history],
        "layers": image.layers,
    }


def read_files(buildah: Buildah, image: str, expected: Expected) -> Expected:
    """What the image holds at each path, in the shape `expected` asks: the content where
    it expects text (False when missing), whether it exists where it expects a bool."""
    container = buildah.from_image(image)
    try:
        found: Expected = {}
        for path, wanted in expected.items():
            exists = buildah.run(container, ["sh", "-c", 'test -e "$1" && echo yes || echo no', "sh", path]).stdout
            if exists.strip() == "no" or isinstance(wanted, bool):
                found[path] = exists.strip() == "yes"
            else:
                found[path] = buildah.run(container, ["cat", path]).stdout
        return found
    finally:
        buildah.rm(container)


@pytest.fixture(scope="module")
def driven_builds() -> dict[str, Driven]:
    return {}


@pytest.fixture
def driven(
    request: pytest.FixtureRequest,
    driven_builds: dict[str, Driven],
    buildah: Buildah,
    rootfs: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Driven:
    """Each fixture built once a module (pytest would rebuild a parametrized module
    fixture for each test whose parameters differ)."""
    name = request.param
    if name not in driven_builds:
        driven_builds[name] = _drive_fixture(name, buildah, rootfs, tmp_path_factory)
    return driven_builds[name]


def _drive_fixture(name: str, buildah: Buildah, rootfs: Path, tmp_path_factory: pytest.TempPathFactory) -> Driven:
    context = tmp_path_factory.mktemp(f"driven-{name}") / "context"
    options = make_context(name, context, rootfs)
    tag = f"localhost/dfkit-test/driven-{name}:latest"
    plan_options = {"target": options.get("target"), "build_args": options.get("build_args", {})}
    result, _ = planned(context, **plan_options)
    first = drive(buildah, context, tag, no_cache=True, **plan_options)
    again = drive(buildah, context, tag, **plan_options)
    return Driven(name, context, options, result, first, again, normalized_image(buildah.inspect_image(tag)))


@pytest.mark.parametrize("driven", ALL_CASES, indirect=True)
def test_driven_image_equals_the_plan(driven: Driven) -> None:
    assert driven.plan.image is not None
    assert comparable(driven.image) == comparable(predicted(driven.plan.image))


@pytest.mark.parametrize("driven", BUD_CASES, indirect=True)
def test_driven_image_equals_bud(driven: Driven, buildah: Buildah, bud: Bud) -> None:
    made = bud(
        driven.context / "Dockerfile",
        driven.context,
        f"localhost/dfkit-test/bud-{driven.name}:latest",
        target=driven.options.get("target"),
        build_args=driven.options.get("build_args", {}),
    )
    assert comparable(driven.image) == comparable(normalized_image(buildah.inspect_image(made.image_id)))
    # The bud backend maps buildah's steps onto the plan: one outcome per planned step.
    outcomes = bud_backend.outcomes(driven.plan, made.steps)
    assert [(o.stage, o.step, o.status == "config") for o in outcomes] == [
        (o.stage, o.step, o.status == "config") for o in driven.first.steps
    ]


@pytest.mark.parametrize("driven", ALL_CASES, indirect=True)
def test_files_are_in_the_image(driven: Driven, buildah: Buildah) -> None:
    expected = FILES[driven.name]
    assert read_files(buildah, driven.again.image_id, expected) == expected


@pytest.mark.parametrize("driven", ALL_CASES, indirect=True)
def test_rebuild_takes_every_step_from_the_cache(driven: Driven) -> None:
    first, again = driven.first, driven.again
    assert {o.status for o in first.steps} <= {"built", "config"}
    assert {o.status for o in again.steps} <= {"cached", "config"}
    assert [(o.stage, o.step) for o in again.steps] == [(o.stage, o.step) for o in first.steps]
    # The composed image is a function of the plan and the layers: the same image, again.
    assert again.image_id == first.image_id
    if any(o.status == "built" for o in first.steps):
        assert again.seconds < first.seconds


# -- Docker's own builders, as recorded ------------------------------------------------------

RECORDED = {"docker-buildkit": "buildkit", "docker-classic": "classic", "buildah": "buildah"}


def _recorded_cases() -> list[str]:
    root = SHARED / "conformance" / "docker-builds" if SHARED else None
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root else ["<no ../shared>"]


@pytest.mark.conformance
@pytest.mark.parametrize("recording", sorted(RECORDED))
@pytest.mark.parametrize("case", _recorded_cases())
def test_driven_build_equals_the_recorded_docker_build(
    case: str, recording: str, buildah: Buildah, rootfs: Path, tmp_path: Path
) -> None:
    folder = require_shared() / "conformance" / "docker-builds" / case
    context = tmp_path / "context"
    context.mkdir()
    for path in folder.iterdir():
        if path.is_file() and path.name not in NOT_CONTEXT:
            shutil.copyfile(path, context / path.name)
    shutil.copyfile(rootfs, context / "rootfs.tar")
    builder = RECORDED[recording]
    result = drive(
        buildah,
        context,
        f"localhost/dfkit-test/recorded-{case}-{builder}:latest",
        builder,
        target=next(iter(words(folder / "target")), None),
        build_args=dict(word.split("=", 1) for word in words(folder / "build-args")),
    )
    image = normalized_image(buildah.inspect_image(result.image_id))
    recorded = json.loads((folder / f"{recording}.json").read_text(encoding="utf-8"))
    unstable = BUILDERS[builder].unstable_history
    assert image["config"] == recorded["config"]
    assert image["author"] == recorded["author"]
    assert history_rows(image["history"], unstable) == history_rows(recorded["history"], unstable)
    assert image["layers"] == recorded["layers"]


@pytest.mark.parametrize(
    ("created_by", "instruction"),
    [("ENV A=1", "ENV"), ("RUN /bin/sh -c pwd > /where # buildkit", "RUN"), ("EXPOSE map[22/tcp:{}]", "EXPOSE")],
)
def test_history_instruction_reads_buildkit_entries(created_by: str, instruction: str) -> None:
    assert history_instruction(created_by) == instruction


# -- one feature each ----------------------------------------------------------------------


def write_context(directory: Path, dockerfile: str, files: dict[str, str] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Dockerfile").write_text(textwrap.dedent(dockerfile).lstrip(), encoding="utf-8")
    for name, content in (files or {}).items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(content, encoding="utf-8")
    return directory


def test_external_base_keeps_its_config_under_the_dockerfiles(
    buildah: Buildah, bud: Bud, base_image: str, tmp_path: Path
) -> None:
    context = write_context(
        tmp_path,
        f"""
        FROM {base_image}
        ENV APP=/opt/app
        WORKDIR /opt/app
        RUN echo "$APP" > marker
        ENTRYPOINT ["/bin/sh"]
        """,
    )
    result = drive(buildah, context, "localhost/dfkit-test/on-base:latest")
    made = bud(context / "Dockerfile", context, "localhost/dfkit-test/on-base-bud:latest")
    driven_image = normalized_image(buildah.inspect_image(result.image_id))
    assert comparable(driven_image) == comparable(normalized_image(buildah.inspect_image(made.image_id)))
    assert driven_image["history"][0] == normalized_image(buildah.inspect_image(base_image))["history"][0]
    assert read_files(buildah, result.image_id, {"/opt/app/marker": "/opt/app\n"}) == {"/opt/app/marker": "/opt/app\n"}


def test_independent_stages_run_concurrently(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    context = write_context(
        tmp_path,
        f"""
        FROM {base_image} AS left
        RUN sleep 1 && echo left > /left
        FROM {base_image} AS right
        RUN sleep 1 && echo right > /right
        FROM {base_image}
        COPY --from=left /left /left
        COPY --from=right /right /right
        """,
    )
    steps = Steps()
    result = drive(buildah, context, "localhost/dfkit-test/concurrent:latest", progress=steps)
    (left_start, left_end), (right_start, right_end) = (
        next(times for label, times in steps.times.items() if label.stage_name == name) for name in ("left", "right")
    )
    assert left_start < right_end and right_start < left_end, "the two stages did not overlap"
    found = read_files(buildah, result.image_id, {"/left": "left\n", "/right": "right\n"})
    assert found == {"/left": "left\n", "/right": "right\n"}


def test_target_builds_only_the_stages_it_needs(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    context = write_context(
        tmp_path,
        f"""
        FROM {base_image} AS wanted
        RUN echo wanted > /wanted
        FROM {base_image} AS unwanted
        RUN false
        """,
    )
    result = drive(buildah, context, "localhost/dfkit-test/target:latest", target="wanted")
    assert {o.stage for o in result.steps} == {0}


def test_run_mounts_and_secrets(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    context = write_context(
        tmp_path / "context",
        f"""
        FROM {base_image} AS tools
        RUN echo tool > /tool
        FROM {base_image}
        RUN --mount=type=bind,target=/ctx \\
            --mount=type=bind,from=tools,source=/tool,target=/t \\
            --mount=type=cache,target=/cache,sharing=locked \\
            --mount=type=tmpfs,target=/scratch \\
            --mount=type=secret,id=token \\
            --mount=type=secret,id=absent \\
            cat /ctx/data.txt > /from-context && test ! -e /ctx/ignored.txt && \\
            cat /t > /from-stage && \\
            echo hit >> /cache/log && cat /cache/log > /cache-seen && \\
            echo t > /scratch/t && cat /scratch/t > /tmpfs-seen && \\
            cat /run/secrets/token > /secret-seen && \\
            test ! -e /run/secrets/absent
        """,
        {"data.txt": "data\n", "ignored.txt": "no\n", ".dockerignore": "ignored.txt\n"},
    )
    (tmp_path / "token").write_text("s3cret\n")
    secrets = {"token": tmp_path / "token"}
    result = drive(buildah, context, "localhost/dfkit-test/mounts:latest", secrets=secrets, run_cache=tmp_path / "caches")
    # The cache outlives the build: the next one finds what this one left there.
    assert [path.read_text() for path in (tmp_path / "caches").glob("*/log")] == ["hit\n"]
    expected: Expected = {
        "/from-context": "data\n",
        "/from-stage": "tool\n",
        "/tmpfs-seen": "t\n",
        "/secret-seen": "s3cret\n",
        "/cache-seen": "hit\n",
        "/scratch/t": False,  # the tmpfs kept it
        "/cache/log": False,  # the cache kept it
        "/run/secrets/token": False,  # a mount point, if anything: never the secret
    }
    found = read_files(buildah, result.image_id, expected)
    if found["/run/secrets/token"]:  # buildah leaves an empty file where it mounted
        found["/run/secrets/token"] = read_files(buildah, result.image_id, {"/run/secrets/token": ""})["/run/secrets/token"] != ""
    assert found == expected


def test_copy_stages_exactly_what_the_plan_selects(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    context = write_context(
        tmp_path,
        f"""
        # syntax=docker/dockerfile:1.7-labs
        FROM {base_image}
        COPY *.txt /wild/
        COPY --exclude=b.txt --exclude=*.md . /excluded/
        COPY --parents sub/d.txt /parents/
        COPY a.txt /renamed.txt
        """,
        {"a.txt": "a\n", "b.txt": "b\n", "c.md": "c\n", "sub/d.txt": "d\n", "gone.txt": "x\n", ".dockerignore": "gone.txt\n"},
    )
    result = drive(buildah, context, "localhost/dfkit-test/staging:latest")
    expected: Expected = {
        "/wild/a.txt": "a\n",
        "/wild/b.txt": "b\n",
        "/wild/gone.txt": False,  # .dockerignore
        "/wild/c.md": False,
        "/excluded/a.txt": "a\n",
        "/excluded/b.txt": False,
        "/excluded/c.md": False,
        "/excluded/sub/d.txt": "d\n",
        "/parents/sub/d.txt": "d\n",
        "/renamed.txt": "a\n",
    }
    assert read_files(buildah, result.image_id, expected) == expected


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """An HTTP server on localhost for `ADD <url>`; yields its base URL."""
    root = tmp_path / "served"
    root.mkdir()
    (root / "payload.txt").write_text("payload\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_add_url_is_checked_against_its_checksum(buildah: Buildah, base_image: str, served: str, tmp_path: Path) -> None:
    good = hashlib.sha256(b"payload\n").hexdigest()
    context = write_context(tmp_path / "good", f"FROM {base_image}\nADD --checksum=sha256:{good} {served}/payload.txt /payload\n")
    result = drive(buildah, context, "localhost/dfkit-test/url:latest")
    assert read_files(buildah, result.image_id, {"/payload": "payload\n"}) == {"/payload": "payload\n"}
    mode = buildah.from_image(result.image_id)
    try:
        assert buildah.run(mode, ["ls", "-l", "/payload"]).stdout.startswith("-rw-------")  # Docker's 0600
    finally:
        buildah.rm(mode)
    bad = write_context(tmp_path / "bad", f"FROM {base_image}\nADD --checksum=sha256:{'0' * 64} {served}/payload.txt /payload\n")
    with pytest.raises(StepFailed) as caught:
        drive(buildah, bad, "localhost/dfkit-test/url-bad:latest")
    assert "checksum mismatch" in caught.value.message
    assert (caught.value.line, caught.value.exit_code) == (2, 1)
    assert not buildah.image_exists("localhost/dfkit-test/url-bad:latest")


def test_heredoc_with_a_shebang_runs_as_a_script(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    context = write_context(
        tmp_path,
        f"""
        FROM {base_image}
        RUN <<EOF
        #!/bin/sh -e
        echo "script $0" > /ran
        EOF
        """,
    )
    result = drive(buildah, context, "localhost/dfkit-test/script:latest")
    assert read_files(buildah, result.image_id, {"/ran": "script /dev/stdin\n"}) == {"/ran": "script /dev/stdin\n"}


@pytest.mark.parametrize(
    ("instruction", "message"),
    [
        ("RUN --mount=type=ssh true", "RUN --mount=type=ssh: not supported by dfkit build"),
        ("RUN --network=none true", "RUN --network=none with --isolation chroot"),
        ("RUN --mount=type=secret,id=key,required=true true", "secret 'key' is required"),
        ("ADD https://example.com/repo.git /src", "ADD of a git repository: not supported"),
    ],
)
def test_what_cannot_be_built_is_refused_first(
    buildah: Buildah, base_image: str, tmp_path: Path, instruction: str, message: str
) -> None:
    context = write_context(tmp_path, f"FROM {base_image}\n{instruction}\n")
    containers = buildah.containers()
    with pytest.raises(DfkitError) as caught:
        drive(buildah, context, "localhost/dfkit-test/refused:latest")
    assert message in caught.value.message
    assert caught.value.line == 2 and caught.value.exit_code == 2
    assert buildah.containers() == containers


def test_failing_step_leaves_no_container_and_no_tag(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    context = write_context(tmp_path, f"FROM {base_image}\nRUN echo before\nRUN echo the-output && false\n")
    containers = buildah.containers()
    with pytest.raises(StepFailed) as caught:
        drive(buildah, context, "localhost/dfkit-test/failing:latest")
    assert caught.value.line == 3 and caught.value.exit_code == 1
    assert "the-output" in caught.value.output
    assert buildah.containers() == containers
    assert not buildah.image_exists("localhost/dfkit-test/failing:latest")


def test_base_image_must_be_present(buildah: Buildah, tmp_path: Path) -> None:
    context = write_context(tmp_path, "FROM localhost/dfkit-test/not-there:1\nRUN true\n")
    with pytest.raises(DfkitError) as caught:
        drive(buildah, context, "localhost/dfkit-test/no-base:latest")
    assert "is not in buildah's storage" in caught.value.message
    assert caught.value.hint is not None and "--pull=never" in caught.value.hint
