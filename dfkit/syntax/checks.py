"""BuildKit's second stage: the checks its instruction parser makes before a build.

The low-level parser (what `dfkit.syntax.parse` mirrors) accepts any keyword, any flag
and any number of arguments. BuildKit's instruction parser (`frontend/dockerfile/
instructions`) then rejects unknown instructions, wrong argument counts, flags an
instruction does not take, bad flag values, forbidden ONBUILD triggers and instructions
before the first FROM. dfkit computes all of them at once, each with an exact span, as
``stage="instruction"`` issues; the linter reports them.

Where BuildKit would stop at the first error of an instruction, dfkit reports each
independent problem. ONBUILD triggers are checked too: BuildKit only parses them when
a child image is built, which is too late to find out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from dfkit.source import Span
from dfkit.syntax import ast
from dfkit.syntax.mounts import MountError, parse_mount
from dfkit.syntax.text import go_lower, go_trim_space, goquote
from dfkit.syntax.values import GoValueError, format_go_duration, parse_go_duration, parse_go_int

INSTRUCTIONS = (
    "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck", "label",
    "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir",
)
_STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*\Z")
_HEREDOC_MARKER = re.compile(r"([0-9]*)<<(-?)[\t\n\f\r ]*([^<]+)\Z")
_MIN_INTERVAL_NS = 1_000_000  # container.MinimumDuration


@dataclass(frozen=True)
class FlagSpec:
    kind: str  # "bool" | "string" | "strings" (repeatable)


_S, _B, _M = FlagSpec("string"), FlagSpec("bool"), FlagSpec("strings")
# The flags each instruction declares. None: the instruction never validates its flags.
FLAGS: dict[str, dict[str, FlagSpec] | None] = {
    "from": {"platform": _S},
    "run": {"mount": _M, "network": _S, "security": _S, "device": _M},
    "add": {"chown": _S, "chmod": _S, "link": _B, "keep-git-dir": _B, "checksum": _S, "unpack": _B, "exclude": _M},
    "copy": {"from": _S, "chown": _S, "chmod": _S, "link": _B, "parents": _B, "exclude": _M},
    "healthcheck": {"interval": _S, "timeout": _S, "start-period": _S, "start-interval": _S, "retries": _S},
    "env": {}, "label": {}, "maintainer": {}, "onbuild": {}, "workdir": {}, "cmd": {}, "entrypoint": {},
    "expose": {}, "user": {}, "volume": {}, "shell": {},
    "arg": None, "stopsignal": None,
}
NETWORK_MODES = ("default", "none", "host")
SECURITY_MODES = ("sandbox", "insecure")


def suggestion(value: str, options: Sequence[str], *, case_sensitive: bool) -> str | None:
    """BuildKit's `suggest.WrapError`: the closest option within edit distance 2."""
    orig = value
    if not case_sensitive:
        value = value.lower()
    match: str | None = None
    best = 3
    for option in options:
        candidate = option if case_sensitive else option.lower()
        if candidate == value:
            return None
        distance = _levenshtein(value, candidate)
        if distance < best:
            best = distance
            match = candidate if case_sensitive else _match_case(candidate, orig)
    return match


def _match_case(value: str, orig: str) -> str:
    if orig == orig.lower():
        return value.lower()
    if orig == orig.upper():
        return value.upper()
    return value


def _levenshtein(a: str, b: str) -> int:
    if a == b:
        return 0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _issue(code: str, message: str, span: Span) -> ast.Issue:
    return ast.Issue(stage="instruction", code=code, message=message, span=span)


def _args_span(node: ast.Instruction, words: Sequence[ast.Word | ast.KeyValue]) -> Span:
    if words:
        return words[0].span.cover(words[-1].span)
    return node.keyword.span


def instruction_issues(instructions: Sequence[ast.Instruction]) -> list[ast.Issue]:
    issues: list[ast.Issue] = []
    seen_from = False
    for node in instructions:
        if isinstance(node, ast.Unparsable):
            continue
        if node.kind == "from":
            seen_from = True
        elif not seen_from and node.kind != "arg":
            issues.append(_issue("instruction-before-from", "no build stage in current context", node.keyword.span))
        issues.extend(check_instruction(node))
    parsed = [node for node in instructions if not isinstance(node, ast.Unparsable)]
    if parsed and all(node.kind == "arg" for node in parsed):
        issues.append(_issue("no-stages", "dockerfile contains no stages to build", parsed[-1].keyword.span))
    return issues


