"""The result cache: `.dfkit_cache/`, keyed by content, configuration and version.

A key hashes everything a file's findings depend on: dfkit's version, the file's bytes
and its path (per-file ignores and messages use it), the configuration file's bytes,
the command-line options that change findings, and, when a `.dockerignore` is in play,
its bytes. An entry is written only after a successful lint, so a hit also means the
configuration was valid when those exact bytes were last read.

Runs with an explicit `--context` are not cached: their findings depend on the
context's whole file listing. Only the standard library is imported here, so a run
whose files all hit the cache never imports the parser, pydantic or the rules.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from dfkit import __version__

DIRECTORY_NAME = ".dfkit_cache"
FORMAT = 1  # bump when the entry layout changes


def cache_root(config: Path | None) -> Path:
    """`$DFKIT_CACHE_DIR`, else `.dfkit_cache` beside the configuration file, else in the
    working directory."""
    explicit = os.environ.get("DFKIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = config.parent if config is not None else Path.cwd()
    return base / DIRECTORY_NAME


def key_of(
    data: bytes,
    *,
    path: str,
    config_bytes: bytes | None,
    options: dict[str, Any],
    dockerignore: bytes | None,
) -> str:
    digest = hashlib.sha256()
    header = json.dumps(
        {"version": __version__, "format": FORMAT, "path": path, "options": options},
        sort_keys=True,
    ).encode()
    for part in (header, config_bytes or b"\0none", dockerignore or b"\0none", data):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


class ResultCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.directory = root / f"v{__version__}"

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def load(self, key: str) -> dict[str, Any] | None:
        try:
            with open(self._path(key), "rb") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) else None

    def store(self, key: str, entry: dict[str, Any]) -> None:
        """Write atomically; a cache that cannot be written is silently skipped."""
        import tempfile

        path = self._path(key)
        try:
            if not self.root.is_dir():
                self._create_root()
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out, separators=(",", ":"), ensure_ascii=False)
            os.replace(temporary, path)
        except OSError:
            return

    def _create_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        # Keep the cache out of version control and backups.
        (self.root / ".gitignore").write_text("# Created by dfkit\n*\n", encoding="utf-8")
        (self.root / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by dfkit.\n",
            encoding="utf-8",
        )
