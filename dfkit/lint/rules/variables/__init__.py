"""Rules of the variables family."""

from __future__ import annotations

RULES: tuple = ()