def check_instruction(node: ast.Instruction) -> Iterator[ast.Issue]:
    """Every second-stage problem of one instruction (ONBUILD triggers included)."""
    kind = node.kind
    if kind == "unknown":
        yield _unknown_instruction(node)
        return
    if kind == "unparsable":
        return
    check = _CHECKS[kind]
    yield from check(node)
    if kind != "healthcheck":  # HEALTHCHECK validates its flags only for CMD
        yield from check_flags(node, FLAGS[kind])


def _unknown_instruction(node: ast.Instruction) -> ast.Issue:
    written = node.keyword.text
    message = f"unknown instruction: {written}"
    match = suggestion(written, INSTRUCTIONS, case_sensitive=False)
    if match:
        message += f" (did you mean {match}?)"
    return _issue("unknown-instruction", message, node.keyword.span)


def check_flags(node: ast.Instruction, spec: dict[str, FlagSpec] | None) -> Iterator[ast.Issue]:
    if spec is None:
        return
    used: set[str] = set()
    for flag in node.flags:
        name, value = flag.name, flag.value
        declared = spec.get(name)
        if declared is None:
            message = f"unknown flag: --{name}"
            match = suggestion(name, tuple(spec), case_sensitive=True)
            if match:
                message += f" (did you mean --{match}?)"
            yield _issue("unknown-flag", message, flag.span)
            continue
        if name in used and declared.kind != "strings":
            yield _issue("duplicate-flag", f"duplicate flag specified: --{name}", flag.span)
            continue
        used.add(name)
        if declared.kind == "bool":
            if value == "":
                yield _issue("flag-missing-value", f"missing a value on flag: --{name}", flag.span)
            elif value is not None and value.lower() not in ("true", "false"):
                yield _issue("flag-not-boolean", f"expecting boolean value for flag --{name}, not: {value}", flag.span)
        elif value is None:
            yield _issue("flag-missing-value", f"missing a value on flag: --{name}", flag.span)


# -- per instruction -------------------------------------------------------------------


def _check_from(node: ast.From) -> Iterator[ast.Issue]:
    args = node.args
    if len(args) == 3 and args[1].value.lower() == "as":
        name = go_lower(args[2].value)
        if not _STAGE_NAME.match(name):
            yield _issue(
                "invalid-stage-name",
                f"invalid name for build stage: {goquote(args[2].value)}, name can't start with a number or contain symbols",
                args[2].span,
            )
    elif len(args) != 1:
        yield _issue("wrong-argument-count", "FROM requires either one or three arguments", _args_span(node, args))


def _check_pairs(node: ast.Env | ast.Label) -> Iterator[ast.Issue]:
    command = node.kind.upper()
    if not node.pairs:
        yield _issue("missing-arguments", f"{command} requires at least one argument", node.keyword.span)
    for pair in node.pairs:
        if pair.key.value == "":
            yield _issue("blank-name", f"{command} names can not be blank", pair.span)


def _check_single(node: ast.Maintainer | ast.User | ast.Workdir | ast.Stopsignal) -> Iterator[ast.Issue]:
    if node.value is None:
        yield _issue("missing-arguments", f"{node.kind.upper()} requires exactly one argument", node.keyword.span)


def _check_copy(node: ast.Copy | ast.Add) -> Iterator[ast.Issue]:
    command = node.kind.upper()
    if len(node.args) < 2:
        yield _issue(
            "missing-arguments",
            f"{command} requires at least two arguments, but only one was provided. Destination could not be determined",
            _args_span(node, node.args),
        )
        return
    dest = node.args[-1]
    if node.form == "shell" and _is_heredoc_marker(dest.value):
        yield _issue("heredoc-destination", f"{command} cannot accept a heredoc as a destination", dest.span)
    if isinstance(node, ast.Copy):
        source = node.flag("from")
        if source is not None and source.value and "$" in source.value:
            yield _issue(
                "variable-in-copy-from",
                "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
                source.span,
            )


def _is_heredoc_marker(value: str) -> bool:
    match = _HEREDOC_MARKER.match(value)
    if match is None:
        return False
    from dfkit.syntax.words import LexError, ShellLexer

    try:
        return len(ShellLexer("\\", skip_unset=True).process_words(match.group(3), {})) == 1
    except LexError:
        return False


