"""Rules of the security family."""

from __future__ import annotations

RULES: tuple = ()
