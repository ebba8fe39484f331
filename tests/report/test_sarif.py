"""SARIF output, checked by the SARIF authors' own tools: the official 2.1.0 JSON schema
and `Sarif.Multitool validate`, both from the npm package
@microsoft/sarif-multitool-linux (fetched once with npm, cached per user)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REPO

MULTITOOL = "@microsoft/sarif-multitool-linux@5.7.0"
DOCKERFILE = (
    "from alpine:3.20\n"
    "RUN echo \\\n"
    "\n"
    "  hi\n"
    "COPY --frm=x a b\n"
    "# dfkit ignore=DF004\n"
    "RUN true\n"
)


def multitool() -> Path | None:
    """The unpacked package directory, or None when npm cannot fetch it."""
    configured = os.environ.get("DFKIT_SARIF_MULTITOOL")
    if configured:
        return Path(configured)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dfkit-tests" / "sarif-multitool-5.7.0"
    package = cache / "package"
    if (package / "sarif-2.1.0.json").is_file():
        return package
    npm = shutil.which("npm")
    if npm is None:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            [npm, "pack", MULTITOOL, "--pack-destination", scratch], capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            return None
        (tarball,) = Path(scratch).glob("*.tgz")
        staging = Path(tempfile.mkdtemp(dir=cache.parent if cache.parent.exists() else None))
        with tarfile.open(tarball) as archive:
            archive.extractall(staging, filter="data")
        cache.parent.mkdir(parents=True, exist_ok=True)
        if not package.exists():
            cache.mkdir(parents=True, exist_ok=True)
            os.replace(staging / "package", package)
    return package


@pytest.fixture(scope="module")
def sarif_tools() -> Path:
    found = multitool()
    if found is None:
        pytest.skip(f"npm could not fetch {MULTITOOL}")
    return found


@pytest.fixture(scope="module")
def sarif_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sarif")
    (root / "web app").mkdir()
    (root / "web app" / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    (root / "bin.Dockerfile").write_bytes(b"FROM scratch\x00\n")
    out = root / "report.sarif"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "dfkit", "lint", "web app/Dockerfile", "bin.Dockerfile", "--format", "sarif", "-o", str(out),
         "--select", "DF001,DF004,DF008,DF010,DF090"],
        cwd=root, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 2, done.stderr  # the binary file
    return out


def test_sarif_content(sarif_file: Path) -> None:
    document = json.loads(sarif_file.read_text(encoding="utf-8"))
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["DF001", "DF004", "DF008", "DF010", "DF090"]
    assert rules[3]["properties"]["aliases"] == ["NoEmptyContinuation"]
    results = [
        (r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"], r["ruleIndex"])
        for r in run["results"]
    ]
    assert results == [
        ("DF008", "note", {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 5}, 2),
        ("DF010", "warning", {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 1}, 3),
        ("DF004", "error", {"startLine": 5, "startColumn": 6, "endLine": 5, "endColumn": 13}, 1),
        ("DF090", "warning", {"startLine": 6, "startColumn": 1, "endLine": 6, "endColumn": 21}, 4),
    ]
    first = run["results"][0]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "web%20app/Dockerfile", "uriBaseId": "%SRCROOT%"}
    assert first["fixes"][0]["artifactChanges"][0]["replacements"] == [
        {"deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 5}, "insertedContent": {"text": "FROM"}}
    ]
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["message"]["text"].startswith("bin.Dockerfile:1:13: error: binary file")
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_validates_against_the_official_schema(sarif_file: Path, sarif_tools: Path) -> None:
    import jsonschema

    schema = json.loads((sarif_tools / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(json.loads(sarif_file.read_text(encoding="utf-8"))), key=str)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


def test_sarif_passes_the_sarif_multitool_validator(sarif_file: Path, sarif_tools: Path, tmp_path: Path) -> None:
    tool = sarif_tools / "Sarif.Multitool"
    tool.chmod(0o755)
    log = tmp_path / "validation.sarif"
    done = subprocess.run(
        [str(tool), "validate", str(sarif_file), "--output", str(log), "--log", "ForceOverwrite"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"},
    )
    results = json.loads(log.read_text(encoding="utf-8-sig"))["runs"][0]["results"] if log.exists() else None
    assert results is not None, done.stdout + done.stderr
    problems = [
        f"{r['ruleId']} {r.get('level', 'warning')}: {r['message'].get('text') or r['message'].get('arguments')}"
        for r in results
        # SARIF2005 asks for the tool's home page (informationUri): dfkit has no public
        # one yet, and inventing a URL would be worse than leaving the optional field out.
        if r.get("level", "warning") in ("error", "warning") and r["ruleId"] != "SARIF2005"
    ]
    assert problems == []
