"""`dfkit lint PATH...`: find Dockerfiles, lint them (from the cache when possible), fix,
report, and choose the exit status.

The flow keeps start-up cheap: files are found, read and looked up in the result cache
with the standard library only; the parser, pydantic and the rules are imported only
when some file misses the cache or fixes are asked for. Many files are linted by a pool
of forked workers that inherit the warmed-up parser.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from dfkit.errors import DfkitError
from dfkit.inputs import check_not_binary, read_bytes
from dfkit.lint import cache as cache_mod
from dfkit.lint.discovery import config_for, dockerfiles_in
from dfkit.outputs import write_atomically
from dfkit.report.records import RANK, FileReport, Record

if TYPE_CHECKING:  # pragma: no cover
    from dfkit.lint.config import Config
    from dfkit.lint.engine import Linter

FORMATS = ("full", "concise", "json", "sarif", "github")
FAIL_ON = ("error", "warning", "info", "style", "never")
PARALLEL_THRESHOLD = 4  # fewer files than this are linted in-process


@dataclass(frozen=True)
class Request:
    """The command line, as far as it changes what a file's findings are."""

    select: tuple[str, ...] | None
    ignore: tuple[str, ...]
    extend_select: tuple[str, ...]
    pragmas: bool
    build_args: tuple[tuple[str, str], ...]
    target: str | None
    platform: str | None
    builder: str | None
    context: str | None
    config: str | None  # --config FILE (else found upwards per file)
    fix: bool  # compute fixes (for --fix or --diff)
    diff: bool  # show them as a diff instead of writing them
    unsafe: bool

    def cache_options(self) -> dict[str, Any]:
        return {
            "select": self.select,
            "ignore": self.ignore,
            "extend_select": self.extend_select,
            "pragmas": self.pragmas,
            "build_args": self.build_args,
            "target": self.target,
            "platform": self.platform,
            "builder": self.builder,
        }


@dataclass
class Job:
    path: str  # as given ("-" for standard input)
    display: str
    data: bytes
    config: Path | None
    dockerignore: Path | None  # the ignore file of the implicit or explicit context
    key: str | None = None


@dataclass
class Outcome:
    reports: list[FileReport] = field(default_factory=list)
    not_evaluable: set[str] = field(default_factory=set)
    rule_codes: set[str] = field(default_factory=set)
    diffs: list[str] = field(default_factory=list)
    fixed_stdin: str | None = None


# -- entry point -----------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    fmt = args.format or default_format()
    request = request_of(args)
    jobs, errors, order = collect(args, request)
    outcome = lint_jobs(jobs, request, args)
    outcome.reports.extend(errors)
    position = {name: i for i, name in enumerate(order)}
    outcome.reports.sort(key=lambda r: position.get(r.file, len(position)))
    for report in outcome.reports:
        if report.error:
            print(report.error, file=sys.stderr)
    if args.diff:
        sys.stdout.write("".join(outcome.diffs))
        changed = len(outcome.diffs)
        fixable = sum(r.fixed for r in outcome.reports)
        print(
            f"Would fix {fixable} finding{'s' * (fixable != 1)} in {changed} file{'s' * (changed != 1)}.",
            file=sys.stderr,
        )
        return 2 if errors else (1 if changed else 0)
    if outcome.fixed_stdin is not None:
        sys.stdout.write(outcome.fixed_stdin)
        out_stream: TextIO = sys.stderr
    else:
        out_stream = sys.stdout
    write_output(outcome, fmt, args, out_stream)
    if any(report.error for report in outcome.reports):
        return 2
    return 1 if any(_fails(report, args) for report in outcome.reports) else 0


def default_format() -> str:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    return "full" if sys.stdout.isatty() else "concise"


def request_of(args: argparse.Namespace) -> Request:
    build_args = []
    for item in args.build_arg or []:
        name, sep, value = item.partition("=")
        if not sep:
            if name not in os.environ:
                continue  # like `docker build --build-arg NAME` with NAME unset
            value = os.environ[name]
        build_args.append((name, value))
    if args.context is not None and not Path(args.context).is_dir():
        raise DfkitError("--context: not a directory", path=args.context)
    return Request(
        select=_selectors(args.select) if args.select is not None else None,
        ignore=_selectors(args.ignore),
        extend_select=_selectors(args.extend_select),
        pragmas=not args.no_pragmas,
        build_args=tuple(build_args),
        target=args.target,
        platform=args.platform,
        builder=args.builder,
        context=str(Path(args.context).resolve()) if args.context else None,
        config=args.config,
        fix=args.fix or args.diff,
        diff=args.diff,
        unsafe=args.unsafe_fixes,
    )


