"""Rules of the runtime family."""

from __future__ import annotations

RULES: tuple = ()
