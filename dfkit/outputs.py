"""Writing output files so that a failure never leaves a partial file behind."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from dfkit.errors import DfkitError


def write_atomically(path: Path, render: Callable[[TextIO], None]) -> None:
    """Render into a temporary file beside `path`, then rename it into place."""
    import tempfile

    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise DfkitError(f"cannot write: {error.strerror or error}", path=str(path)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            render(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
