"""Shared test fixtures and the project's rules about skipping.

`../shared` (BuildKit's conformance data and the Dockerfile corpus) sits next to the
repository, in CI too. Tests that need it skip when it is absent, so that the suite runs
anywhere; `.ci/run` sets ``DFKIT_NO_SKIPS=1``, which turns every skip into a failure of
the session, so CI cannot pass with a suite quietly left out.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    configured = os.environ.get("DFKIT_SHARED")
    candidates = [Path(configured)] if configured else []
    candidates.append(REPO.parent / "shared")
    for candidate in candidates:
        if (candidate / "conformance").is_dir() and (candidate / "corpus").is_dir():
            return candidate
    return None


SHARED = shared_dir()


def require_shared() -> Path:
    if SHARED is None:
        pytest.skip("../shared (conformance data and corpus) is not available")
    return SHARED


@dataclass(frozen=True)
class CorpusFile:
    name: str
    data: bytes


def corpus_files() -> list[CorpusFile]:
    if SHARED is None:
        return []
    root = SHARED / "corpus" / "real"
    with open(root / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [CorpusFile(row["file"], (root / row["file"]).read_bytes()) for row in rows]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files instead of comparing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not os.environ.get("DFKIT_NO_SKIPS"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        lines = "\n".join(f"  {report.nodeid}: {report.longrepr[-1] if report.longrepr else ''}" for report in skipped[:20])
        if reporter:
            reporter.write_line(f"DFKIT_NO_SKIPS: {len(skipped)} test(s) were skipped; CI requires every suite to run:\n{lines}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    # `dfkit lint` writes a result cache; tests (and the dfkit processes they start) keep
    # it out of the working tree.
    if "DFKIT_CACHE_DIR" not in os.environ:
        import tempfile

        os.environ["DFKIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="dfkit-test-cache-")
