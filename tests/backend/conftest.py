"""Real buildah for the backend tests: one private storage per session, and an offline base.

The storage (vfs, under a temporary directory) is shared by the whole session so that
`bud --layers` reuses the cached `ADD rootfs.tar /` across cases; it is emptied and
deleted at the end, with every image and container the tests made. Every bud is timed,
and the times are printed in the terminal summary.

Without buildah the tests skip (and CI, with DFKIT_NO_SKIPS=1, fails); with buildah but a
host that cannot run it (rootless without /etc/subuid ranges, say) they fail, with the fix.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dfkit.backend.buildah import BudResult, Buildah
from tests.backend.rootfs import write_rootfs_tar

BUD_TIMES = pytest.StashKey[list[tuple[str, float]]]()
BASE_IMAGE = "localhost/dfkit-test/busybox:latest"

Bud = Callable[..., BudResult]


@pytest.fixture(scope="session")
def buildah(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Buildah]:
    if shutil.which("buildah") is None:
        pytest.skip("buildah is not installed (apt-get install -y buildah)")
    storage = tmp_path_factory.mktemp("buildah")
    driver = Buildah.locate(root=storage / "root", runroot=storage / "run")
    yield driver
    driver.prune()
    if os.geteuid() != 0:
        # Rootless, the layers hold files owned by subordinate ids: only the user
        # namespace that wrote them may delete them.
        driver.unshare(["rm", "-rf", str(storage / "root")])
    shutil.rmtree(storage, ignore_errors=True)


@pytest.fixture(scope="session")
def rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_rootfs_tar(tmp_path_factory.mktemp("rootfs") / "rootfs.tar")


@pytest.fixture(scope="session")
def base_image(buildah: Buildah, rootfs: Path) -> str:
    buildah.import_rootfs(rootfs, BASE_IMAGE)
    return BASE_IMAGE


@pytest.fixture(scope="session")
def bud(buildah: Buildah, pytestconfig: pytest.Config) -> Bud:
    """`buildah.bud`, timed."""
    times = pytestconfig.stash.setdefault(BUD_TIMES, [])

    def timed(dockerfile: Path, context: Path, tag: str, **options: Any) -> BudResult:
        result = buildah.bud(dockerfile, context, tag, **options)
        times.append((tag, result.seconds))
        return result

    return timed


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    times = config.stash.get(BUD_TIMES, [])
    if not times:
        return
    terminalreporter.write_sep("-", f"buildah bud: {len(times)} builds in {sum(s for _, s in times):.1f} s")
    for tag, seconds in times:
        terminalreporter.write_line(f"{seconds:6.2f} s  {tag}")
