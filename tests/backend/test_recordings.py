"""buildah 1.28 on this host reproduces the recorded builds in ../shared/conformance/docker-builds.

Each case is built with `bud --layers --format docker --isolation chroot --pull=never`, as
it was recorded, normalised with `normalized_image`, and compared with its `buildah.json`
exactly. That proves the driver and this test set-up (rootfs, build args, normalisation)
give the recorded truth, so the planner can be checked against real builds.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dfkit.backend.buildah import BudResult, Buildah, normalized_image
from dfkit.syntax import parse
from tests.backend.conftest import Bud
from tests.conftest import SHARED, require_shared

pytestmark = pytest.mark.conformance

RECORDINGS = SHARED / "conformance" / "docker-builds" if SHARED else None
NOT_CONTEXT = {"buildah.json", "docker-classic.json", "docker-buildkit.json", "build-args", "target"}

# `ADD rootfs.tar /` is recorded as `ADD file:<hex> in /`, where <hex> is buildah's digest
# of the entries it extracted: names, modes, owners and user names, link targets, contents
# (not times). The recordings kept no copy of their rootfs.tar, and no tar we made from the
# README's description gave their digest, so ours stands in for theirs; every other byte,
# the `COPY file:<hex>` digests included, must match as recorded.
RECORDED_ROOTFS_DIGEST = "file:70ab502c342b1cfe3cb9c01f054a0806930dc11bfbf268402965f0339569520c"


def _cases() -> list[str]:
    if RECORDINGS is None:
        return ["<missing>"]
    return sorted(path.name for path in RECORDINGS.iterdir() if path.is_dir())


@dataclass(frozen=True)
class CaseBuild:
    case: Path
    result: BudResult
    image: dict[str, Any]
    rootfs_digest: str  # `file:<hex>`, as our rootfs.tar shows in an ADD's history


@pytest.fixture(scope="module")
def rootfs_digest(buildah: Buildah, base_image: str) -> str:
    [entry] = normalized_image(buildah.inspect_image(base_image))["history"]
    digest = re.search(r"file:[0-9a-f]{64}", entry["created_by"])
    assert digest is not None, entry
    return digest[0]


@pytest.fixture(scope="module", params=_cases())
def build(
    request: pytest.FixtureRequest,
    buildah: Buildah,
    bud: Bud,
    rootfs: Path,
    rootfs_digest: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> CaseBuild:
    case = require_shared() / "conformance" / "docker-builds" / request.param
    context = tmp_path_factory.mktemp(request.param)
    # File by file, without modes: the shared folders are read-only.
    for path in case.iterdir():
        if path.is_file() and path.name not in NOT_CONTEXT:
            shutil.copyfile(path, context / path.name)
    shutil.copyfile(rootfs, context / "rootfs.tar")
    result = bud(
        context / "Dockerfile",
        context,
        f"localhost/dfkit-test/{request.param}:latest",
        target=_read_words(case / "target")[0] if (case / "target").exists() else None,
        build_args=dict(word.split("=", 1) for word in _read_words(case / "build-args")),
    )
    return CaseBuild(case, result, normalized_image(buildah.inspect_image(result.image_id)), rootfs_digest)


def test_image_matches_recording(build: CaseBuild) -> None:
    expected = json.loads((build.case / "buildah.json").read_text(encoding="utf-8"))
    history = [
        {**entry, "created_by": entry["created_by"].replace(build.rootfs_digest, RECORDED_ROOTFS_DIGEST)}
        for entry in build.image["history"]
    ]
    assert {**build.image, "history": history} == expected


def test_steps_map_onto_dockerfile(build: CaseBuild) -> None:
    stages = _stage_keywords((build.case / "Dockerfile").read_bytes())
    for stage in sorted({step.stage for step in build.result.steps}):
        steps = [step for step in build.result.steps if step.stage == stage]
        own = [step for step in steps if step.index is not None]
        assert [step.index for step in own] == list(range(len(stages[stage])))
        assert [step.keyword for step in own] == stages[stage]
        # A base's ONBUILD triggers run straight after the FROM, before the stage's own steps.
        triggers = [position for position, step in enumerate(steps) if step.trigger]
        assert triggers == list(range(1, 1 + len(triggers)))


def _stage_keywords(dockerfile: bytes) -> list[list[str]]:
    stages: list[list[str]] = []
    for instruction in parse(dockerfile).instructions:
        if instruction.kind == "from":
            stages.append([])
        if stages:
            stages[-1].append(instruction.kind.upper())
    return stages


def _read_words(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split() if path.exists() else []
