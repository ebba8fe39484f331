"""Inline suppression: dfkit's own pragmas, and hadolint's and BuildKit's, honoured.

Every pragma is a whole-line comment (a `#` after an instruction is an argument, not a
comment):

* ``# dfkit ignore=DF301,apt-get-unpinned``: the next instruction (all its lines);
* ``# dfkit global ignore=...``: the whole file; ``# dfkit stage ignore=...`` right before a
  FROM: that stage; ``# dfkit disable=...`` ... ``# dfkit enable=...``: a range of lines;
* ``# hadolint ignore=DL3008``, ``# hadolint global ignore=``, ``# hadolint stage ignore=``
  (a trailing ``# reason`` is allowed; ``# hadolint shell=...`` is accepted);
* BuildKit's ``# check=skip=JSONArgsRecommended,StageNameCasing;error=true`` as a parser
  directive (whole file) or as a comment just above an instruction.

Rules are named by code, name or any alias. A pragma that suppresses nothing, or names a
rule nobody knows, is reported (DF090, DF091).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from dfkit.lint.findings import Finding
from dfkit.source import Span
from dfkit.syntax import ast

_DFKIT = re.compile(r"dfkit\s+(?:(global|stage)\s+)?(ignore|disable|enable)\s*=\s*(.*)\Z", re.IGNORECASE)
_HADOLINT = re.compile(r"hadolint\s+(?:(global|stage)\s+)?ignore\s*=\s*(.*)\Z", re.IGNORECASE)
_HADOLINT_OTHER = re.compile(r"hadolint\s+shell\s*=", re.IGNORECASE)
_CHECK = re.compile(r"check\s*=\s*(.*)\Z", re.IGNORECASE)


@dataclass
class Pragma:
    tool: str  # dfkit | hadolint | buildkit
    scope: str  # next | global | stage | range
    codes: tuple[str, ...]  # as written
    span: Span  # the comment
    start: int = 0  # the region it covers (offsets)
    end: int = 0
    enable: bool = False  # `dfkit enable=` closes a disable range
    resolved: dict[str, frozenset[str]] = field(default_factory=dict)  # written code -> DF codes
    used: set[str] = field(default_factory=set)  # written codes that suppressed something
    error_mode: bool = False  # BuildKit check=...;error=true


def _split_codes(text: str) -> tuple[str, ...]:
    text = text.split("#", 1)[0]  # a trailing `# reason`
    text = text.split("//", 1)[0]
    return tuple(re.findall(r"[^,\s]+", text))


def _parse_check(value: str) -> tuple[tuple[str, ...], bool]:
    """BuildKit's check options: ``skip=A,B|all;error=bool;experimental=...``."""
    value = value.strip().split(" ", 1)[0]  # text after a space is ignored
    skip: tuple[str, ...] = ()
    error = False
    for part in value.split(";"):
        key, _, val = part.partition("=")
        key = key.strip().lower()
        if key == "skip":
            skip = tuple(v.strip() for v in val.split(",") if v.strip())
        elif key == "error":
            error = val.strip().lower() in ("true", "1")
    return skip, error


