"""Every dfkit rule, in code order: each family package lists its own rules in `RULES`.

A test checks this list against the modules on disk.
"""

from __future__ import annotations

from dfkit.lint.rule import Rule
from dfkit.lint.rules import copy, run, runtime, security, stages, syntax, variables

ALL_RULES: tuple[type[Rule], ...] = tuple(
    sorted(
        (*syntax.RULES, *stages.RULES, *variables.RULES, *run.RULES, *copy.RULES, *runtime.RULES, *security.RULES),
        key=lambda rule: rule.code,
    )
)
