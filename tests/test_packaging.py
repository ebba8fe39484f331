"""A plain (non-editable) install works: the grammar ships inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling (test extra)")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("dfkit-*.whl")
    return built


def test_wheel_contains_the_grammar(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "dfkit/grammar/dockerfile.lark" in names
    assert not any(name.startswith(("tests/", "fixtures/")) for name in names)


def test_installed_wheel_parses_from_anywhere(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DFKIT_DEBUG")}
    probe = subprocess.run(
        [python, "-c", "import dfkit, dfkit.syntax.grammar as g; print(dfkit.__file__); print(g.grammar_path())"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    module, grammar_file = probe.stdout.splitlines()
    assert module.startswith(str(env_dir)) and grammar_file.startswith(str(env_dir))
    result = subprocess.run(
        [env_dir / "bin" / "dfkit", "parse", str(REPO / "fixtures" / "centos68" / "Dockerfile"), "--format", "dump"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('(from "scratch")\n')
