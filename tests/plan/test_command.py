"""`dfkit plan`: formats, exit codes, --changed, and the JSON schema."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

FIXTURES = REPO / "fixtures" / "plan"


def dfkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dfkit", *args], capture_output=True, text=True, cwd=cwd or REPO, timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"},
    )


@pytest.fixture
def context(tmp_path: Path) -> Path:
    root = tmp_path / "ctx"
    shutil.copytree(FIXTURES / "dockerignore", root)
    (root / "rootfs.tar").write_bytes(b"not really a tar")
    return root


def test_json_shape_and_schema(context: Path) -> None:
    import jsonschema

    done = dfkit("plan", str(context / "Dockerfile"), "--context", str(context), "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert {"target", "stages", "image", "graph", "builder"} <= document.keys()
    stage = document["stages"][0]
    assert {"name", "index", "base", "needed", "steps"} <= stage.keys()
    assert [step["instruction"] for step in stage["steps"]] == ["ADD", "COPY", "RUN"]
    assert [step["creates_layer"] for step in stage["steps"]] == [True, True, True]
    assert all(step["cache_key"].startswith("sha256:") for step in stage["steps"])
    assert [h["instruction"] for h in document["image"]["history"]] == ["ADD", "COPY", "RUN"]
    schema = json.loads(dfkit("schema", "plan").stdout)
    jsonschema.validate(document, schema)


def test_dockerignore_shapes_the_copy(context: Path) -> None:
    document = json.loads(dfkit("plan", str(context / "Dockerfile"), "--context", str(context), "--format", "json").stdout)
    copy = document["stages"][0]["steps"][1]
    assert copy["sources"][0]["files"] > 0
    # secrets/, *.log and docs/ (but docs/keep.md) are not in the context at all
    before = copy["cache_key"]
    (context / "secrets" / "key").write_text("another key")
    (context / "docs" / "drop.md").write_text("changed")
    after = json.loads(dfkit("plan", str(context / "Dockerfile"), "--context", str(context), "--format", "json").stdout)
    assert after["stages"][0]["steps"][1]["cache_key"] == before
    (context / "docs" / "keep.md").write_text("changed")
    again = json.loads(dfkit("plan", str(context / "Dockerfile"), "--context", str(context), "--format", "json").stdout)
    assert again["stages"][0]["steps"][1]["cache_key"] != before


def test_changed_names_exactly_the_steps_a_real_change_rebuilds(context: Path) -> None:
    args = ("plan", str(context / "Dockerfile"), "--context", str(context), "--format", "json")
    predicted = json.loads(dfkit(*args, "--changed", "src/main.py").stdout)["invalidated"]
    before = json.loads(dfkit(*args).stdout)
    (context / "src" / "main.py").write_text("print('changed')\n")
    after = json.loads(dfkit(*args).stdout)
    rebuilt = [
        [stage["index"], step["index"]]
        for stage, other in zip(before["stages"], after["stages"])
        for step, later in zip(stage["steps"], other["steps"])
        if step["cache_key"] != later["cache_key"]
    ]
    assert predicted == rebuilt == [[0, 1], [0, 2]]


def test_changed_needs_a_context(context: Path) -> None:
    done = dfkit("plan", str(context / "Dockerfile"), "--changed", "x")
    assert done.returncode == 2 and "--changed needs --context" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--target", "nope"), 'target stage "nope" could not be found'),
        (("--context", "/nonexistent-dir"), "/nonexistent-dir: error: --context: not a directory"),
    ],
)
def test_errors_exit_2(context: Path, args: tuple[str, ...], message: str) -> None:
    done = dfkit("plan", str(context / "Dockerfile"), *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_context_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY missing.txt /\n")
    done = dfkit("plan", str(tmp_path / "Dockerfile"), "--context", str(tmp_path), "--format", "json")
    assert done.returncode == 2
    assert "Dockerfile:2:1: error: COPY failed: 'missing.txt' not found in the build context" in done.stderr


def test_unused_build_arg_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    done = dfkit("plan", str(tmp_path / "Dockerfile"), "--build-arg", "NOPE=1", "--format", "json")
    assert done.returncode == 0
    assert "warning" in done.stderr and "NOPE" in done.stderr


def test_parse_errors_refuse_to_plan(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text('FROM scratch\nCMD ["a", ["b"]]\n')
    done = dfkit("plan", str(tmp_path / "Dockerfile"))
    assert done.returncode == 2 and done.stderr.startswith(f"{tmp_path / 'Dockerfile'}:2:")


def test_tree_dot_and_mermaid(context: Path) -> None:
    args = ("plan", str(FIXTURES / "multistage-target" / "Dockerfile"), "--target", "test")
    tree = dfkit(*args, "--format", "tree").stdout
    assert "final (FROM scratch)  skipped" in tree
    assert "layer  10: RUN test -e /app" in tree
    dot = dfkit(*args, "--format", "dot").stdout
    assert dot.startswith("digraph build {") and "cluster_2" in dot and "cluster_3" not in dot
    assert 's1_0 -> s2_0 [style=dotted, label="copy"];' in dot
    mermaid = dfkit(*args, "--format", "mermaid").stdout
    assert mermaid.startswith("flowchart TD") and "s1_0 -. copy .-> s2_0" in mermaid


def test_output_file_is_written_atomically(context: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    done = dfkit("plan", str(context / "Dockerfile"), "-o", str(out), "--format", "json")
    assert done.returncode == 0 and json.loads(out.read_text())["builder"] == "buildkit"
