"""Rules of the run family."""

from __future__ import annotations

from .df301_exec_form_variable import ExecFormVariable

RULES = (ExecFormVariable,)
