"""`dfkit config --show [PATH]`: which configuration applies, and what is in effect."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dfkit.errors import DfkitError


def effective(path: Path, explicit: str | None) -> dict[str, Any]:
    from dfkit.lint.config import default_config, load_file
    from dfkit.lint.discovery import config_for
    from dfkit.lint.registry import all_rules

    if explicit is not None:
        config_path: Path | None = Path(explicit)
        if not config_path.is_file():
            raise DfkitError("--config: no such file", path=explicit)
    else:
        config_path = config_for(path)
    config = load_file(config_path) if config_path is not None else default_config()
    enabled = config.enabled_codes()
    settings = config.settings.model_dump(mode="json", by_alias=True, exclude={"rules"})
    options = {
        code: value.model_dump(mode="json", by_alias=True) for code, value in sorted(config.rule_options.items())
    }
    return {
        "config_file": str(config_path) if config_path is not None else None,
        "settings": settings,
        "rule_options": options,
        "enabled": sorted(enabled),
        "disabled": sorted(rule.code for rule in all_rules() if rule.code not in enabled),
    }


def run(args: argparse.Namespace) -> int:
    target = Path(args.path)
    if not target.exists():
        raise DfkitError("no such file or directory", path=args.path)
    data = effective(target, args.config)
    if args.format == "json":
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 0
    out = sys.stdout
    out.write(f"# configuration: {data['config_file'] or 'none found (defaults)'}\n")
    for key, value in data["settings"].items():
        out.write(f"{key} = {json.dumps(value)}\n")
    for code, values in data["rule_options"].items():
        out.write(f"\n[rules.{code}]\n")
        for key, value in values.items():
            out.write(f"{key} = {json.dumps(value)}\n")
    out.write(f"\n# enabled ({len(data['enabled'])}): {' '.join(data['enabled'])}\n")
    out.write(f"# disabled ({len(data['disabled'])}): {' '.join(data['disabled'])}\n")
    return 0
