"""dfkit: understands Dockerfiles the way the real builder does.

The package root stays import-light on purpose: `dfkit --version` and the pre-commit
hook must not pay for lark, pydantic or rich. The heavy modules are imported by the
functions below, on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from dfkit.syntax.ast import Dockerfile


def parse(source: str | bytes, path: str = "Dockerfile") -> "Dockerfile":
    """Parse Dockerfile text (or raw bytes) into dfkit's immutable AST."""
    from dfkit.syntax import parse as _parse

    return _parse(source, path=path)


__all__ = ["__version__", "parse"]
