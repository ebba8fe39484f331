"""`dfkit parse FILE... [--format json|dump|tree]`."""

from __future__ import annotations

import argparse
import json
import sys

from dfkit.errors import DfkitError
from dfkit.inputs import read_dockerfile


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def run(args: argparse.Namespace) -> int:
    from dfkit.syntax import parse

    fmt = args.format or ("tree" if sys.stdout.isatty() else "json")
    status = 0
    results = []
    for path in args.files:
        name = display_name(path)
        try:
            data = read_dockerfile(path)
        except DfkitError as error:
            print(str(error), file=sys.stderr)
            status = 2
            continue
        dockerfile = parse(data, path=name)
        source = dockerfile.source
        for issue in dockerfile.issues:
            if issue.stage != "parse":
                continue
            position = source.position(issue.span.start)
            print(f"{name}:{position.line}:{position.column}: {issue.severity}: {issue.message}", file=sys.stderr)
        if not dockerfile.ok:
            status = 2
        results.append((name, dockerfile))

    many = len(args.files) > 1
    if fmt == "json":
        from dfkit.syntax.jsonview import file_out

        objects = [file_out(df, name).model_dump(mode="json", exclude_none=True) for name, df in results]
        payload = objects if many else (objects[0] if objects else None)
        if payload is not None:
            sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    elif fmt == "dump":
        from dfkit.syntax.dump import dump

        for name, dockerfile in results:
            if not dockerfile.ok:
                continue
            if many:
                sys.stdout.write(f"==> {name} <==\n")
            sys.stdout.write(dump(dockerfile))
    else:
        from dfkit.report.tree import print_parse_tree

        for name, dockerfile in results:
            print_parse_tree(dockerfile, name)
    return status
