"""`dfkit build FILE -t TAG`: plan the build, then execute it with buildah, rootless.

Exit 0 when the image is built and tagged; 1 when a step fails (its output and its
Dockerfile span are shown); 2 for usage, a Dockerfile or plan with errors, or a host
that cannot run buildah (each with the fix). Progress goes to stderr, the image ID to
stdout.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from dfkit.commands.plan import build_args_of
from dfkit.errors import DfkitError
from dfkit.inputs import read_dockerfile


def run(args: argparse.Namespace) -> int:
    from dfkit.backend import bud, driven
    from dfkit.backend.buildah import Buildah
    from dfkit.backend.progress import choose
    from dfkit.backend.result import BuildResult, StepFailed
    from dfkit.buildcontext import BuildContext
    from dfkit.plan.context import ContextHasher
    from dfkit.plan.planner import plan
    from dfkit.syntax import parse

    if args.file == "-":
        raise DfkitError("dfkit build reads the Dockerfile from a file, not standard input", path="dfkit build")
    if args.root is not None and args.runroot is None:
        raise DfkitError("--root needs --runroot too: buildah keeps the storage's locks there", path="dfkit build")
    if not _TAG.fullmatch(args.tag):
        # Checked now: buildah would refuse it only once everything is built.
        raise DfkitError(f"-t {args.tag}: not an image name ([host[:port]/]path[:tag], the path in lower case)", path="dfkit build")
    builder = args.builder or ("buildah" if args.backend == "bud" else "buildkit")
    dockerfile = parse(read_dockerfile(args.file), path=args.file)
    errors = [issue for issue in dockerfile.issues if issue.severity == "error"]
    for issue in errors:
        position = dockerfile.source.position(issue.span.start)
        print(f"{args.file}:{position.line}:{position.column}: error: {issue.message}", file=sys.stderr)
    if errors:
        return 2
    root = Path(args.context) if args.context is not None else Path(args.file).parent
    if not root.is_dir():
        raise DfkitError("--context: not a directory", path=str(root))
    context = BuildContext.open(root, Path(args.file))
    hasher = ContextHasher(context)
    result_plan = plan(
        dockerfile,
        builder=builder,
        target=args.target,
        build_args=build_args_of(args.build_arg),
        platform=args.platform,
        context=context,
        digester=hasher,
    )
    for found in result_plan.issues:
        where = f"{args.file}:{found.line}:{found.column}" if found.line is not None else args.file
        print(f"{where}: {found.severity}: {found.message}", file=sys.stderr)
    if not result_plan.ok:
        return 2
    options = driven.BuildOptions(
        tag=args.tag, no_cache=args.no_cache, secrets=_secrets(args.secret or []), output=args.output
    )
    try:
        if args.backend == "bud":
            bud.check_supported(result_plan)
        else:
            driven.check_supported(result_plan, args.isolation, options.secrets)
        if args.dry_run:
            print("\n".join(driven.dry_run(result_plan, options) if args.backend == "driven" else _bud_dry_run(args)))
            return 0
        buildah = Buildah.locate(
            storage_driver=args.storage_driver,
            root=Path(args.root) if args.root else None,
            runroot=Path(args.runroot) if args.runroot else None,
            isolation=args.isolation,
        )
        with _interrupt_on_sigterm(), choose(args.progress) as progress:
            result: BuildResult
            if args.backend == "bud":
                result = bud.build(result_plan, buildah, Path(args.file), root, options, progress)
            else:
                result = driven.build(result_plan, buildah, root, hasher, options, progress)
    except StepFailed as failure:
        _locate(failure, dockerfile.source.line_text)
        print(str(failure), file=sys.stderr)
        return failure.exit_code
    except DfkitError as error:
        _locate(error, dockerfile.source.line_text)
        raise
    hasher.save()
    counts = {status: sum(1 for o in result.steps if o.status == status) for status in ("built", "cached")}
    print(
        f"built {result.tag} ({result.image_id[:12]}) in {result.seconds:.1f} s: "
        f"{counts['built']} step(s) run, {counts['cached']} cached",
        file=sys.stderr,
    )
    print(result.image_id)
    return 0


# The distribution reference grammar (docker/distribution `reference`), without digests.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = re.compile(
    rf"(?:(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?"
)


def _secrets(values: list[str]) -> dict[str, Path]:
    """`--secret id=ID,src=FILE` (BuildKit's spelling: `source=` too, and `id` alone reads ./ID)."""
    secrets = {}
    for value in values:
        fields = dict(part.partition("=")[::2] for part in value.split(","))
        secret_id = fields.get("id", "")
        source = fields.get("src") or fields.get("source") or secret_id
        if not secret_id or set(fields) - {"id", "src", "source", "type"} or fields.get("type", "file") != "file":
            raise DfkitError(f"--secret {value}: expected id=ID,src=FILE", path="dfkit build")
        if not Path(source).is_file():
            raise DfkitError(f"--secret {value}: no such file", path=source)
        secrets[secret_id] = Path(source)
    return secrets


def _bud_dry_run(args: argparse.Namespace) -> list[str]:
    argv = ["buildah", "--storage-driver", args.storage_driver, "bud", "--layers", "--format", "docker"]
    argv += ["--isolation", args.isolation, "--pull=never", "-f", args.file, "-t", args.tag]
    return [" ".join(argv + [args.context or str(Path(args.file).parent)])]


def _locate(error: DfkitError, line_text: Callable[[int], str]) -> None:
    """Give an error on a Dockerfile line the column its instruction starts at (the plan
    knows the line only)."""
    if error.line is not None and error.column is None:
        text = line_text(error.line)
        error.column = len(text) - len(text.lstrip()) + 1


@contextmanager
def _interrupt_on_sigterm() -> Iterator[None]:
    """SIGTERM (a CI job's timeout) cleans up like Ctrl-C: no working container left behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
