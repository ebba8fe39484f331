"""What the variables rules share: spans inside words, label schemas, value formats.

A rule that judges a value must judge what the builder will see (`RuleContext.known_value`),
and must keep quiet when that depends on something the file does not say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from pydantic import Field

from dfkit.lint.config import LabelType
from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding
from dfkit.lint.rule import Rule, RuleOptions
from dfkit.semantics.model import PairsX
from dfkit.source import Span
from dfkit.syntax import ast

# -- spans inside words ------------------------------------------------------------------


def reference_span(ctx: RuleContext, span: Span, name: str) -> Span:
    """The first unescaped `$name` or `${name` in the source of `span`, else `span`."""
    text = ctx.text(span)
    escape = re.escape(ctx.dockerfile.escape)
    pattern = rf"(?<!{escape})(?:{escape}{escape})*\$(\{{?){re.escape(name)}(?![A-Za-z0-9_])"
    match = re.search(pattern, text)
    if match is None:
        return span
    start = span.start + match.end() - len(name) - len(match.group(1)) - 1
    end = match.end()
    if match.group(1):  # `${…}`: up to its closing brace
        depth = 1
        for index in range(end, len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                end = index + 1
                break
    return Span(start=start, end=span.start + end)


def arg_name_span(ctx: RuleContext, span: Span, name: str) -> Span:
    """The NAME of the `ARG NAME=default` word at `span` when written plainly, else `span`."""
    if ctx.text(span).startswith(name):
        return Span(start=span.start, end=span.start + len(name))
    return span


def references(text: str, name: str) -> bool:
    """Does shell text (a RUN, which the builder does not expand) mention `$name` or
    `${name…`? A conservative test: quotes and escapes are ignored."""
    return re.search(rf"\$\{{?{re.escape(name)}(?![A-Za-z0-9_])", text) is not None


# -- labels -----------------------------------------------------------------------------


class LabelSchemaOptions(RuleOptions):
    """The labels an image must carry and the type of each value (`label-schema`)."""

    label_schema: dict[str, LabelType] = Field(default_factory=dict)


def label_pairs(ctx: RuleContext, node: ast.Label) -> Iterator[tuple[ast.KeyValue, str, str | None]]:
    """Each pair with its key and value as a build sees them (pairs whose key a lint cannot
    know are skipped; a value it cannot know is None)."""
    for pair in node.pairs:
        key = ctx.known_value(node, pair.key.value)
        if key is not None:
            yield pair, key, ctx.known_value(node, pair.value.value)


def value_span(pair: ast.KeyValue) -> Span:
    """The value of a pair, or the whole pair when the value is empty (`LABEL a=`)."""
    return pair.value.span if pair.value.span.end > pair.value.span.start else pair.span


def shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def typed_label_findings(
    rule: Rule,
    ctx: RuleContext,
    node: ast.Label,
    label_type: LabelType,
    valid: Callable[[str], bool],
) -> Iterator[Finding]:
    """Findings for the schema labels of `label_type` whose non-empty value is not `valid`."""
    schema = ctx.options_for(rule).label_schema
    wanted = {label for label, kind in schema.items() if kind == label_type}
    if not wanted:
        return
    for pair, key, value in label_pairs(ctx, node):
        if key in wanted and value and not valid(value):
            yield rule.report(value_span(pair), label=key, value=shown(value))


def stage_labels(ctx: RuleContext, index: int) -> set[str]:
    """Label keys set in a stage or the stages it is built on (labels are inherited)."""
    stages = ctx.semantics.stages
    keys: set[str] = set()
    seen: set[int] = set()
    current: int | None = index
    while current is not None and current not in seen:
        seen.add(current)
        stage = stages[current]
        for step in stage.steps:
            if isinstance(step.node, ast.Label) and isinstance(step.expanded, PairsX):
                keys.update(key for key, _ in step.expanded.pairs)
        current = stage.base.stage if stage.base.kind == "stage" else None
    return keys


# -- value formats ------------------------------------------------------------------------

_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*"
_URI_CHAR = r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})"
_URI = re.compile(rf"{_SCHEME}:{_URI_CHAR}*")


def is_url(value: str) -> bool:
    """An absolute URI (RFC 3986): a scheme, then only URI characters and %-escapes."""
    return _URI.fullmatch(value) is not None


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))"
)


def is_rfc3339(value: str) -> bool:
    """An RFC 3339 date-time, ranges included (a leap second allowed; Feb 29 only in leap years)."""
    match = _RFC3339.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not (1 <= month <= 12 and 1 <= day <= days[month - 1] and hour <= 23 and minute <= 59 and second <= 60):
        return False
    if match.group(7) is not None and (int(match.group(7)) > 23 or int(match.group(8)) > 59):
        return False
    return True


_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)


def is_semver(value: str) -> bool:
    """Semantic Versioning 2.0.0, exactly (no leading `v`)."""
    return _SEMVER.fullmatch(value) is not None


_GIT_HASH = re.compile(r"[0-9a-f]{7,40}|[0-9a-f]{64}")


def is_git_hash(value: str) -> bool:
    """A git object name: 7 to 40 lower-case hex digits (SHA-1, abbreviated) or 64 (SHA-256)."""
    return _GIT_HASH.fullmatch(value) is not None


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_QUOTED = r'"(?:[^"\\\r\n]|\\.)*"'
_LOCAL = rf"(?:{_DOT_ATOM}|{_QUOTED})"
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*|\[[^\[\]\\\s]*\])"
_ADDR_SPEC = rf"{_LOCAL}@{_DOMAIN}"
_MAILBOX = re.compile(rf"{_ADDR_SPEC}|[^<>@\r\n]*<{_ADDR_SPEC}>")


def is_email(value: str) -> bool:
    """An RFC 5322 mailbox: `addr-spec`, or `Display Name <addr-spec>`."""
    return _MAILBOX.fullmatch(value.strip()) is not None


@cache
def spdx_ids() -> tuple[dict[str, bool], dict[str, bool]]:
    """(licenses, exceptions) of the SPDX License List beside this file: lower-case id -> deprecated."""
    licenses: dict[str, bool] = {}
    exceptions: dict[str, bool] = {}
    with (Path(__file__).parent / "spdx_ids.txt").open(encoding="utf-8") as data:
        for line in data:
            if not line.strip() or line.startswith("#"):
                continue
            words = line.split()
            table = exceptions if words[0] == "WITH" else licenses
            identifier = words[1] if words[0] == "WITH" else words[0]
            table[identifier.lower()] = words[-1] == "deprecated"
    return licenses, exceptions


_SPDX_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9.+:-]+)")
_SPDX_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+")


def spdx_problem(value: str) -> str | None:
    """Why `value` is not an SPDX license expression (SPDX spec, annex D), or None.

    Ids match without regard to case, as the specification asks, and must not be
    deprecated; operators are `AND`, `OR` and `WITH` in upper or lower case.
    """
    tokens: list[str] = []
    position = 0
    while position < len(value):
        match = _SPDX_TOKEN.match(value, position)
        if match is None:
            if value[position:].strip() == "":
                break
            return f"unexpected `{value[position:].strip()[0]}`"
        tokens.append(match.group(1))
        position = match.end()
    licenses, exceptions = spdx_ids()
    problem: list[str] = []

    def operator(token: str | None, *names: str) -> bool:
        return token is not None and token in {n for name in names for n in (name, name.lower())}

    def simple(index: int) -> int:
        if index >= len(tokens) or tokens[index] in ("(", ")") or operator(tokens[index], "AND", "OR", "WITH"):
            problem.append("a license is missing" if index >= len(tokens) else f"unexpected `{tokens[index]}`")
            return -1
        token = tokens[index]
        if not _SPDX_REF.fullmatch(token) and not known(licenses, token.removesuffix("+"), "license"):
            return -1
        index += 1
        if index < len(tokens) and operator(tokens[index], "WITH"):
            if index + 1 >= len(tokens):
                problem.append("an exception is missing")
                return -1
            if not known(exceptions, tokens[index + 1], "license exception"):
                return -1
            index += 2
        return index

    def known(table: dict[str, bool], token: str, what: str) -> bool:
        deprecated = table.get(token.lower())
        if deprecated is None:
            problem.append(f"unknown {what} `{token}`")
        elif deprecated:
            problem.append(f"`{token}` is a deprecated {what} id")
        return deprecated is False

    def expression(index: int) -> int:
        index = term(index)
        while index >= 0 and index < len(tokens) and operator(tokens[index], "AND", "OR"):
            index = term(index + 1)
        return index

    def term(index: int) -> int:
        if index < len(tokens) and tokens[index] == "(":
            index = expression(index + 1)
            if index < 0:
                return index
            if index >= len(tokens) or tokens[index] != ")":
                problem.append("a `)` is missing")
                return -1
            return index + 1
        return simple(index)

    end = expression(0)
    if end >= 0 and end < len(tokens):
        problem.append(f"unexpected `{tokens[end]}`")
    return problem[0] if problem else None
