"""The plan equals the real build: every plan fixture, planned for buildah and built with
`buildah bud --layers --format docker`, must agree on the image's config, author,
history (instruction, empty_layer and created_by) and layer count.

The fixtures are `fixtures/plan/*` and the CentOS example (`fixtures/centos68`), whose
`c68-docker.tar.xz` is generated here from the busybox rootfs. Every context also gets
`rootfs.tar`, the offline base.
"""

from __future__ import annotations

import json
import lzma
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dfkit.backend.buildah import Buildah, normalized_image
from dfkit.buildcontext import BuildContext
from dfkit.plan import model as m
from dfkit.plan.context import ContextHasher
from dfkit.plan.planner import plan
from dfkit.syntax import parse
from tests.backend.conftest import Bud
from tests.conftest import REPO

FIXTURES = REPO / "fixtures"


def _bud_cases() -> list[str]:
    """Every plan fixture that buildah bud can build (build.json says when it cannot)."""
    names = []
    for path in sorted((FIXTURES / "plan").iterdir()):
        options = json.loads((path / "build.json").read_text()) if (path / "build.json").exists() else {}
        if (path / "Dockerfile").is_file() and options.get("bud", True):
            names.append(path.name)
    return [*names, "centos68"]


CASES = _bud_cases()


def fixture_dir(name: str) -> Path:
    return FIXTURES / name if name == "centos68" else FIXTURES / "plan" / name


def make_context(name: str, destination: Path, rootfs: Path) -> dict[str, Any]:
    """Copy a fixture into a fresh context; returns its build options (build.json)."""
    shutil.copytree(fixture_dir(name), destination, dirs_exist_ok=True)
    shutil.copyfile(rootfs, destination / "rootfs.tar")
    if name == "centos68":
        # The seed's example ADDs a CentOS rootfs; a busybox one stands in for it.
        (destination / "c68-docker.tar.xz").write_bytes(lzma.compress(rootfs.read_bytes(), format=lzma.FORMAT_XZ))
    options_file = destination / "build.json"
    options = json.loads(options_file.read_text()) if options_file.exists() else {}
    options_file.unlink(missing_ok=True)  # not part of the build context
    return options


def planned(context: Path, options: dict[str, Any]) -> m.BuildPlan:
    dockerfile = parse((context / "Dockerfile").read_bytes(), path="Dockerfile")
    build_context = BuildContext.open(context, context / "Dockerfile")
    return plan(
        dockerfile,
        builder="buildah",
        target=options.get("target"),
        build_args=options.get("build_args", {}),
        context=build_context,
        digester=ContextHasher(build_context, cache_dir=context.parent / "cache"),
    )


DIGEST = re.compile(r"\b(file|dir|multi):[0-9a-f]{64}")


def comparable(image: dict[str, Any]) -> dict[str, Any]:
    """An image as the comparison sees it: content digests in history made neutral."""
    history = [{**entry, "created_by": DIGEST.sub(r"\1:<digest>", entry["created_by"])} for entry in image["history"]]
    return {**image, "history": history}


@dataclass(frozen=True)
class Built:
    plan: m.BuildPlan
    image: dict[str, Any]


@pytest.fixture(scope="module", params=CASES)
def built(
    request: pytest.FixtureRequest, buildah: Buildah, bud: Bud, rootfs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Built:
    name = request.param
    context = tmp_path_factory.mktemp(name) / "context"
    options = make_context(name, context, rootfs)
    result = planned(context, options)
    assert result.ok, result.issues
    bud_result = bud(
        context / "Dockerfile",
        context,
        f"localhost/dfkit-test/plan-{name}:latest",
        target=options.get("target"),
        build_args=options.get("build_args", {}),
    )
    return Built(result, normalized_image(buildah.inspect_image(bud_result.image_id)))


def test_plan_equals_the_buildah_build(built: Built) -> None:
    assert built.plan.image is not None
    predicted = comparable(
        {
            "author": built.plan.image.author,
            "config": built.plan.image.config.model_dump(mode="json"),
            "history": [entry.model_dump() for entry in built.plan.image.history],
            "layers": built.plan.image.layers,
        }
    )
    actual = comparable(built.image)
    assert predicted["config"] == actual["config"]
    assert predicted["author"] == actual["author"]
    as_rows = lambda image: [(h["instruction"], h["empty_layer"], h["created_by"]) for h in image["history"]]  # noqa: E731
    assert as_rows(predicted) == as_rows(actual)
    assert predicted["layers"] == actual["layers"]
