"""Time `dfkit build` (the driven backend) side by side with `buildah bud --layers`.

    python bench/build.py [--repeat 3] [--storage-driver vfs|overlay] [--builder buildah]

Over the plan fixtures bud can build (and the CentOS example), each tool in an empty
buildah storage of its own: a first build (every step runs), then a fully cached rebuild
(nothing changed). Both are timed as a user runs them, a command each (`python -m dfkit
build ...` against `buildah bud --layers --format docker --isolation chroot
--pull=never ...`), wall clock, median of `--repeat` runs.

On vfs every commit of a layer on a parent ends with a sleep to the next full second
(containers/storage's naive diff, so that mtimes of one second differ): a commit costs
0 to 1 s at random, for bud as for dfkit. Repeat enough to average it out.

dfkit runs as installed (its bytecode compiled first), with its own caches (the context's
stat cache, build records) emptied together with the store: the first build knows nothing.

Targets (issue 6): the first build no slower than bud's; the cached rebuild at most half
the first build, and no slower than bud's own cached rebuild.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.backend.rootfs import write_rootfs_tar  # noqa: E402

FIXTURES = REPO / "fixtures"


def fixtures() -> list[Path]:
    """The plan fixtures bud can build (build.json says when it cannot), and the CentOS example."""
    found = []
    for path in sorted((FIXTURES / "plan").iterdir()):
        options = json.loads((path / "build.json").read_text()) if (path / "build.json").exists() else {}
        if (path / "Dockerfile").is_file() and options.get("bud", True):
            found.append(path)
    return [*found, FIXTURES / "centos68"]


def make_context(fixture: Path, destination: Path, rootfs: Path) -> dict[str, object]:
    shutil.copytree(fixture, destination)
    shutil.copyfile(rootfs, destination / "rootfs.tar")
    if fixture.name == "centos68":
        (destination / "c68-docker.tar.xz").write_bytes(lzma.compress(rootfs.read_bytes(), format=lzma.FORMAT_XZ))
    options_file = destination / "build.json"
    options: dict[str, object] = json.loads(options_file.read_text()) if options_file.exists() else {}
    options_file.unlink(missing_ok=True)
    return options


def timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{done.stderr}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--storage-driver", choices=("vfs", "overlay"), default="vfs")
    parser.add_argument("--builder", choices=("buildah", "buildkit", "classic"), default="buildah")
    args = parser.parse_args()
    # As installed: pip compiles dfkit's bytecode, which a source tree run with
    # PYTHONDONTWRITEBYTECODE would compile again on every run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "dfkit")], check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="dfkit-bench-build-") as scratch:
        work = Path(scratch)
        # dfkit's own caches (the context's stat cache, build records) start empty with the store.
        env = {**os.environ, "DFKIT_CACHE_DIR": str(work / "dfkit-cache")}
        rootfs = write_rootfs_tar(work / "rootfs.tar")
        rows = []
        for fixture in fixtures():
            context = work / fixture.name
            options = make_context(fixture, context, rootfs)
            target = ["--target", str(options["target"])] if options.get("target") else []
            build_args = [f"--build-arg={k}={v}" for k, v in dict(options.get("build_args") or {}).items()]  # type: ignore[call-overload]
            dockerfile = str(context / "Dockerfile")
            storage = ["--root", str(work / "root"), "--runroot", str(work / "run")]
            dfkit = [
                sys.executable, "-m", "dfkit", "build", dockerfile, "-t", f"localhost/bench/{fixture.name}",
                "--builder", args.builder, "--storage-driver", args.storage_driver, *storage,
                "--progress", "plain", *target, *build_args,
            ]  # fmt: skip
            buildah = ["buildah", "--storage-driver", args.storage_driver, *storage]
            bud = [
                *buildah, "bud", "--layers", "--format", "docker", "--isolation", "chroot", "--pull=never",
                "-f", dockerfile, "-t", f"localhost/bench/{fixture.name}", *target, *build_args, str(context),
            ]  # fmt: skip
            runs: dict[str, list[float]] = {"dfkit": [], "bud": [], "dfkit cached": [], "bud cached": []}
            for _ in range(args.repeat):
                for name, argv in (("dfkit", dfkit), ("bud", bud)):
                    try:
                        runs[name].append(timed(argv, env))
                        runs[f"{name} cached"].append(timed(argv, env))
                    finally:
                        empty(buildah, work / "root")
                        shutil.rmtree(work / "dfkit-cache", ignore_errors=True)
            rows.append((fixture.name, {name: statistics.median(times) for name, times in runs.items()}))
    report(rows, args)
    return 0


def empty(buildah: list[str], root: Path) -> None:
    """Leave no image, container or layer behind: the next build starts from nothing."""
    subprocess.run([*buildah, "rm", "--all"], capture_output=True, check=False)
    subprocess.run([*buildah, "rmi", "--all", "--force"], capture_output=True, check=False)
    if os.geteuid() != 0:  # layers hold files of subordinate ids: only buildah's namespace may delete them
        subprocess.run([*buildah, "unshare", "rm", "-rf", str(root)], capture_output=True, check=False)
    shutil.rmtree(root, ignore_errors=True)


def report(rows: list[tuple[str, dict[str, float]]], args: argparse.Namespace) -> None:
    print(f"dfkit build (driven, --builder {args.builder}) vs buildah bud --layers; {args.storage_driver}, "
          f"median of {args.repeat}, seconds")  # fmt: skip
    header = f"{'fixture':<20} {'first':>7} {'bud':>7} {'ratio':>6}   {'cached':>7} {'bud':>7} {'ratio':>6}   {'cached/first':>12}"
    print(header)
    print("-" * len(header))
    totals = dict.fromkeys(("dfkit", "bud", "dfkit cached", "bud cached"), 0.0)
    for name, times in rows:
        for key in totals:
            totals[key] += times[key]
        print(line(name, times))
    print("-" * len(header))
    print(line("total", totals))
    first, cached = totals["dfkit"] / totals["bud"], totals["dfkit cached"] / totals["bud cached"]
    own = totals["dfkit cached"] / totals["dfkit"]
    print(f"\nfirst build vs bud: {first:.2f} (target <= 1); cached rebuild vs bud's: {cached:.2f} (target <= 1); "
          f"cached rebuild vs first build: {own:.2f} (target <= 0.5)")  # fmt: skip


def line(name: str, times: dict[str, float]) -> str:
    return (
        f"{name:<20} {times['dfkit']:7.2f} {times['bud']:7.2f} {times['dfkit'] / times['bud']:6.2f}   "
        f"{times['dfkit cached']:7.2f} {times['bud cached']:7.2f} {times['dfkit cached'] / times['bud cached']:6.2f}   "
        f"{times['dfkit cached'] / times['dfkit']:12.2f}"
    )


if __name__ == "__main__":
    sys.exit(main())
