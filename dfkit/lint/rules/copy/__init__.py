"""Rules of the copy family."""

from __future__ import annotations

RULES: tuple = ()
