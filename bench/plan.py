"""Time `dfkit plan`'s work, side by side with what it replaces.

    python bench/plan.py [--files 50000] [--megabytes 1024] [--repeat 3] [--section context]

1. Context hashing: a synthetic build context (`--files` files totalling `--megabytes`,
   log-normal sizes from a few bytes to tens of MB, 100 files a directory) in a temporary
   directory. `sha256sum` over the same files (`find -print0 | xargs -0 sha256sum`, one
   core) against dfkit's first digest of `COPY . /` (thread pool, empty stat cache) and a
   re-plan (a new `ContextHasher`, stat cache loaded from disk, no file content read).
   Targets: the first digest within sha256sum's time; the re-plan >= 10x faster than the
   first. Also timed: a re-plan that lists the entries too (as `dfkit plan` does), and one
   after a file was rewritten (the slow path: every path listed and digested again, that
   file read). Files are in the page cache for every run (they were just written), so the
   numbers compare hashing, not the disk.
2. Corpus planning: `bench_corpus_planning`, written by the planner's author.

Timings are wall-clock medians of `--repeat` runs on this machine; run it on an idle one.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dfkit.buildcontext import BuildContext  # noqa: E402
from dfkit.plan.context import RACY_NS, ContextHasher  # noqa: E402


def build_context(root: Path, files: int, megabytes: int, seed: int = 1) -> int:
    """Write the synthetic context; returns its size in bytes."""
    rng = random.Random(seed)
    raw = [rng.lognormvariate(math.log(4096), 2.0) for _ in range(files)]
    scale = megabytes * 2**20 / sum(raw)
    sizes = [int(size * scale) for size in raw]
    pool = rng.randbytes(16 << 20)
    total = 0
    for index, size in enumerate(sizes):
        directory = root / f"d{index // 1000:03d}" / f"e{index // 100 % 10}"
        if index % 100 == 0:
            directory.mkdir(parents=True, exist_ok=True)
        header = f"{index}\n".encode()
        offset = rng.randrange(len(pool))
        with open(directory / f"f{index:05d}.bin", "wb") as out:
            out.write(header[:size])
            remaining = size - len(header[:size])
            while remaining > 0:
                chunk = pool[offset : offset + remaining]
                out.write(chunk)
                remaining -= len(chunk)
                offset = 0
        total += size
    return total


class Timing(NamedTuple):
    wall: float
    cpu: float  # this process's threads and its waited-for children, user + system


def timed(work: Callable[[], object]) -> Timing:
    def cpu() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    start, start_cpu = time.perf_counter(), cpu()
    work()
    return Timing(time.perf_counter() - start, cpu() - start_cpu)


def median(timings: list[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings))


def sha256sum(root: Path) -> None:
    find = subprocess.Popen(["find", str(root), "-type", "f", "-print0"], stdout=subprocess.PIPE)
    subprocess.run(["xargs", "-0", "sha256sum"], stdin=find.stdout, stdout=subprocess.DEVNULL, check=True)
    assert find.stdout is not None
    find.stdout.close()
    find.wait()


def bench_context_hashing(args: argparse.Namespace) -> None:
    if shutil.which("sha256sum") is None:
        print("context hashing: needs `sha256sum` (coreutils)", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory(prefix="dfkit-bench-") as temporary:
        root = Path(temporary) / "context"
        root.mkdir()
        total = build_context(root, args.files, args.megabytes)
        print(f"context: {args.files} files, {total / 2**20:.0f} MiB")
        # Files younger than the racy window are hashed but not cached: let them settle.
        time.sleep(RACY_NS / 1e9)
        context = BuildContext.open(root)
        firsts: list[Timing] = []
        replans: list[Timing] = []
        listings: list[Timing] = []
        changes: list[Timing] = []
        saves: list[Timing] = []
        sums: list[Timing] = []

        def replan(cache: Path, *, listed: bool = False) -> None:
            selections = ContextHasher(context, cache_dir=cache).digest(["."]).selections
            if listed:
                for selection in selections:
                    selection.entries  # noqa: B018 - listed on first use

        for run in range(args.repeat):
            cache = Path(temporary) / f"cache{run}"
            sums.append(timed(lambda: sha256sum(root)))
            hasher = ContextHasher(context, cache_dir=cache)
            firsts.append(timed(lambda: hasher.digest(["."])))
            saves.append(timed(hasher.save))
            expected = hasher.digest(["."]).digest
            replans.append(timed(lambda: replan(cache)))
            listings.append(timed(lambda: replan(cache, listed=True)))
            assert ContextHasher(context, cache_dir=cache).digest(["."]).digest == expected
        # Last, as the rewritten file stays too fresh to cache for a while.
        changed = next(path for path in sorted(root.rglob("*.bin")) if path.stat().st_size > 0)
        data = changed.read_bytes()
        for run in range(args.repeat):
            changed.write_bytes(bytes([run]) + data[1:])  # same size: ctime and mtime tell
            changes.append(timed(lambda: replan(cache)))
        sha, first, save, again, listing, change = (
            median(t) for t in (sums, firsts, saves, replans, listings, changes)
        )
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"  {cpus} CPUs, load {load:.1f}, median of {args.repeat}    wall s     CPU s")
        print(f"  sha256sum (1 core)          {sha.wall:8.2f}  {sha.cpu:8.2f}")
        print(f"  dfkit first digest          {first.wall:8.2f}  {first.cpu:8.2f}")
        print(f"  dfkit save stat cache       {save.wall:8.2f}  {save.cpu:8.2f}")
        print(f"  dfkit re-plan (stat cache)  {again.wall:8.2f}  {again.cpu:8.2f}")
        print(f"    + entries listed          {listing.wall:8.2f}  {listing.cpu:8.2f}")
        print(f"    one file rewritten        {change.wall:8.2f}  {change.cpu:8.2f}")
        print(f"  first / sha256sum           {first.wall / sha.wall:8.2f}  {first.cpu / sha.cpu:8.2f}")
        print(f"  first / re-plan             {first.wall / again.wall:7.1f}x  {first.cpu / again.cpu:7.1f}x")


def bench_corpus_planning(args: argparse.Namespace) -> None:
    """Plan every corpus file (no context) against linting it, in one process each way,
    both from the same bytes (so both include parsing). Target: planning <= 2x linting."""
    import csv

    from dfkit.lint.engine import Linter
    from dfkit.plan.planner import plan
    from dfkit.syntax import parse

    root = REPO.parent / "shared" / "corpus" / "real"
    with open(root / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        blobs = [(root / row["file"]).read_bytes() for row in csv.DictReader(handle, delimiter="\t")]
    linter = Linter()

    def lint_all() -> None:
        for data in blobs:
            linter.lint(parse(data))

    failures: list[str] = []

    def plan_all() -> None:
        failures.clear()
        for data in blobs:
            dockerfile = parse(data)
            if dockerfile.ok:
                try:
                    plan(dockerfile)
                except Exception as error:  # noqa: BLE001 - counted and shown: a bench must finish
                    failures.append(f"{type(error).__name__}: {error}")

    def timed(work: Callable[[], None]) -> float:
        work()  # warm-up: parser tables, rule instances
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    lint_seconds = timed(lint_all)
    plan_seconds = timed(plan_all)
    print(f"corpus: {len(blobs)} files, one process, median of {args.repeat}")
    print(f"  lint (parse + every default rule)   {lint_seconds:7.2f} s")
    print(f"  plan (parse + plan, no context)     {plan_seconds:7.2f} s")
    print(f"  ratio plan/lint                     {plan_seconds / lint_seconds:7.2f}   (target <= 2)")
    if failures:
        print(f"  planner failures: {len(failures)}; first: {failures[0]}")


SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {
    "context": bench_context_hashing,
    "corpus": bench_corpus_planning,
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--megabytes", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append", help="default: all")
    args = parser.parse_args()
    for name in args.section or SECTIONS:
        SECTIONS[name](args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
