"""Lark parse tree of one instruction line -> AST node with exact spans.

The grammar has already decided the shape (keyword, flags, JSON or shell form, pairs or
legacy form). What is left here is what a regular language cannot say: decoding JSON
strings, splitting ``k=v`` at the first ``=``, removing quotes from flag words, and
BuildKit's few hard errors of the low-level parser, raised as `LineError`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from lark import Token, Tree

from dfkit.source import Span
from dfkit.syntax import ast
from dfkit.syntax.scanner import LogicalLine
from dfkit.syntax.text import GO_SPACE, goquote, replace_escaped_bytes


class LineError(Exception):
    """A line BuildKit's low-level parser rejects; offsets are into the trimmed line."""

    def __init__(self, message: str, start: int, end: int, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.code = code


_BLANKS = "".join(sorted(GO_SPACE))
NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only"
_JSON_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"')


class LineBuilder:
    """Builds the AST node of one logical line."""

    def __init__(
        self, line: LogicalLine, base: int, text: str, escape: str, comments: tuple[str, ...], span: Span
    ) -> None:
        self.line = line
        self.instruction_span = span  # the whole instruction, every physical line it used
        self.base = base  # offset of `text` inside line.text (leading blanks trimmed)
        self.text = text
        self.escape = escape
        self.comments = comments

    # -- spans -----------------------------------------------------------------

    def span(self, start: int, end: int) -> Span:
        line = self.line
        first = line.source_offset(self.base + start)
        if end <= start:
            return Span(start=first, end=first)
        return Span(start=first, end=line.source_end(self.base + end))

    def word(self, value: str, start: int, end: int) -> ast.Word:
        return ast.Word(value=value, span=self.span(start, end))

    def token_word(self, token: Token, value: str | None = None) -> ast.Word:
        """A word from a token, without the blanks the token carries after it."""
        raw = token_core(token)
        start = token.start_pos
        return self.word(raw if value is None else value, start, start + len(raw))

    # -- entry -----------------------------------------------------------------

    def build(self, tree: Tree, *, nested: bool = False) -> Any:
        instruction = tree.children[0]
        assert isinstance(instruction, Tree)
        return self._instruction(instruction, nested=nested)

    def _instruction(self, tree: Tree, *, nested: bool) -> Any:
        children = tree.children
        keyword_token = children[0]
        assert isinstance(keyword_token, Token)
        keyword_text = token_core(keyword_token)
        keyword_start = keyword_token.start_pos
        keyword = ast.Keyword(text=keyword_text, span=self.span(keyword_start, keyword_start + len(keyword_text)))
        flags: list[ast.Flag] = []
        args: list[Any] = []
        for child in children[1:]:
            if child is None:
                continue
            if isinstance(child, Token) and child.type == "E_FLAG":
                flags.append(self._flag(child))
            else:
                args.append(child)
        span = self.instruction_span if not nested else self.span(keyword_start, len(self.text))
        common: dict[str, Any] = {"span": span, "keyword": keyword, "flags": tuple(flags)}
        if not nested:
            common["comments"] = self.comments
        build = _BUILDERS[str(tree.data)]
        return build(self, common, args)

    # -- flags -----------------------------------------------------------------

    def _flag(self, token: Token) -> ast.Flag:
        raw = token.value
        start = token.start_pos
        return ast.Flag(text=unquote_flag(raw, self.escape), span=self.span(start, start + len(raw)))

    # -- argument shapes ---------------------------------------------------------

    def json_words(self, token: Token) -> tuple[ast.Word, ...]:
        values = json.loads(token.value.lstrip(_BLANKS))
        words = []
        for value, match in zip(values, _JSON_STRING.finditer(token.value)):
            start = token.start_pos + match.start()
            words.append(self.word(replace_escaped_bytes(value), start, start + len(match.group())))
        return tuple(words)

    def check_not_json(self, start: int) -> None:
        """BuildKit's hard error: the rest is valid JSON, but not an array of strings."""
        rest = self.text[start:]
        if rest.startswith("[") and go_json_kind(rest) == "other":
            raise LineError(NOT_STRING_ARRAY, start, len(self.text), "json-not-string-array")

    def words(self, tree: Tree | None) -> tuple[ast.Word, ...]:
        if tree is None:
            return ()
        return tuple(self.token_word(t) for t in tree.children if isinstance(t, Token))

    def command(self, args: Sequence[Any]) -> tuple[str, tuple[ast.Word, ...]]:
        """JSON array or shell text (RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK CMD)."""
        if not args:
            return "shell", ()
        token = args[0]
        if token.type == "JSON_ARRAY":
            return "exec", self.json_words(token)
        self.check_not_json(token.start_pos)
        return "shell", (self.token_word(token),)

    def list_or_json(self, args: Sequence[Any]) -> tuple[str, tuple[ast.Word, ...]]:
        """JSON array or blank-separated words (ADD, COPY, VOLUME)."""
        if not args:
            return "shell", ()
        first = args[0]
        if isinstance(first, Token) and first.type == "JSON_ARRAY":
            return "exec", self.json_words(first)
        assert isinstance(first, Tree)
        first_token = first.children[0]
        assert isinstance(first_token, Token)
        self.check_not_json(first_token.start_pos)
        return "shell", self.words(first)

    def pairs(self, keyword: ast.Keyword, args: Sequence[Any], command: str) -> tuple[ast.KeyValue, ...]:
        if not args:
            return ()
        tree = args[0]
        assert isinstance(tree, Tree)
        if tree.data == "legacy_pair":
            key_token, value_token = tree.children[0], tree.children[1]
            if value_token is None:
                raise LineError(f"{command} must have two arguments", key_token.start_pos, len(self.text), "missing-value")
            key = self.token_word(key_token)
            value = self.token_word(value_token)
            return (ast.KeyValue(key=key, value=value, legacy=True, span=key.span.cover(value.span)),)
        pairs = []
        for token in tree.children:
            if token is None:
                continue
            raw = token.value
            value = parse_words_value(raw, self.escape)
            if not value:
                continue  # only a final escape character: BuildKit drops it
            if token.type != "E_KV_WORD":
                raise LineError(
                    f"Syntax error - can't find = in {goquote(value)}. Must be of the form: name=value",
                    token.start_pos,
                    token.start_pos + len(raw),
                    "missing-equals",
                )
            start = token.start_pos
            eq = raw.index("=")
            key = self.word(value[:eq], start, start + eq)
            val = self.word(value[eq + 1 :], start + eq + 1, start + len(raw))
            pairs.append(ast.KeyValue(key=key, value=val, span=self.span(start, start + len(raw))))
        return tuple(pairs)


# -- per-instruction builders ------------------------------------------------------

Builder = Callable[[LineBuilder, dict[str, Any], list[Any]], Any]


def _from(b: LineBuilder, common: dict[str, Any], args: list[Any]) -> Any:
    return ast.From(args=b.words(args[0] if args else None), **common)


def _expose(b: LineBuilder, common: dict[str, Any], args: list[Any]) -> Any:
    return ast.Expose(args=b.words(args[0] if args else None), **common)


def _command_builder(cls: type) -> Builder:
    def build(b: LineBuilder, common: dict[str, Any], args: list[Any]) -> Any:
        form, words = b.command(args)
        return cls(form=form, args=words, **common)

    return build


def _list_builder(cls: type) -> Builder:
    def build(b: LineBuilder, common: dict[str, Any], args: list[Any]) -> Any:
        form, words = b.list_or_json(args)
        return cls(form=form, args=words, **common)

    return build


def _pairs_builder(cls: type, command: str) -> Builder:
    def build(b: LineBuilder, common: dict[str, Any], args: list[Any]) -> Any:
        return cls(pairs=b.pairs(common["keyword"], args, command), **common)

    return build


def _arg(b: LineBuilder, common: dict[str, Any], args: list[Any]) -> Any:
    words: tuple[ast.Word, ...] = ()
    if args:
        values = ((t, parse_words_value(t.value, b.escape)) for t in args[0].children if t is not None)
        # A word that was only a final escape character is no word at all.
        words = tuple(b.token_word(t, value) for t, value in values if value)
    return ast.Arg(args=words, **common)


def _healthcheck(b: LineBuilder, common: dict[str, Any], args: list[Any]) -> Any:
    if not args:
        return ast.Healthcheck(**common)
    tree = args[0]
    type_token = tree.children[0]
    rest = [c for c in tree.children[1:] if c is not None]
    form, words = b.command(rest)
    return ast.Healthcheck(type=b.token_word(type_token), form=form, args=words, **common)


def _single_builder(cls: type) -> Builder:
    def build(b: LineBuilder, common: dict[str, Any], args: list[Any]) -> Any:
        return cls(value=b.token_word(args[0]) if args else None, **common)

    return build


def _onbuild(b: LineBuilder, common: dict[str, Any], args: list[Any]) -> Any:
    trigger = b._instruction(args[0], nested=True) if args else None
    return ast.OnBuild(trigger=trigger, **common)


def _unknown(b: LineBuilder, common: dict[str, Any], args: list[Any]) -> Any:
    return ast.Unknown(rest=b.token_word(args[0]) if args else None, **common)


_BUILDERS: dict[str, Builder] = {
    "from": _from,
    "expose": _expose,
    "run": _command_builder(ast.Run),
    "cmd": _command_builder(ast.Cmd),
    "entrypoint": _command_builder(ast.Entrypoint),
    "shell": _command_builder(ast.Shell),
    "copy": _list_builder(ast.Copy),
    "add": _list_builder(ast.Add),
    "volume": _list_builder(ast.Volume),
    "env": _pairs_builder(ast.Env, "ENV"),
    "label": _pairs_builder(ast.Label, "LABEL"),
    "arg": _arg,
    "healthcheck": _healthcheck,
    "maintainer": _single_builder(ast.Maintainer),
    "user": _single_builder(ast.User),
    "workdir": _single_builder(ast.Workdir),
    "stopsignal": _single_builder(ast.Stopsignal),
    "onbuild": _onbuild,
    "unknown": _unknown,
}


# -- word helpers ------------------------------------------------------------------

_ASCII_BLANK_RE = re.compile(r"[\t\v\f\r ]")
_BYTE_BLANK_RE = re.compile(r"[\t\n\v\f\r ]")


def token_core(token: Token) -> str:
    """A token's text without the blanks the grammar let it carry after it."""
    value = token.value
    kind = token.type
    if kind == "WORD" or kind.startswith("KW_"):
        match = _ASCII_BLANK_RE.search(value)
    elif kind == "HEALTH_TYPE":
        match = _BYTE_BLANK_RE.search(value)
    else:
        return value
    return value[: match.start()] if match else value



def unquote_flag(raw: str, escape: str) -> str:
    """BuildKit's flag word: quotes removed, escapes resolved, a final escape dropped."""
    if "'" not in raw and '"' not in raw and escape not in raw:
        return raw
    out: list[str] = []
    quote = ""
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape:
                if i + 1 < n:
                    out.append(raw[i + 1])
                    i += 1
                else:
                    quote = ""
            else:
                out.append(ch)
        elif ch == "'" or ch == '"':
            quote = ch
        elif ch == escape:
            if i + 1 < n:
                out.append(raw[i + 1])
                i += 1
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def parse_words_value(raw: str, escape: str) -> str:
    """A `parseWords` word as BuildKit keeps it: raw, minus a lone final escape.

    Bytes that are not UTF-8 become U+FFFD, as Go's rune decoding makes them.
    """
    value = raw
    if raw.endswith(escape):
        quote = ""
        i, n = 0, len(raw)
        dropped = False
        while i < n:
            ch = raw[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == escape and quote == '"':
                    if i + 1 == n:
                        dropped = True
                        break
                    i += 1
            elif ch == "'" or ch == '"':
                quote = ch
            elif ch == escape:
                if i + 1 == n:
                    dropped = True
                    break
                i += 1
            i += 1
        if dropped:
            value = raw[:-1]
    return replace_escaped_bytes(value)


# -- Go's encoding/json, as far as BuildKit's choice depends on it -------------------

_GO_MAX_DEPTH = 10000


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


def _go_number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")  # Go's Unmarshal fails on it
    return value


def go_json_kind(text: str) -> str:
    """``"strings"``, ``"other"`` (valid JSON, not an array of strings) or ``"invalid"``."""
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_go_number, parse_int=_go_number)
    except RecursionError:
        return _deep_json_kind(text)
    except ValueError:
        return "invalid"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "strings"
    return "other"


_JSON_TOKEN = re.compile(
    r'[ \t\n\r]*(?:(?P<str>"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*")'
    r"|(?P<num>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<lit>true|false|null)|(?P<punct>[\[\]{}:,]))"
)


def _deep_json_kind(text: str) -> str:
    """An iterative validator for JSON nested deeper than Python's decoder can recurse."""
    stack: list[str] = []
    want = "value"  # value | value_or_close | key | key_or_close | colon | sep | end
    top_is_string_array = True
    pos = 0
    while True:
        match = _JSON_TOKEN.match(text, pos)
        if match is None:
            break
        pos = match.end()
        kind = match.lastgroup or ""
        token = match.group(kind)
        if want == "end":
            return "invalid"
        if kind == "punct" and token in "[{":
            if want not in ("value", "value_or_close"):
                return "invalid"
            if not stack:
                top_is_string_array = token == "["
            elif len(stack) == 1:
                top_is_string_array = False
            stack.append(token)
            if len(stack) > _GO_MAX_DEPTH:
                return "invalid"
            want = "value_or_close" if token == "[" else "key_or_close"
        elif kind == "punct" and token in "]}":
            opener, empty_ok = ("[", "value_or_close") if token == "]" else ("{", "key_or_close")
            if not stack or stack[-1] != opener or want not in ("sep", empty_ok):
                return "invalid"
            stack.pop()
            want = "sep" if stack else "end"
        elif kind == "punct" and token == ",":
            if want != "sep":
                return "invalid"
            want = "value" if stack[-1] == "[" else "key"
        elif kind == "punct":  # ':'
            if want != "colon":
                return "invalid"
            want = "value"
        elif want in ("key", "key_or_close"):
            if kind != "str":
                return "invalid"
            want = "colon"
        elif want in ("value", "value_or_close"):
            if kind == "num" and math.isinf(float(token)):
                return "invalid"
            if len(stack) == 1 and kind != "str":
                top_is_string_array = False
            want = "sep" if stack else "end"
        else:
            return "invalid"
    if want != "end" or text[pos:].strip(" \t\n\r"):
        return "invalid"
    return "strings" if top_is_string_array else "other"