def _selectors(values: Sequence[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(out)


# -- finding the files -----------------------------------------------------------------


def collect(args: argparse.Namespace, request: Request) -> tuple[list[Job], list[FileReport], list[str]]:
    """The files to lint (directories searched), the ones that cannot be read, and the
    order in which to report them."""
    jobs: list[Job] = []
    errors: list[FileReport] = []
    order: list[str] = []
    explicit_config = Path(args.config).resolve() if args.config else None
    if explicit_config is not None and not explicit_config.is_file():
        raise DfkitError("--config: no such file", path=args.config)
    seen: set[str] = set()
    memo: dict[Path, Path | None] = {}
    for given in args.paths:
        if given == "-":
            display = args.stdin_filename or "<stdin>"
            paths = [(given, display)]
        elif Path(given).is_dir():
            found = [(str(p), str(p)) for p in dockerfiles_in(Path(given))]
            if not found:
                print(f"{given}: warning: no Dockerfiles found", file=sys.stderr)
            paths = found
        else:
            paths = [(given, given)]
        for path, display in paths:
            if display in seen:
                continue
            seen.add(display)
            order.append(display)
            try:
                data = read_bytes(path)
                check_not_binary(data, display)
            except DfkitError as error:
                error.path = display
                errors.append(FileReport(display, "", error=str(error)))
                continue
            location = Path(args.stdin_filename) if path == "-" and args.stdin_filename else Path(path)
            if path == "-" and not args.stdin_filename:
                location = Path.cwd() / "Dockerfile"
            config = explicit_config or config_for(location, memo)
            jobs.append(Job(path, display, data, config, _dockerignore(location, request)))
    return jobs, errors, order


def _dockerignore(dockerfile: Path, request: Request) -> Path | None:
    """The ignore file BuildKit would read: `<Dockerfile>.dockerignore`, else the
    context's `.dockerignore` (the explicit context, else the Dockerfile's directory)."""
    beside = dockerfile.parent / f"{dockerfile.name}.dockerignore"
    if beside.is_file():
        return beside
    root = Path(request.context) if request.context else dockerfile.parent
    candidate = root / ".dockerignore"
    return candidate if candidate.is_file() else None


# -- linting ---------------------------------------------------------------------------


def lint_jobs(jobs: list[Job], request: Request, args: argparse.Namespace) -> Outcome:
    outcome = Outcome()
    use_cache = not args.no_cache and not request.fix and request.context is None
    pending: list[Job] = []
    caches: dict[Path, cache_mod.ResultCache] = {}
    for job in jobs:
        if not use_cache:
            pending.append(job)
            continue
        job.key = _key(job, request)
        cache = caches.setdefault(cache_mod.cache_root(job.config), cache_mod.ResultCache(cache_mod.cache_root(job.config)))
        entry = cache.load(job.key)
        if entry is None:
            pending.append(job)
            continue
        report = FileReport(
            job.display,
            _text_of(job.data),
            [Record.from_cache(job.display, row) for row in entry["records"]],
            not_evaluable=tuple(entry.get("not_evaluable", ())),
            cached=True,
            fail_on=entry.get("fail_on", "warning"),
        )
        outcome.reports.append(report)
        outcome.not_evaluable.update(report.not_evaluable)
        outcome.rule_codes.update(entry.get("rules", ()))
    if not pending:
        return outcome
    session = Session(request)
    results = session.run_many(pending, jobs_option=args.jobs)
    for job, (report, extra) in zip(pending, results):
        outcome.reports.append(report)
        outcome.not_evaluable.update(report.not_evaluable)
        outcome.rule_codes.update(extra["rules"])
        if extra.get("diff"):
            outcome.diffs.append(extra["diff"])
        if extra.get("stdin_text") is not None:
            outcome.fixed_stdin = extra["stdin_text"]
        if use_cache and job.key is not None and report.error is None:
            cache = caches[cache_mod.cache_root(job.config)]
            cache.store(
                job.key,
                {
                    "records": [record.to_cache() for record in report.records],
                    "not_evaluable": list(report.not_evaluable),
                    "fail_on": report.fail_on,
                    "rules": sorted(extra["rules"]),
                },
            )
    return outcome


def _key(job: Job, request: Request) -> str:
    config_bytes = None
    if job.config is not None:
        try:
            config_bytes = str(job.config).encode() + b"\0" + job.config.read_bytes()
        except OSError:
            config_bytes = None
    dockerignore = None
    if job.dockerignore is not None:
        try:
            dockerignore = str(job.dockerignore).encode() + b"\0" + job.dockerignore.read_bytes()
        except OSError:
            dockerignore = None
    location = job.display if job.path == "-" else str(Path(job.path).resolve())
    return cache_mod.key_of(
        job.data, path=location, config_bytes=config_bytes, options=request.cache_options(), dockerignore=dockerignore
    )


def _text_of(data: bytes) -> str:
    from dfkit.source import decode

    return decode(data)[0]


class Session:
    """What linting many files shares: loaded configurations and their linters."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self._configs: dict[Path | None, Config] = {}
        self._linters: dict[Path | None, Linter] = {}
        _check_selectors(request)

    def config(self, path: Path | None) -> "Config":
        if path not in self._configs:
            from dfkit.lint.config import default_config, load_file

            self._configs[path] = load_file(path) if path is not None else default_config()
        return self._configs[path]

    def linter(self, path: Path | None) -> "Linter":
        if path not in self._linters:
            from dfkit.lint.context import LintOptions
            from dfkit.lint.engine import Linter

            config = self.config(path)
            request = self.request
            options = LintOptions(
                build_args=dict(request.build_args),
                target=request.target,
                platform=request.platform,
                builder=request.builder or config.settings.builder,
                context=Path(request.context) if request.context else None,
            )
            self._linters[path] = Linter(
                config,
                select=list(request.select) if request.select is not None else None,
                ignore=list(request.ignore),
                extend_select=list(request.extend_select),
                options=options,
                pragmas=request.pragmas,
            )
        return self._linters[path]

    def run_many(self, jobs: list[Job], *, jobs_option: int | None) -> list[tuple[FileReport, dict[str, Any]]]:
        workers = jobs_option if jobs_option is not None else (os.cpu_count() or 1)
        workers = max(1, min(workers, len(jobs)))
        # Validate every configuration up front: a bad one is a usage error (exit 2).
        for job in jobs:
            self.linter(job.config)
        if workers == 1 or len(jobs) < PARALLEL_THRESHOLD or "fork" not in _start_methods():
            return [self.lint(job) for job in jobs]
        return _run_parallel(self, jobs, workers)

    def lint(self, job: Job) -> tuple[FileReport, dict[str, Any]]:
        from dfkit.buildcontext import BuildContext
        from dfkit.lint.fix import fix_loop
        from dfkit.report.records import record_of
        from dfkit.syntax import parse

        request = self.request
        config = self.config(job.config)
        linter = self.linter(job.config)
        location = Path(job.path) if job.path != "-" else Path(job.display)
        if request.context:
            context = BuildContext.open(Path(request.context), location)
        elif job.dockerignore is not None:
            context = BuildContext.open(location.parent, location, explicit=False)
        else:
            context = None
        dockerfile = parse(job.data, path=job.display)
        result = linter.lint(dockerfile, context)
        extra: dict[str, Any] = {"rules": sorted(linter.enabled)}
        fixed = 0
        if request.fix:
            last = {"dockerfile": dockerfile, "result": result}

            def lint_text(text: str) -> tuple[list[Any], bool]:
                candidate = parse(text, path=job.display)
                found = linter.lint(candidate, context)
                last["dockerfile"], last["result"] = candidate, found
                return found.findings, candidate.ok

            original = dockerfile.text
            fixed_result = fix_loop(original, lint_text, unsafe=request.unsafe)
            if fixed_result.text != original:
                # The loop's last lint may be of a rejected candidate: lint the result again.
                lint_text(fixed_result.text)
                fixed = fixed_result.applied
                extra["diff"] = _diff(job.display, original, fixed_result.text)
                if not request.diff:
                    if job.path == "-":
                        extra["stdin_text"] = fixed_result.text
                    else:
                        _write_fixed(job, dockerfile, fixed_result.text)
            elif job.path == "-" and not request.diff:
                extra["stdin_text"] = original
            dockerfile, result = last["dockerfile"], last["result"]  # type: ignore[assignment]
        records = [record_of(finding, job.display, dockerfile.source) for finding in result.findings]
        report = FileReport(
            job.display,
            dockerfile.text,
            records,
            fixed=fixed,
            not_evaluable=tuple(result.not_evaluable),
            fail_on=config.settings.fail_on,
        )
        return report, extra

def _check_selectors(request: Request) -> None:
    import difflib

    from dfkit.lint.registry import _index, resolve

    for option, selectors in (
        ("--select", request.select or ()),
        ("--extend-select", request.extend_select),
        ("--ignore", request.ignore),
    ):
        for selector in selectors:
            if resolve(selector) is None:
                close = difflib.get_close_matches(selector.lower(), list(_index()), n=1)
                hint = f"did you mean {close[0]!r}?" if close else "`dfkit rules` lists every rule"
                raise DfkitError(f"unknown rule or selector {selector!r}", path=option, hint=hint)


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _diff(name: str, before: str, after: str) -> str:
    import difflib

    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=f"a/{name}", tofile=f"b/{name}"
    )
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return text


def _write_fixed(job: Job, dockerfile: Any, text: str) -> None:
    """Replace the file atomically, keeping its BOM and permissions."""
    import tempfile

    from dfkit.source import UTF8_BOM, encode

    path = Path(job.path)
    data = (UTF8_BOM if dockerfile.source.bom else b"") + encode(text)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".dfkit")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Forked workers inherit the parent's warmed-up session (parser tables, rules, configs).
_WORKER: dict[str, Session] = {}


def _worker_lint(job: Job) -> tuple[FileReport, dict[str, Any]]:
    return _WORKER["session"].lint(job)


def _run_parallel(session: Session, jobs: list[Job], workers: int) -> list[tuple[FileReport, dict[str, Any]]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from dfkit.syntax import parse

    parse(b"FROM scratch\n")  # build the parser tables once, before forking
    _WORKER["session"] = session
    try:
        context = multiprocessing.get_context("fork")
        chunk = max(1, len(jobs) // (workers * 8))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(_worker_lint, jobs, chunksize=chunk))
    finally:
        _WORKER.clear()


# -- output ----------------------------------------------------------------------------


def _fails(report: FileReport, args: argparse.Namespace) -> bool:
    threshold = args.fail_on or report.fail_on
    if threshold == "never":
        return False
    return any(RANK[record.severity] >= RANK[threshold] for record in report.records)


def write_output(outcome: Outcome, fmt: str, args: argparse.Namespace, stream: TextIO) -> None:
    if args.output_file:
        write_atomically(Path(args.output_file), lambda out: _render(outcome, fmt, args, out))
    else:
        _render(outcome, fmt, args, stream)


def _render(outcome: Outcome, fmt: str, args: argparse.Namespace, out: TextIO) -> None:
    reports = outcome.reports
    for report in reports:
        report.records.sort(key=lambda r: (r.line, r.column, r.code))
    if args.statistics:
        _statistics(reports, out)
        return
    if fmt == "concise":
        from dfkit.report import concise

        concise.render(reports, out)
    elif fmt == "github":
        from dfkit.report import github

        github.render(reports, out)
    elif fmt == "json":
        from dfkit.report import jsonout

        jsonout.render(reports, out)
    elif fmt == "sarif":
        from dfkit.report import sarif

        sarif.render(reports, out, outcome.rule_codes, _not_evaluable(outcome.not_evaluable, None))
    else:
        from dfkit.report import full

        asked = set(_selectors(args.select)) | set(_selectors(args.extend_select))
        color = None if out is sys.stdout and not os.environ.get("NO_COLOR") else False
        full.render(
            reports, out, color=color, unsafe=args.unsafe_fixes, not_evaluable=_not_evaluable(outcome.not_evaluable, asked)
        )


def _not_evaluable(codes: set[str], asked: set[str] | None) -> list[str]:
    """Why each rule could not run; with `asked`, only rules the command line named."""
    if not codes:
        return []
    from dfkit.lint.registry import resolve, rules_by_code

    if asked is not None:
        named: set[str] = set()
        for selector in asked:
            if selector.upper() != "ALL":
                named |= resolve(selector) or set()
        codes = codes & named
    by_code = rules_by_code()
    out = []
    for code in sorted(codes):
        rule = by_code[code]
        need = "a registry (never guessed)" if rule.needs_registry else "a build context (--context DIR)"
        out.append(f"{code} {rule.name} needs {need}")
    return out


def _statistics(reports: list[FileReport], out: TextIO) -> None:
    counts: dict[str, list[Record]] = {}
    for report in reports:
        for record in report.records:
            counts.setdefault(record.code, []).append(record)
    rows = sorted(counts.items(), key=lambda item: (-len(item[1]), item[0]))
    width = max((len(str(len(records))) for _, records in rows), default=1)
    for code, records in rows:
        marker = "[*]" if any(r.fixable() for r in records) else "   "
        out.write(f"{len(records):>{width}}  {code}  {marker} {records[0].name}  ({records[0].severity})\n")
