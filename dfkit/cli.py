"""The `dfkit` command line.

Start-up matters (pre-commit runs dfkit on every commit), so this module imports only
the standard library at the top; lark, pydantic and rich are imported inside the
commands that need them. Exit codes: 0 success, 1 findings at or above `--fail-on`,
2 usage, input or internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from dfkit import __version__
from dfkit.errors import DfkitError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def _parse_command(args: argparse.Namespace) -> int:
    from dfkit.commands.parse import run

    return run(args)


def _schema_command(args: argparse.Namespace) -> int:
    from dfkit.commands.schema import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dfkit",
        description="Understands Dockerfiles the way the real builder does.",
    )
    parser.add_argument("--version", action="version", version=f"dfkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    parse = commands.add_parser(
        "parse",
        help="parse Dockerfiles as BuildKit does and print the result",
        description="Parse Dockerfiles exactly as BuildKit's parser does. Exit 2 if BuildKit would reject one.",
    )
    parse.add_argument("files", nargs="+", metavar="FILE", help="Dockerfiles to parse (- for standard input)")
    parse.add_argument(
        "--format",
        choices=("json", "dump", "tree"),
        default=None,
        help="json (default when not a terminal), dump (BuildKit's s-expression dump) or tree (default on a terminal)",
    )
    parse.set_defaults(func=_parse_command)

    schema = commands.add_parser("schema", help="print the JSON schema of dfkit's JSON output")
    schema.add_argument("name", choices=("ast",), help="ast: the output of `dfkit parse --format json`")
    schema.set_defaults(func=_schema_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except DfkitError as error:
        print(str(error), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("dfkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); not an error worth a message.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last line of defence: no tracebacks
        if os.environ.get("DFKIT_DEBUG"):
            raise
        print(
            f"dfkit: internal error: {type(error).__name__}: {error}\n"
            "  This is a bug in dfkit; run with DFKIT_DEBUG=1 for a traceback and please report it.",
            file=sys.stderr,
        )
        return EXIT_ERROR