def _check_onbuild(node: ast.OnBuild) -> Iterator[ast.Issue]:
    trigger = node.trigger
    if trigger is None:
        yield _issue("missing-arguments", "ONBUILD requires at least one argument", node.keyword.span)
        return
    name = trigger.keyword.text.upper()
    if name == "ONBUILD":
        yield _issue("forbidden-onbuild-trigger", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", trigger.keyword.span)
    elif name in ("FROM", "MAINTAINER"):
        yield _issue("forbidden-onbuild-trigger", f"{name} isn't allowed as an ONBUILD trigger", trigger.keyword.span)
    else:
        yield from check_instruction(trigger)


def _check_run(node: ast.Run) -> Iterator[ast.Issue]:
    for flag in node.flags:
        value = flag.value
        if value is None:
            continue
        if flag.name == "network" and "$" not in value and value not in NETWORK_MODES:
            yield _issue("invalid-flag-value", f'invalid network mode "{value}"', flag.span)
        elif flag.name == "security" and "$" not in value and value not in SECURITY_MODES:
            yield _issue("invalid-flag-value", f'security "{value}" is not valid', flag.span)
        elif flag.name == "mount":
            try:
                parse_mount(value)
            except MountError as error:
                yield _issue("invalid-flag-value", str(error), flag.span)


def _check_healthcheck(node: ast.Healthcheck) -> Iterator[ast.Issue]:
    if node.type is None:
        yield _issue("missing-arguments", "HEALTHCHECK requires at least one argument", node.keyword.span)
        return
    kind = node.type.value.upper()
    if kind == "NONE":
        if node.args:
            yield _issue("invalid-healthcheck", "HEALTHCHECK NONE takes no arguments", _args_span(node, node.args))
        return  # flags on HEALTHCHECK NONE are never looked at
    yield from check_flags(node, FLAGS["healthcheck"])
    if kind != "CMD":
        yield _issue("invalid-healthcheck", f'Unknown type "{kind}" in HEALTHCHECK (try CMD)', node.type.span)
    elif not node.args:
        yield _issue("invalid-healthcheck", "Missing command after HEALTHCHECK CMD", node.type.span)
    for flag in node.flags:
        value = flag.value
        if not value or "$" in value:
            continue
        if flag.name in ("interval", "timeout", "start-period", "start-interval"):
            try:
                duration = parse_go_duration(value)
            except GoValueError as error:
                yield _issue("invalid-flag-value", str(error), flag.span)
                continue
            if duration != 0 and duration < _MIN_INTERVAL_NS:
                yield _issue(
                    "invalid-flag-value",
                    f'Interval "{flag.name}" cannot be less than {format_go_duration(_MIN_INTERVAL_NS)}',
                    flag.span,
                )
        elif flag.name == "retries":
            try:
                retries = parse_go_int(value, 32)
            except GoValueError as error:
                yield _issue("invalid-flag-value", str(error), flag.span)
                continue
            if retries < 0:
                yield _issue("invalid-flag-value", f"--retries cannot be negative ({retries})", flag.span)


def _check_expose(node: ast.Expose) -> Iterator[ast.Issue]:
    if not node.args:
        yield _issue("missing-arguments", "EXPOSE requires at least one argument", node.keyword.span)


def _check_volume(node: ast.Volume) -> Iterator[ast.Issue]:
    if not node.args:
        yield _issue("missing-arguments", "VOLUME requires at least one argument", node.keyword.span)
    for word in node.args:
        if go_trim_space(word.value) == "":
            yield _issue("empty-volume", "VOLUME specified can not be an empty string", word.span)


def _check_arg(node: ast.Arg) -> Iterator[ast.Issue]:
    if not node.args:
        yield _issue("missing-arguments", "ARG requires at least one argument", node.keyword.span)
    for decl in node.declarations:
        if decl.name == "" and decl.default is not None:
            yield _issue("blank-name", "ARG names can not be blank", decl.word.span)


def _check_shell(node: ast.Shell) -> Iterator[ast.Issue]:
    if not node.args:
        yield _issue("missing-arguments", "SHELL requires at least one argument", node.keyword.span)
    elif node.form != "exec":
        yield _issue("shell-not-json", "SHELL requires the arguments to be in JSON form", node.args[0].span)


def _nothing(node: ast.Instruction) -> Iterator[ast.Issue]:
    return iter(())


_CHECKS = {
    "from": _check_from,
    "env": _check_pairs,
    "label": _check_pairs,
    "maintainer": _check_single,
    "user": _check_single,
    "workdir": _check_single,
    "stopsignal": _check_single,
    "copy": _check_copy,
    "add": _check_copy,
    "onbuild": _check_onbuild,
    "run": _check_run,
    "healthcheck": _check_healthcheck,
    "expose": _check_expose,
    "volume": _check_volume,
    "arg": _check_arg,
    "shell": _check_shell,
    "cmd": _nothing,
    "entrypoint": _nothing,
}
