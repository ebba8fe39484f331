"""Rules of the run family."""

from __future__ import annotations

RULES: tuple = ()
