"""The plan against real builds recorded with Docker 20.10 (classic builder and BuildKit)
and buildah 1.28: `../shared/conformance/docker-builds/`.

For every case and every builder, the plan for that builder must give the recorded
image: config, author, layer count, and each history entry's instruction, empty_layer
and created_by. Two things are not compared: content digests in `ADD/COPY file:<hex>`
(they hash tar streams of files that were not kept) and history text the builder prints
from a Go map in random order (the classic builder's EXPOSE, `unstable_history`).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from dfkit.buildcontext import BuildContext
from dfkit.plan.builders import BUILDERS
from dfkit.plan.context import ContextHasher
from dfkit.plan.planner import plan
from dfkit.syntax import parse
from tests.backend.rootfs import BusyboxMissing, write_rootfs_tar
from tests.conftest import SHARED, require_shared

RECORDINGS = {"docker-classic": "classic", "docker-buildkit": "buildkit", "buildah": "buildah"}
NOT_CONTEXT = {*(f"{name}.json" for name in RECORDINGS), "build-args", "target"}
DIGEST = re.compile(r"\b(file|dir|multi):[0-9a-f]{64}")


def cases() -> list[str]:
    root = SHARED / "conformance" / "docker-builds" if SHARED else None
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root else ["<no ../shared>"]


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        return write_rootfs_tar(tmp_path_factory.mktemp("rootfs") / "rootfs.tar")
    except BusyboxMissing as error:
        pytest.skip(str(error))


def words(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split() if path.exists() else []


def history_rows(history: list[dict[str, Any]], unstable: frozenset[str]) -> list[tuple[str, bool, str]]:
    return [
        (h["instruction"], h["empty_layer"], "<unstable>" if h["instruction"] in unstable else DIGEST.sub(r"\1:<digest>", h["created_by"]))
        for h in history
    ]


@pytest.mark.parametrize("recording", sorted(RECORDINGS))
@pytest.mark.parametrize("case", cases())
def test_plan_equals_the_recorded_build(case: str, recording: str, rootfs: Path, tmp_path: Path) -> None:
    folder = require_shared() / "conformance" / "docker-builds" / case
    context = tmp_path / "context"
    context.mkdir()
    for path in folder.iterdir():
        if path.is_file() and path.name not in NOT_CONTEXT:
            shutil.copyfile(path, context / path.name)
    shutil.copyfile(rootfs, context / "rootfs.tar")
    builder = BUILDERS[RECORDINGS[recording]]
    build_context = BuildContext.open(context, context / "Dockerfile")
    result = plan(
        parse((context / "Dockerfile").read_bytes()),
        builder=builder.name,
        target=(words(folder / "target") or [None])[0],
        build_args=dict(word.split("=", 1) for word in words(folder / "build-args")),
        context=build_context,
        digester=ContextHasher(build_context, cache_dir=tmp_path / "cache"),
    )
    assert result.ok and result.image is not None, result.issues
    recorded = json.loads((folder / f"{recording}.json").read_text(encoding="utf-8"))
    image = result.image
    assert image.config.model_dump(mode="json") == recorded["config"]
    assert image.author == recorded["author"]
    predicted_history = [h.model_dump() for h in image.history]
    assert history_rows(predicted_history, builder.unstable_history) == history_rows(
        recorded["history"], builder.unstable_history
    )
    assert image.layers == recorded["layers"]
