"""`dfkit schema NAME`: the JSON schemas of dfkit's JSON outputs."""

from __future__ import annotations

import argparse
import json
import sys


def run(args: argparse.Namespace) -> int:
    if args.name == "ast":
        from dfkit.syntax.jsonview import schema

        document = schema()
    elif args.name == "plan":
        from dfkit.plan.model import BuildPlan

        document = BuildPlan.model_json_schema(mode="serialization")
    else:  # pragma: no cover - argparse restricts the choices
        raise AssertionError(args.name)
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
    return 0
