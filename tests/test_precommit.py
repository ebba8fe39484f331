"""The pre-commit hooks, run the way a user's repository runs them: `pre-commit try-repo`
installs this checkout into a fresh hook environment and lints a scratch repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def scratch_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if shutil.which("git") is None or shutil.which("pre-commit") is None:
        pytest.skip("git and pre-commit are needed")
    root = tmp_path_factory.mktemp("user-repo")
    home = tmp_path_factory.mktemp("home")
    env = {
        **os.environ,
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-cache")),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "NO_COLOR": "1",
    }
    env.pop("DFKIT_CACHE_DIR", None)
    git("init", "-q", cwd=root)
    (root / "Dockerfile").write_text("from alpine:3.20\nrun echo hi\n", encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "notes.md").write_text("from x\n", encoding="utf-8")
    (root / ".dfkit.toml").write_text('select = ["DF008"]\nfail-on = "style"\n', encoding="utf-8")
    git("add", ".", cwd=root)
    return root, env


def try_repo(hook: str, root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pre-commit", "try-repo", str(REPO), hook, "--all-files", "--verbose"],
        cwd=root, env=env, capture_output=True, text=True, timeout=900,
    )


def test_lint_hook_reports_and_fails(scratch_repo: tuple[Path, dict[str, str]]) -> None:
    root, env = scratch_repo
    done = try_repo("dfkit-lint", root, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Dockerfile:1:1: style DF008 [*] Instruction keyword `from` is not upper case" in done.stdout
    assert "Dockerfile:2:1: style DF008 [*] Instruction keyword `run` is not upper case" in done.stdout
    assert "notes.md" not in done.stdout


def test_fix_hook_fixes_then_lint_hook_passes(scratch_repo: tuple[Path, dict[str, str]]) -> None:
    root, env = scratch_repo
    fixed = try_repo("dfkit-lint-fix", root, env)
    assert fixed.returncode == 1  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in fixed.stdout
    assert (root / "Dockerfile").read_text(encoding="utf-8") == "FROM alpine:3.20\nRUN echo hi\n"
    git("add", ".", cwd=root)
    clean = try_repo("dfkit-lint", root, env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
