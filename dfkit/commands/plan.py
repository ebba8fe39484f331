"""`dfkit plan FILE`: the build's plan (stages, steps, layers, cache keys, the image)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from dfkit.errors import DfkitError
from dfkit.inputs import read_dockerfile
from dfkit.outputs import write_atomically


def build_args_of(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep:
            if name not in os.environ:
                continue  # like `docker build --build-arg NAME` with NAME unset
            value = os.environ[name]
        out[name] = value
    return out


def run(args: argparse.Namespace) -> int:
    from dfkit.buildcontext import BuildContext
    from dfkit.plan.planner import plan
    from dfkit.syntax import parse

    name = "<stdin>" if args.file == "-" else args.file
    dockerfile = parse(read_dockerfile(args.file), path=name)
    source = dockerfile.source
    errors = [issue for issue in dockerfile.issues if issue.severity == "error"]
    if errors:
        for issue in errors:
            position = source.position(issue.span.start)
            print(f"{name}:{position.line}:{position.column}: error: {issue.message}", file=sys.stderr)
        return 2
    context = digester = None
    if args.context is not None:
        root = Path(args.context)
        if not root.is_dir():
            raise DfkitError("--context: not a directory", path=args.context)
        from dfkit.plan.context import ContextHasher

        location = Path(args.file) if args.file != "-" else None
        context = BuildContext.open(root, location)
        digester = ContextHasher(context)
    elif args.changed:
        raise DfkitError("--changed needs --context: changes are traced through the context's files", path="dfkit plan")
    options = dict(
        target=args.target,
        build_args=build_args_of(args.build_arg),
        platform=args.platform,
        context=context,
        digester=digester,
        changed=args.changed or (),
    )
    if args.compare_builders:
        return _compare(name, dockerfile, options, args)
    result = plan(dockerfile, builder=args.builder, **options)  # type: ignore[arg-type]
    if digester is not None:
        digester.save()
    for issue in result.issues:
        where = f"{name}:{issue.line}:{issue.column}" if issue.line is not None else name
        print(f"{where}: {issue.severity}: {issue.message}", file=sys.stderr)
    fmt = args.format or ("tree" if sys.stdout.isatty() else "json")

    def render(out: TextIO) -> None:
        if fmt == "json":
            out.write(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
        elif fmt == "dot":
            from dfkit.plan.render import to_dot

            out.write(to_dot(result))
        elif fmt == "mermaid":
            from dfkit.plan.render import to_mermaid

            out.write(to_mermaid(result))
        else:
            from dfkit.plan.render import print_tree

            print_tree(result, out)

    if args.output_file:
        write_atomically(Path(args.output_file), render)
    else:
        render(sys.stdout)
    return 0 if result.ok else 2


def _compare(name: str, dockerfile: object, options: dict[str, object], args: argparse.Namespace) -> int:
    from dfkit.plan.compare import compare, render_text
    from dfkit.plan.planner import plan

    plans = {builder: plan(dockerfile, builder=builder, **options) for builder in ("buildkit", "classic", "buildah")}  # type: ignore[arg-type]
    first = plans["buildkit"]
    for issue in first.issues:
        where = f"{name}:{issue.line}:{issue.column}" if issue.line is not None else name
        print(f"{where}: {issue.severity}: {issue.message}", file=sys.stderr)
    differences = compare(plans)

    def render(out: TextIO) -> None:
        if args.format == "json":
            out.write(json.dumps([d.as_json() for d in differences], indent=2, ensure_ascii=False) + "\n")
        else:
            out.write(render_text(name, differences))

    if args.output_file:
        write_atomically(Path(args.output_file), render)
    else:
        render(sys.stdout)
    return 0 if first.ok else 2
