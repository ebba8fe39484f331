"""`dfkit rules` (the catalogue) and `dfkit rule X` (one rule's documentation)."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

from dfkit.errors import DfkitError


def _resolve(selector: str) -> frozenset[str]:
    from dfkit.lint.registry import _index, resolve

    codes = resolve(selector)
    if codes is None:
        close = difflib.get_close_matches(selector.lower(), list(_index()), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "`dfkit rules` lists them"
        raise DfkitError(f"unknown rule or selector {selector!r}", path="dfkit", hint=hint)
    return codes


def _row(rule: Any) -> dict[str, Any]:
    from dfkit.lint.docs import summary
    from dfkit.lint.rule import FixAvailability

    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "groups": list(rule.groups),
        "fixable": rule.fix is not FixAvailability.NONE,
        "default_enabled": rule.default_enabled,
        "aliases": list(rule.aliases),
        "needs_context": rule.needs_context,
        "needs_registry": rule.needs_registry,
        "options": rule.option_names(),
        "summary": summary(rule),
    }


def list_rules(args: argparse.Namespace) -> int:
    from dfkit.lint.registry import all_rules

    rules = all_rules()
    if args.write_docs:
        from dfkit.lint.docs import write_docs

        changed = write_docs(Path(args.write_docs), rules)
        print(f"{len(changed)} file{'s' * (len(changed) != 1)} updated in {args.write_docs}", file=sys.stderr)
        return 0
    if args.select:
        wanted: set[str] = set()
        for value in args.select:
            for part in value.split(","):
                if part.strip():
                    wanted |= _resolve(part.strip())
        rules = tuple(rule for rule in rules if rule.code in wanted)
    rows = [_row(rule) for rule in rules]
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    name_width = max((len(row["name"]) for row in rows), default=4)
    for row in rows:
        fix = "[*]" if row["fixable"] else "   "
        default = "   " if row["default_enabled"] else "off"
        aliases = ", ".join(row["aliases"])
        sys.stdout.write(
            f"{row['code']}  {row['name']:<{name_width}}  {row['severity']:<7}  {fix}  {default}  {aliases}".rstrip()
            + "\n"
        )
    return 0


def show_rule(args: argparse.Namespace) -> int:
    from dfkit.lint.docs import markdown
    from dfkit.lint.registry import rules_by_code

    codes = sorted(_resolve(args.rule))
    by_code = rules_by_code()
    pages = [markdown(by_code[code]) for code in codes]
    sys.stdout.write("\n".join(pages))
    return 0
