"""`dfkit build FILE -t TAG`: plan the build, then execute it with buildah, rootless.

Exit 0 when the image is built and tagged; 1 when a step fails (its output and its
Dockerfile span are shown); 2 for usage, a Dockerfile or plan with errors, or a host
that cannot run buildah (each with the fix). Progress goes to stderr, the image ID to
stdout.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import astuple
from pathlib import Path
from types import FrameType
from typing import Any

from dfkit.commands.plan import build_args_of
from dfkit.errors import DfkitError
from dfkit.inputs import read_dockerfile


def run(args: argparse.Namespace) -> int:
    if args.file == "-":
        raise DfkitError("dfkit build reads the Dockerfile from a file, not standard input", path="dfkit build")
    if args.root is not None and args.runroot is None:
        raise DfkitError("--root needs --runroot too: buildah keeps the storage's locks there", path="dfkit build")
    if not _TAG.fullmatch(args.tag):
        # Checked now: buildah would refuse it only once everything is built.
        raise DfkitError(f"-t {args.tag}: not an image name ([host[:port]/]path[:tag], the path in lower case)", path="dfkit build")
    builder = args.builder or ("buildah" if args.backend == "bud" else "buildkit")
    data = read_dockerfile(args.file)
    root = Path(args.context) if args.context is not None else Path(args.file).parent
    if not root.is_dir():
        raise DfkitError("--context: not a directory", path=str(root))
    remembered = _Remembered.of(args, builder, data, root)
    if remembered is not None and remembered.rebuilt(args):
        return 0
    # Only now: an unchanged rebuild needs none of these.
    from dfkit.backend import bud, driven
    from dfkit.backend.progress import choose
    from dfkit.backend.result import BuildResult, StepFailed
    from dfkit.buildcontext import BuildContext
    from dfkit.plan.context import ContextHasher
    from dfkit.plan.planner import plan
    from dfkit.syntax import parse

    dockerfile = parse(data, path=args.file)
    errors = [issue for issue in dockerfile.issues if issue.severity == "error"]
    for issue in errors:
        position = dockerfile.source.position(issue.span.start)
        print(f"{args.file}:{position.line}:{position.column}: error: {issue.message}", file=sys.stderr)
    if errors:
        return 2
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
        buildah = _buildah(args)
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
    if remembered is not None:
        remembered.save(result, result_plan)
    counts = {status: sum(1 for o in result.steps if o.status == status) for status in ("built", "cached")}
    _report(result.tag, result.image_id, result.seconds, built=counts["built"], cached=counts["cached"])
    return 0


class _Remembered:
    """A driven build's record (`dfkit.backend.record`): a rebuild with nothing changed
    answers from it, before anything is parsed or planned; a build that succeeds leaves one."""

    def __init__(self, records: Any, key: str, root: Path, snapshot: Any) -> None:
        self._records, self._key, self._root, self._snapshot = records, key, root, snapshot

    @classmethod
    def of(cls, args: argparse.Namespace, builder: str, data: bytes, root: Path) -> _Remembered | None:
        if args.backend != "driven" or args.no_cache or args.dry_run or args.output is not None:
            return None
        from dfkit.backend.record import Records, Snapshot
        from dfkit.lint.cache import cache_root

        snapshot = Snapshot.take(root)
        if snapshot is None:
            return None
        options = {
            "dockerfile": os.path.abspath(args.file),
            "context": os.path.realpath(root),
            "target": args.target,
            "build_args": sorted(build_args_of(args.build_arg).items()),
            "platform": args.platform,
            "builder": builder,
            "secrets": sorted(args.secret or []),
            "store": [args.storage_driver, args.root and os.path.abspath(args.root),
                      args.runroot and os.path.abspath(args.runroot), os.geteuid()],
            "isolation": args.isolation,
        }  # fmt: skip
        return cls(Records(cache_root(None)), Records.key(data, options), root, snapshot)

    def rebuilt(self, args: argparse.Namespace) -> bool:
        """Tag the recorded image and report a rebuild that reused every step, if the
        context and the store are as the record found them."""
        from dfkit.backend.buildah import BackendError, stored_name
        from dfkit.backend.progress import StepLabel, choose
        from dfkit.backend.record import still_valid

        start = time.perf_counter()
        record = self._records.load(self._key)
        if record is None or not self._snapshot.matches(self._root, record.context):
            return False
        buildah = _buildah(args)
        try:
            images = buildah.images()
            external = [(reference, str(buildah.inspect_image(reference)["FromImageID"])) for reference in record.external]
        except BackendError:
            return False  # an external image gone, say: the normal way says what is wrong
        if not still_valid(record, images, external):
            return False
        with choose(args.progress) as progress:
            for label in record.steps:
                progress.started(StepLabel(*label), cached=True)
        if images.get(stored_name(args.tag)) != record.image_id:
            buildah.tag(record.image_id, args.tag)
        _report(args.tag, record.image_id, time.perf_counter() - start, built=0, cached=len(record.steps))
        return True

    def save(self, result: Any, plan: Any) -> None:
        from dfkit.backend.driven import label_of
        from dfkit.backend.record import Record, Snapshot

        after = Snapshot.take(self._root)
        if after is None or not after.settled_since(self._snapshot):
            return  # the context changed while it was built: the record would vouch for neither

        stages = {stage.index: stage for stage in plan.stages}
        steps = [
            list(astuple(label_of(stages[o.stage], next(s for s in stages[o.stage].steps if s.index == o.step))))
            for o in result.steps
            if o.status != "config"
        ]
        self._records.save(self._key, Record(result.image_id, dict(result.external), steps, after.entries))


def _buildah(args: argparse.Namespace) -> Any:
    from dfkit.backend.buildah import Buildah

    return Buildah.locate(
        storage_driver=args.storage_driver,
        root=Path(args.root) if args.root else None,
        runroot=Path(args.runroot) if args.runroot else None,
        isolation=args.isolation,
    )


def _report(tag: str, image_id: str, seconds: float, *, built: int, cached: int) -> None:
    print(f"built {tag} ({image_id[:12]}) in {seconds:.1f} s: {built} step(s) run, {cached} cached", file=sys.stderr)
    print(image_id)


# The distribution reference grammar (docker/distribution `reference`), without digests.
# Not `dfkit.semantics.parse_reference`: importing that package loads the analyzer
# (about 0.4 s), which an unchanged rebuild, answered from its record, never needs.
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
