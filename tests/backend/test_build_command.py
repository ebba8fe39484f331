"""`dfkit build` as a user runs it: a subprocess on the session's buildah storage.

Exit codes and messages (a failing RUN, a host without buildah, what bud cannot build),
`--output` checked with skopeo and umoci, Ctrl-C in the middle of a RUN, `--dry-run`,
and a changed context file re-running exactly what `dfkit plan --changed` names.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from dfkit.backend.buildah import Buildah, normalized_image
from tests.backend.test_plans import make_context
from tests.conftest import REPO


def dfkit(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dfkit", *map(str, args)], capture_output=True, text=True, env=env, cwd=REPO, check=False
    )


def storage(buildah: Buildah) -> list[str]:
    return ["--root", str(buildah.root), "--runroot", str(buildah.runroot)]


def write(directory: Path, dockerfile: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    return directory / "Dockerfile"


def dfkit_containers(buildah: Buildah) -> list[str]:
    return [name for name in buildah.containers() if name.startswith("dfkit-")]


def test_build_tags_the_image_and_prints_its_id(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    dockerfile = write(tmp_path, f"FROM {base_image}\nRUN echo hi > /hi\nCMD echo $0\n")
    done = dfkit("build", dockerfile, "-t", "localhost/dfkit-test/cli:1", "--progress", "plain", *storage(buildah))
    assert done.returncode == 0, done.stderr
    image_id = done.stdout.strip()
    assert buildah.inspect_image("localhost/dfkit-test/cli:1")["FromImageID"] == image_id
    assert re.search(r"^#\d+ \[stage-0 1/2\] RUN echo hi > /hi$", done.stderr, re.M)
    assert "built localhost/dfkit-test/cli:1" in done.stderr
    # --builder buildkit (the default): BuildKit's history text, not buildah's.
    image = normalized_image(buildah.inspect_image(image_id))
    assert image["config"]["Cmd"] == ["/bin/sh", "-c", "echo $0"]
    assert [entry["created_by"] for entry in image["history"][1:]] == [
        "RUN /bin/sh -c echo hi > /hi # buildkit",
        'CMD ["/bin/sh" "-c" "echo $0"]',
    ]


def test_output_oci_layout_and_archive(buildah: Buildah, rootfs: Path, tmp_path: Path) -> None:
    if shutil.which("skopeo") is None or shutil.which("umoci") is None:
        pytest.skip("skopeo and umoci are needed (apt-get install -y skopeo umoci)")
    context = tmp_path / "context"
    make_context("config-all", context, rootfs)
    layout, archive = tmp_path / "layout", tmp_path / "image.tar"
    for output in (f"oci:{layout}", f"oci-archive:{archive}"):
        done = dfkit(
            "build", context / "Dockerfile", "-t", "localhost/dfkit-test/exported:v1", "--output", output,
            "--progress", "rich", *storage(buildah),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    image_id = done.stdout.strip()
    with tarfile.open(archive) as tar:
        # Extraction filters came in Python 3.11.4; Debian 12 has 3.11.2.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(tmp_path / "unpacked", **safe)  # type: ignore[arg-type]
    for reference in (f"oci:{layout}:v1", f"oci-archive:{archive}", f"oci:{tmp_path / 'unpacked'}:v1"):
        inspected = json.loads(subprocess.run(["skopeo", "inspect", reference], capture_output=True, check=True).stdout)
        assert inspected["Layers"] and inspected["Env"]
        # The same config bytes as in buildah's storage: the same image ID.
        raw = subprocess.run(["skopeo", "inspect", "--raw", "--config", reference], capture_output=True, check=True).stdout
        assert hashlib.sha256(raw).hexdigest() == image_id
        # Docker-only fields an OCI export would drop are kept (OCI readers ignore them).
        config = json.loads(raw)
        assert config["config"]["Healthcheck"]["Test"] == ["CMD-SHELL", "test -e /tmp"]
        assert config["config"]["Shell"] == ["/bin/sh", "-ec"]
    bundle = tmp_path / "bundle"
    subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{layout}:v1", str(bundle)], capture_output=True, check=True)
    assert (bundle / "rootfs" / "bin" / "busybox").is_file()


def test_failing_run_exits_1_with_its_output_and_span(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    dockerfile = write(tmp_path, f"FROM {base_image}\nRUN echo fine\n  RUN echo the-output && false\n")
    tag = "localhost/dfkit-test/cli-failing:1"
    done = dfkit("build", dockerfile, "-t", tag, "--progress", "plain", *storage(buildah))
    assert done.returncode == 1
    assert f"{dockerfile}:3:3: error: RUN failed" in done.stderr
    assert "  | the-output" in done.stderr
    assert not buildah.image_exists(tag)
    assert dfkit_containers(buildah) == []


def test_interrupt_leaves_no_container_and_no_tag(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    dockerfile = write(tmp_path, f"FROM {base_image}\nRUN echo started && sleep 60\n")
    tag = "localhost/dfkit-test/cli-interrupted:1"
    process = subprocess.Popen(
        [sys.executable, "-m", "dfkit", "build", str(dockerfile), "-t", tag, "--progress", "plain", *storage(buildah)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    assert process.stderr is not None
    seen: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + 60
        while not any(line.endswith(" started\n") for line in seen):
            assert time.monotonic() < deadline and selector.select(deadline - time.monotonic()), "".join(seen)
            line = process.stderr.readline()
            assert line, "".join(seen)
            seen.append(line)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 130
    assert time.monotonic() - started < 15  # the RUN's sleep was stopped, not waited for
    assert "interrupted" in process.stderr.read()
    assert dfkit_containers(buildah) == []
    assert not buildah.image_exists(tag)


def test_changed_file_reruns_what_plan_changed_names(buildah: Buildah, rootfs: Path, tmp_path: Path) -> None:
    context = tmp_path / "context"
    make_context("dockerignore", context, rootfs)
    dockerfile = context / "Dockerfile"
    build: list[str | Path] = ["build", dockerfile, "-t", "localhost/dfkit-test/cli-changed:1", "--progress", "plain"]
    build += storage(buildah)
    assert dfkit(*build).returncode == 0
    planned = dfkit("plan", dockerfile, "--context", context, "--changed", "src/main.py", "--format", "json")
    plan = json.loads(planned.stdout)
    rerun = {
        f"[{plan['stages'][stage]['name'] or f'stage-{stage}'} {step + 1}/{len(plan['stages'][stage]['steps'])}]"
        for stage, step in plan["invalidated"]
        if plan["stages"][stage]["steps"][step]["creates_layer"]
    }
    assert rerun  # the COPY of src/ and the RUN after it
    (context / "src" / "main.py").write_text("print('changed')\n")
    done = dfkit(*build)
    assert done.returncode == 0, done.stderr
    labels = dict(re.findall(r"^#(\d+) (\[[^\]]+\])", done.stderr, re.M))
    cached = set(re.findall(r"^#(\d+) CACHED$", done.stderr, re.M))
    assert {label for number, label in labels.items() if number not in cached} == rerun


def test_dry_run_builds_nothing(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    dockerfile = write(tmp_path, f"FROM {base_image}\nENV A=1\nRUN echo dry\n")
    done = dfkit("build", dockerfile, "-t", "localhost/dfkit-test/cli-dry:1", "--dry-run", *storage(buildah))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"stage stage-0: FROM {base_image}",
        "  1/2 ENV A=1: configuration only",
        '  2/2 RUN echo dry: run ["/bin/sh", "-c", "echo dry"], commit',
        "image: 2 history entries, 1 layer(s), tagged localhost/dfkit-test/cli-dry:1",
    ]
    assert not buildah.image_exists("localhost/dfkit-test/cli-dry:1")


def test_missing_buildah_is_one_error_with_the_fix(tmp_path: Path) -> None:
    dockerfile = write(tmp_path, "FROM scratch\nENV A=1\n")
    env = {**os.environ, "PATH": str(tmp_path / "nothing-here")}
    done = dfkit("build", dockerfile, "-t", "localhost/x:1", env=env)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["buildah: error: not found on PATH", "  hint: apt-get install -y buildah"]


def test_bud_backend(buildah: Buildah, rootfs: Path, tmp_path: Path) -> None:
    context = tmp_path / "context"
    make_context("dockerignore", context, rootfs)
    common = ["--backend", "bud", "--progress", "plain", *storage(buildah)]
    done = dfkit("build", context / "Dockerfile", "-t", "localhost/dfkit-test/cli-bud:1", *common)
    assert done.returncode == 0, done.stderr
    assert buildah.inspect_image("localhost/dfkit-test/cli-bud:1")["FromImageID"] == done.stdout.strip()
    wrong = dfkit("build", context / "Dockerfile", "-t", "localhost/x:1", "--builder", "buildkit", *common)
    assert wrong.returncode == 2 and "the bud backend builds buildah's image, not buildkit's" in wrong.stderr
    heredocs = tmp_path / "heredocs"
    make_context("heredocs", heredocs, rootfs)
    refused = dfkit("build", heredocs / "Dockerfile", "-t", "localhost/x:1", *common)
    assert refused.returncode == 2
    assert f"{heredocs / 'Dockerfile'}:4:1: error: COPY <<heredoc: buildah 1.28 cannot build it" in refused.stderr


def test_unchanged_rebuild_answers_from_the_build_record(buildah: Buildah, rootfs: Path, tmp_path: Path) -> None:
    """Nothing changed: the image, the tag and the CACHED lines of every layer step, with
    nothing parsed or planned. The record only vouches for what it saw: with the image
    gone, or a file changed, the build takes the normal way."""
    context = tmp_path / "context"
    make_context("dockerignore", context, rootfs)
    tag = "localhost/dfkit-test/cli-record:1"
    build = [sys.executable, "-X", "importtime", "-m", "dfkit", "build", str(context / "Dockerfile"), "-t", tag]
    build += ["--progress", "plain", *map(str, storage(buildah))]

    def run() -> tuple[str, list[str], int, bool]:
        """The image ID, the steps shown, how many of them CACHED, and whether it planned."""
        done = subprocess.run(build, capture_output=True, text=True, cwd=REPO, check=False)
        assert done.returncode == 0, done.stderr
        steps = re.findall(r"^#\d+ (\[[^\]]+\] .*)$", done.stderr, re.M)
        cached = len(re.findall(r"^#\d+ CACHED$", done.stderr, re.M))
        return done.stdout.strip(), steps, cached, "dfkit.plan.planner" in done.stderr

    image_id, steps, _, planned = run()  # (its layers may be cached: the fixture is built elsewhere too)
    assert planned and steps
    assert run() == (image_id, steps, len(steps), False)
    assert buildah.inspect_image(tag)["FromImageID"] == image_id

    # The tag taken by another image: the record moves it back.
    other = write(tmp_path / "other", f"FROM {tag}\nENV X=1\n")
    assert dfkit("build", other, "-t", tag, "--progress", "plain", *storage(buildah)).returncode == 0
    assert buildah.inspect_image(tag)["FromImageID"] != image_id
    assert run() == (image_id, steps, len(steps), False)
    assert buildah.inspect_image(tag)["FromImageID"] == image_id

    # The image removed: planned again; its layers are still cached, the same image composed.
    buildah.rmi(image_id, force=True)
    assert run() == (image_id, steps, len(steps), True)

    # A file changed (to what no other test builds): planned again, and what it feeds runs again.
    (context / "src" / "main.py").write_text(f"print({str(tmp_path)!r})\n")
    changed_id, _, cached, planned = run()
    assert planned and cached < len(steps) and changed_id != image_id
