"""Reading Dockerfiles from disk (or stdin) with errors a person can act on.

A missing file, a directory, an unreadable file and a binary file are each one
`DfkitError` with the path (and, for binary data, the line and column of the first NUL
byte). Invalid UTF-8 is not an error: BuildKit reads such files, and so does dfkit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dfkit.errors import DfkitError


def read_bytes(path: str) -> bytes:
    """The bytes of `path` (``-`` is standard input)."""
    if path == "-":
        return sys.stdin.buffer.read()
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise DfkitError("no such file", path=path) from None
    except IsADirectoryError:
        raise DfkitError("is a directory, not a Dockerfile", path=path) from None
    except PermissionError:
        raise DfkitError("permission denied", path=path) from None
    except OSError as error:
        raise DfkitError(f"cannot read: {error.strerror or error}", path=path) from None
    return data


def check_not_binary(data: bytes, path: str) -> None:
    """Refuse data with a NUL byte: no Dockerfile has one, every binary file does."""
    nul = data.find(b"\x00")
    if nul < 0:
        return
    line = data.count(b"\n", 0, nul) + 1
    line_start = data.rfind(b"\n", 0, nul) + 1
    column = len(data[line_start:nul].decode("utf-8", "replace")) + 1
    raise DfkitError("binary file (NUL byte), not a Dockerfile", path=path, line=line, column=column)


def read_dockerfile(path: str) -> bytes:
    data = read_bytes(path)
    check_not_binary(data, path)
    return data
