"""Parse the whole corpus with dfkit and with BuildKit's Go parser, side by side.

    python bench/parse.py [--repeat 5] [--shared ../shared]

Prints, for each parser, the median time of several runs over all 1,442 files in one
process (after a warm-up), files/s and MB/s, the ratio dfkit / Go, the slowest files,
then the cold start of `dfkit parse` on one small file against `python -c pass`, and
checks that `dfkit --version` imports neither lark nor pydantic nor rich.

The Go parser is the `dockerfile` package (BuildKit v0.12.5 behind a CPython binding),
installed with the test extra.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def load_corpus(shared: Path) -> list[tuple[str, bytes]]:
    root = shared / "corpus" / "real"
    with open(root / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(row["file"], (root / row["file"]).read_bytes()) for row in rows]


def timed_runs(parse: Callable[[bytes], object], blobs: list[tuple[str, bytes]], repeat: int) -> list[float]:
    def once() -> float:
        start = time.perf_counter()
        for _, data in blobs:
            try:
                parse(data)
            except Exception:  # noqa: BLE001 - a few corpus files are meant to be rejected
                pass
        return time.perf_counter() - start

    once()  # warm-up (lark's tables, caches)
    return [once() for _ in range(repeat)]


def slowest(parse: Callable[[bytes], object], blobs: list[tuple[str, bytes]], count: int = 5) -> list[tuple[float, str]]:
    times = []
    for name, data in blobs:
        start = time.perf_counter()
        try:
            parse(data)
        except Exception:  # noqa: BLE001
            pass
        times.append((time.perf_counter() - start, name))
    return sorted(times, reverse=True)[:count]


def cold_start(argv: list[str], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, cwd=REPO)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--repeat", type=int, default=5)
    options.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = options.parse_args()

    from dfkit.syntax import parse as dfkit_parse

    blobs = load_corpus(args.shared)
    megabytes = sum(len(data) for _, data in blobs) / 1e6
    print(f"corpus: {len(blobs)} files, {megabytes:.2f} MB")

    parsers: dict[str, Callable[[bytes], object]] = {"dfkit": dfkit_parse}
    try:
        import dockerfile

        parsers["buildkit-go (dockerfile 3.4.0)"] = lambda data: dockerfile.parse_string(
            data.decode("utf-8", "surrogateescape")
        )
    except ImportError:
        print("the `dockerfile` package is not installed: pip install '.[test]'")

    medians = {}
    for name, parse in parsers.items():
        runs = timed_runs(parse, blobs, args.repeat)
        median = statistics.median(runs)
        medians[name] = median
        print(
            f"{name:32} median {median:7.3f} s   {len(blobs) / median:7.0f} files/s   {megabytes / median:5.2f} MB/s"
            f"   (runs: {', '.join(f'{r:.3f}' for r in runs)})"
        )
    if len(medians) == 2:
        ours, go = medians.values()
        print(f"ratio dfkit / Go: {ours / go:.2f}x (target: at most 3x)")
    from dfkit.semantics import analyze

    parsed = [dfkit_parse(data) for _, data in blobs]
    analyze_runs = []
    for _ in range(args.repeat + 1):
        start = time.perf_counter()
        for dockerfile in parsed:
            analyze(dockerfile)
        analyze_runs.append(time.perf_counter() - start)
    semantic = statistics.median(analyze_runs[1:])
    print(
        f"{'dfkit semantic pass':32} median {semantic:7.3f} s   "
        f"= {semantic / medians['dfkit'] * 100:.0f}% of the parse (target: under 100%)"
    )
    print("slowest files for dfkit:")
    for seconds, name in slowest(dfkit_parse, blobs):
        print(f"  {seconds * 1000:7.1f} ms  {name}")

    small = str(REPO / "fixtures" / "centos68" / "Dockerfile")
    python = cold_start([sys.executable, "-c", "pass"], args.repeat * 2)
    parse_cold = cold_start([sys.executable, "-m", "dfkit", "parse", small, "--format", "dump"], args.repeat * 2)
    version = cold_start([sys.executable, "-m", "dfkit", "--version"], args.repeat * 2)
    print(f"cold start: python -c pass {python * 1000:.0f} ms, dfkit --version {version * 1000:.0f} ms, "
          f"dfkit parse (one file) {parse_cold * 1000:.0f} ms ({parse_cold / python:.1f}x python)")
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from dfkit.cli import main\ntry:\n main(['--version'])\nexcept SystemExit: pass\n"
         "print(sorted(m for m in ('lark', 'pydantic', 'rich') if m in sys.modules))"],
        capture_output=True, text=True, cwd=REPO, check=True,
    )
    print(f"heavy modules imported by `dfkit --version`: {probe.stdout.splitlines()[-1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
