"""Golden files beside their inputs (BuildKit style), rewritten with --update-golden."""

from __future__ import annotations

from pathlib import Path


def check_golden(path: Path, actual: str, update: bool) -> None:
    if update or not path.exists():
        if not update:
            raise AssertionError(f"golden file {path} is missing; run pytest --update-golden and review it")
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs (run pytest --update-golden to accept a deliberate change)"
