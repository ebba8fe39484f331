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


def _lint_command(args: argparse.Namespace) -> int:
    from dfkit.commands.lint import run

    return run(args)


def _rules_command(args: argparse.Namespace) -> int:
    from dfkit.commands.rules import list_rules

    return list_rules(args)


def _rule_command(args: argparse.Namespace) -> int:
    from dfkit.commands.rules import show_rule

    return show_rule(args)


def _plan_command(args: argparse.Namespace) -> int:
    from dfkit.commands.plan import run

    return run(args)


def _build_command(args: argparse.Namespace) -> int:
    from dfkit.commands.build import run

    return run(args)


def _config_command(args: argparse.Namespace) -> int:
    from dfkit.commands.config import run

    return run(args)


def _add_lint(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lint = commands.add_parser(
        "lint",
        help="lint Dockerfiles",
        description=(
            "Lint Dockerfiles (a directory is searched for Dockerfile, Dockerfile.*, *.Dockerfile, *.dockerfile "
            "and Containerfile). Exit 0 when nothing reaches --fail-on, 1 when something does, 2 for usage, "
            "configuration or unreadable input."
        ),
    )
    lint.add_argument("paths", nargs="+", metavar="PATH", help="Dockerfiles or directories (- for standard input)")
    lint.add_argument(
        "--format",
        choices=("full", "concise", "json", "sarif", "github"),
        help="default: github under GitHub Actions, full on a terminal, concise otherwise",
    )
    selection = lint.add_argument_group("rule selection (codes, names, aliases such as DL3008, groups or prefixes)")
    selection.add_argument("--select", action="append", metavar="RULES", help="run only these (comma-separated)")
    selection.add_argument("--extend-select", action="append", metavar="RULES", help="run these as well")
    selection.add_argument("--ignore", action="append", metavar="RULES", help="do not run these")
    selection.add_argument("--no-pragmas", action="store_true", help="ignore every suppression comment (audit)")
    lint.add_argument(
        "--fail-on",
        choices=("error", "warning", "info", "style", "never"),
        help="exit 1 when a finding has at least this severity (default: the config's fail-on, else warning)",
    )
    fixing = lint.add_argument_group("fixes")
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    fixing.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: unsafe fixes too")
    fixing.add_argument("--diff", action="store_true", help="print the fixes as a unified diff, change nothing")
    build = lint.add_argument_group("build (what the builder would be told)")
    build.add_argument("--context", metavar="DIR", help="the build context (.dockerignore, COPY sources)")
    build.add_argument("--build-arg", action="append", metavar="NAME[=VALUE]", help="a build argument")
    build.add_argument("--target", metavar="STAGE", help="the stage to build (default: the last)")
    build.add_argument("--platform", metavar="OS/ARCH", help="the target platform (default: linux/amd64)")
    build.add_argument("--builder", choices=("buildkit", "classic", "buildah"), help="whose behaviour to check")
    lint.add_argument("--config", metavar="FILE", help="use this .dfkit.toml or pyproject.toml for every file")
    lint.add_argument("--stdin-filename", metavar="NAME", help="the name to report for standard input")
    lint.add_argument("--output-file", "-o", metavar="FILE", help="write the report to FILE (atomically)")
    lint.add_argument("--statistics", action="store_true", help="count findings per rule instead of listing them")
    lint.add_argument("--jobs", "-j", type=_positive_int, metavar="N", help="parallel workers (default: CPU count)")
    lint.add_argument("--no-cache", action="store_true", help="do not read or write .dfkit_cache/")
    lint.set_defaults(func=_lint_command)

    plan = commands.add_parser(
        "plan",
        help="simulate a build: its steps, layers, cache keys and the final image",
        description=(
            "Simulate the build of a Dockerfile as the builder runs it (start a container, run one instruction, "
            "commit it) and print the plan: stages, steps, which commit a layer, cache keys, the final image "
            "config and history. Exit 2 where the build itself would fail."
        ),
    )
    plan.add_argument("file", metavar="FILE", help="the Dockerfile (- for standard input)")
    plan.add_argument("--context", metavar="DIR", help="the build context (COPY/ADD sources are digested from it)")
    plan.add_argument("--target", metavar="STAGE", help="the stage to build (default: the last)")
    plan.add_argument("--build-arg", action="append", metavar="NAME[=VALUE]", help="a build argument")
    plan.add_argument("--platform", metavar="OS/ARCH", help="the target platform (default: linux/amd64)")
    plan.add_argument(
        "--builder", choices=("buildkit", "classic", "buildah"), default="buildkit",
        help="whose image to predict: buildkit (docker build), classic (DOCKER_BUILDKIT=0) or buildah/podman",
    )
    plan.add_argument("--changed", action="append", metavar="PATH", help="a context path that changed: what it rebuilds")
    plan.add_argument(
        "--compare-builders", action="store_true",
        help="show where BuildKit, the classic builder and buildah would make different images, and why",
    )
    plan.add_argument("--format", choices=("tree", "json", "dot", "mermaid"), help="default: tree on a terminal, json otherwise")
    plan.add_argument("-o", "--output-file", metavar="FILE", help="write the plan to FILE (atomically)")
    plan.set_defaults(func=_plan_command)
    _add_build(commands)

    rules = commands.add_parser("rules", help="list every rule", description="List every rule dfkit has.")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--select", action="append", metavar="RULES", help="only these (codes, names, aliases, groups)")
    rules.add_argument("--write-docs", metavar="DIR", help="write the rules' documentation pages into DIR")
    rules.set_defaults(func=_rules_command)

    rule = commands.add_parser("rule", help="show one rule's documentation")
    rule.add_argument("rule", metavar="RULE", help="a code, name or alias (DF101, untagged-base-image, DL3006)")
    rule.set_defaults(func=_rule_command)

    config = commands.add_parser(
        "config",
        help="show the configuration in effect",
        description="Show which configuration file applies to PATH and what is in effect.",
    )
    config.add_argument("--show", action="store_true", help="print the settings in effect (the default)")
    config.add_argument("path", nargs="?", default=".", metavar="PATH", help="a Dockerfile or directory (default: .)")
    config.add_argument("--config", metavar="FILE", help="this file instead of the one found upwards")
    config.add_argument("--format", choices=("text", "json"), default="text")
    config.set_defaults(func=_config_command)


def _add_build(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    build = commands.add_parser(
        "build",
        help="build the image the plan predicts, with buildah (rootless, no daemon)",
        description=(
            "Plan the build of a Dockerfile, then execute the plan with buildah: a working container per layer, "
            "committed and cached under dfkit's cache keys, and the image config, author and history the plan "
            "predicts for --builder. Exit 0 when built and tagged, 1 when a step fails, 2 for usage, a Dockerfile "
            "or plan with errors, or a host that cannot run buildah."
        ),
    )
    build.add_argument("file", metavar="FILE", help="the Dockerfile")
    build.add_argument("-t", "--tag", required=True, metavar="TAG", help="the image's name (moved only once built)")
    build.add_argument("--context", metavar="DIR", help="the build context (default: the Dockerfile's directory)")
    build.add_argument("--target", metavar="STAGE", help="the stage to build (default: the last)")
    build.add_argument("--build-arg", action="append", metavar="NAME[=VALUE]", help="a build argument")
    build.add_argument("--platform", metavar="OS/ARCH", help="the target platform (default: linux/amd64)")
    build.add_argument(
        "--builder", choices=("buildkit", "classic", "buildah"),
        help="whose image to make (default: buildkit; buildah with --backend bud)",
    )  # fmt: skip
    build.add_argument("--secret", action="append", metavar="id=ID,src=FILE", help="a secret for RUN --mount=type=secret")
    build.add_argument("--no-cache", action="store_true", help="run every step, reusing no cached image")
    build.add_argument(
        "--backend", choices=("driven", "bud"), default="driven",
        help="driven: dfkit runs the plan step by step (default); bud: buildah bud --layers builds the Dockerfile",
    )  # fmt: skip
    build.add_argument("--storage-driver", choices=("vfs", "overlay"), default="vfs", help="buildah's (default: vfs)")
    build.add_argument("--root", metavar="DIR", help="buildah's storage root (with --runroot)")
    build.add_argument("--runroot", metavar="DIR", help="buildah's storage run root")
    build.add_argument(
        "--isolation", choices=("chroot", "oci"), default="chroot",
        help="how RUN runs: chroot (default; no cgroups, the host's network) or oci (set BUILDAH_RUNTIME=runc on hybrid cgroups)",
    )  # fmt: skip
    build.add_argument("--output", metavar="oci:DIR|oci-archive:FILE", help="also write the image as an OCI layout or archive")
    build.add_argument(
        "--progress", choices=("auto", "rich", "plain"), default="auto",
        help="auto: a live view on a terminal, plain lines otherwise",
    )  # fmt: skip
    build.add_argument("--dry-run", action="store_true", help="print what would run, and run nothing")
    build.set_defaults(func=_build_command)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


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

    _add_lint(commands)

    schema = commands.add_parser("schema", help="print the JSON schema of dfkit's JSON output")
    schema.add_argument(
        "name", choices=("ast", "plan"), help="ast: `dfkit parse --format json`; plan: `dfkit plan --format json`"
    )
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
