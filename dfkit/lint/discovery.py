"""Finding the files to lint and the configuration that applies to each.

Only the standard library here: the command reaches its result cache through this
module before deciding whether the parser and the rules need importing at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# What `dfkit lint DIR` lints: Docker's names, plus buildah's and podman's Containerfile.
DOCKERFILE_PATTERNS = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile", "Containerfile.*")
# Directories a search never enters: VCS metadata, caches, dependency trees.
SKIPPED_DIRECTORIES = frozenset(
    {".git", ".hg", ".svn", ".dfkit_cache", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__",
     ".mypy_cache", ".pytest_cache", ".ruff_cache"}
)
CONFIG_NAMES = (".dfkit.toml", "pyproject.toml")


def is_dockerfile_name(name: str) -> bool:
    import fnmatch

    if name.endswith(".dockerignore"):
        return False  # Dockerfile.dockerignore is an ignore file, not a Dockerfile
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in DOCKERFILE_PATTERNS)


def dockerfiles_in(directory: Path) -> Iterator[Path]:
    """The Dockerfiles under `directory`, in a stable (sorted, depth-first) order."""
    for root, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRECTORIES)
        for name in sorted(filenames):
            if is_dockerfile_name(name):
                yield Path(root) / name


def find_config(directory: Path, memo: dict[Path, Path | None] | None = None) -> Path | None:
    """The closest `.dfkit.toml`, or `pyproject.toml` with a `[tool.dfkit]` table, from
    `directory` upwards (a `.dfkit.toml` wins in the same directory). `memo` remembers
    directories already looked at, for the many files of one run."""
    if memo is not None and directory in memo:
        return memo[directory]
    found: Path | None = None
    dot = directory / ".dfkit.toml"
    pyproject = directory / "pyproject.toml"
    if dot.is_file():
        found = dot
    elif pyproject.is_file() and _has_dfkit_table(pyproject):
        found = pyproject
    elif directory.parent != directory:
        found = find_config(directory.parent, memo)
    if memo is not None:
        memo[directory] = found
    return found


def _has_dfkit_table(pyproject: Path) -> bool:
    try:
        data = pyproject.read_bytes()
    except OSError:
        return False
    if b"dfkit" not in data:
        return False  # most pyproject.toml files: no need to parse them
    import tomllib
    try:
        return "dfkit" in tomllib.loads(data.decode("utf-8")).get("tool", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        # Broken, but meant for dfkit: loading it reports the error with the file's name.
        return b"[tool.dfkit" in data


def config_for(path: Path, memo: dict[Path, Path | None] | None = None) -> Path | None:
    start = path if path.is_dir() else path.parent
    return find_config(start.resolve(), memo)
