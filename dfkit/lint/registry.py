"""The rule registry: every rule by code, and selectors that name rules.

A selector is a rule code (``DF301``), a rule name (``apt-get-unpinned``), an alias from
another tool (``DL3008``, ``JSONArgsRecommended``, ``DS001``/``DS-0001``/``AVD-DS-0001``,
``CKV_DOCKER_7``), a group (``security``), a tool (``hadolint``, ``buildkit``, ``trivy``,
``checkov``: every rule with an alias there), a code prefix (``DF3``), or ``ALL``.
"""

from __future__ import annotations

import functools
import re

from dfkit.lint.rule import Rule, tool_of


@functools.cache
def all_rules() -> tuple[type[Rule], ...]:
    from dfkit.lint.rules import ALL_RULES

    return ALL_RULES


@functools.cache
def rules_by_code() -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


def _normalise_trivy(alias: str) -> str:
    match = re.fullmatch(r"(?:AVD-)?DS-?0*(\d+)", alias, re.IGNORECASE)
    return f"DS{int(match.group(1)):03d}" if match else alias


@functools.cache
def _index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}

    def add(key: str, code: str) -> None:
        index.setdefault(key.lower(), set()).add(code)

    for rule in all_rules():
        add(rule.code, rule.code)
        add(rule.name, rule.code)
        for alias in rule.aliases:
            add(_normalise_trivy(alias), rule.code)
            add(tool_of(alias), rule.code)
        for group in rule.groups:
            add(group, rule.code)
        add(rule.family(), rule.code)
    return {key: frozenset(codes) for key, codes in index.items()}


def resolve(selector: str) -> frozenset[str] | None:
    """The codes a selector names, or None when it names nothing."""
    key = selector.strip()
    if not key:
        return None
    if key.upper() == "ALL":
        return frozenset(rules_by_code())
    found = _index().get(_normalise_trivy(key).lower())
    if found is not None:
        return found
    if re.fullmatch(r"DF\d{0,2}", key, re.IGNORECASE):
        prefix = key.upper()
        codes = frozenset(code for code in rules_by_code() if code.startswith(prefix))
        return codes or None
    return None


def default_codes() -> frozenset[str]:
    return frozenset(rule.code for rule in all_rules() if rule.default_enabled)