def collect(dockerfile: ast.Dockerfile) -> list[Pragma]:
    """Every pragma of the file, with the region of text each one covers."""
    pragmas: list[Pragma] = []
    instructions = [n for n in dockerfile.instructions]
    starts = [n.span.start for n in instructions]
    text_length = len(dockerfile.text)

    def next_instruction(offset: int) -> ast.Instruction | None:
        import bisect

        index = bisect.bisect_left(starts, offset)
        return instructions[index] if index < len(instructions) else None

    def stage_region(node: ast.Instruction) -> tuple[int, int]:
        start = node.span.start
        end = text_length
        for other in instructions:
            if isinstance(other, ast.From) and other.span.start > start:
                end = other.span.start
                break
        return start, end

    directive = dockerfile.directive("check")
    if directive is not None:
        skip, error = _parse_check(directive.value)
        pragmas.append(
            Pragma("buildkit", "global", skip, directive.span, 0, text_length, error_mode=error)
        )

    open_ranges: list[Pragma] = []
    for comment in dockerfile.comments:
        body = comment.text
        match = _DFKIT.match(body)
        tool = "dfkit"
        if match is None:
            hadolint = _HADOLINT.match(body)
            if hadolint is not None:
                tool = "hadolint"
                scope_word, action, codes_text = hadolint.group(1), "ignore", hadolint.group(2)
            else:
                check = _CHECK.match(body)
                if check is None:
                    continue
                node = next_instruction(comment.span.end)
                if node is None:
                    continue
                skip, _ = _parse_check(check.group(1))
                pragmas.append(Pragma("buildkit", "next", skip, comment.span, node.span.start, node.span.end))
                continue
        else:
            scope_word, action, codes_text = match.group(1), match.group(2).lower(), match.group(3)
        codes = _split_codes(codes_text)
        if action in ("disable", "enable"):
            pragma = Pragma(tool, "range", codes, comment.span, comment.span.end, text_length, enable=action == "enable")
            if action == "enable":
                for opened in open_ranges:
                    if set(opened.codes) & set(codes) or not codes:
                        opened.end = comment.span.start
                open_ranges = [p for p in open_ranges if p.end == text_length]
                pragmas.append(pragma)
            else:
                open_ranges.append(pragma)
                pragmas.append(pragma)
            continue
        scope = (scope_word or "next").lower()
        if scope == "global":
            pragmas.append(Pragma(tool, "global", codes, comment.span, 0, text_length))
            continue
        node = next_instruction(comment.span.end)
        if node is None:
            pragmas.append(Pragma(tool, scope, codes, comment.span, comment.span.end, comment.span.end))
            continue
        if scope == "stage":
            start, end = stage_region(node)
            pragmas.append(Pragma(tool, "stage", codes, comment.span, start, end))
        else:
            pragmas.append(Pragma(tool, "next", codes, comment.span, node.span.start, node.span.end))
    return pragmas


def has_hadolint_shell_pragma(dockerfile: ast.Dockerfile) -> bool:
    return any(_HADOLINT_OTHER.match(c.text) for c in dockerfile.comments)


def apply(
    findings: Sequence[Finding],
    pragmas: Sequence[Pragma],
    resolve: Callable[[str], frozenset[str] | None],
) -> list[Finding]:
    """The findings no pragma suppresses; marks each pragma code that was used."""
    for pragma in pragmas:
        for code in pragma.codes:
            if code.lower() == "all":
                pragma.resolved[code] = frozenset({"*"})
            else:
                codes = resolve(code)
                if codes is not None:
                    pragma.resolved[code] = codes
    kept = []
    for finding in findings:
        suppressed = False
        for pragma in pragmas:
            if pragma.enable or not pragma.codes:
                continue
            if not (pragma.start <= finding.span.start < max(pragma.end, pragma.start + 1)):
                continue
            for written, codes in pragma.resolved.items():
                if finding.code in codes or "*" in codes:
                    pragma.used.add(written)
                    suppressed = True
        if not suppressed:
            kept.append(finding)
    return kept


def unresolved(pragmas: Iterable[Pragma]) -> list[tuple[Pragma, str]]:
    """Codes in pragmas that name no rule (only dfkit's own pragmas are held to this:
    hadolint pragmas routinely name ShellCheck codes, BuildKit ones future rules)."""
    return [
        (pragma, code)
        for pragma in pragmas
        if pragma.tool == "dfkit" and not pragma.enable
        for code in pragma.codes
        if code not in pragma.resolved
    ]


def unused(pragmas: Iterable[Pragma], enabled: frozenset[str]) -> list[tuple[Pragma, str]]:
    """Codes in pragmas that suppressed nothing (for rules that ran)."""
    out = []
    for pragma in pragmas:
        if pragma.enable:
            continue
        for written, codes in pragma.resolved.items():
            if "*" in codes or written in pragma.used:
                continue
            if codes & enabled:
                out.append((pragma, written))
    return out
