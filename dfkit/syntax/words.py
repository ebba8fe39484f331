"""BuildKit's shell-word lexer: quotes, escapes and ``$VAR`` expansion.

This is the "shell lexer" of BuildKit (`frontend/dockerfile/shell`), written anew from
its documented behaviour (`dockerfile-syntax.md` §8) and checked row by row against
BuildKit's own `envVarTest` and `wordsTest` tables. It serves three callers:

* the scanner, to find heredoc markers on an instruction line (raw quotes, raw
  escapes, unset variables left as written, errors swallowed);
* the semantics layer, to expand words exactly as the builder does;
* the linter, through the names each expansion matched and did not match.

It is not a shell: there is no command substitution, no globbing and no arithmetic,
because BuildKit has none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from dfkit.syntax.text import GO_SPACE, goquote

_EOF_RUNE = "\ufffd"  # what Go's string(rune(scanner.EOF)) prints
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_HEREDOC_SPACE = frozenset(" \t\r")


class LexError(Exception):
    """BuildKit refused to process a word.

    `message` is BuildKit's text (``failed to process "<word>": <reason>``); `reason`
    is the inner part; `offset` is where in the word the lexer stopped.
    """

    def __init__(self, reason: str, word: str, offset: int) -> None:
        self.reason = reason
        self.word = word
        self.offset = offset
        self.message = f"failed to process {goquote(word)}: {reason}"
        super().__init__(self.message)


class _Fail(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


@dataclass
class LexResult:
    word: str
    words: list[str]
    matched: set[str] = field(default_factory=set)
    unmatched: set[str] = field(default_factory=set)
    defaulted: set[str] = field(default_factory=set)  # looked up only where `${NAME-word}` fell back to `word`
    starts: list[int] = field(default_factory=list)  # input offset where each word starts


class _Words:
    """Accumulates the word list of a "process words" run (`wordsStruct`)."""

    __slots__ = ("buf", "words", "in_word", "heredoc", "mark", "starts")

    def __init__(self, heredoc: bool) -> None:
        self.buf: list[str] = []
        self.words: list[str] = []
        self.in_word = False
        self.heredoc = heredoc
        self.mark = 0  # where in the input the element being added starts
        self.starts: list[int] = []  # where each word of `words` starts

    def add_char(self, ch: str) -> None:
        if ch in GO_SPACE:
            if self.heredoc and ch in _HEREDOC_SPACE and self._after_heredoc_operator():
                # Current BuildKit lets `<< EOF` name a heredoc: the blanks after a `<<`
                # stay inside the marker word.
                self.add_raw(ch)
            elif self.in_word and self.buf:
                self.words.append("".join(self.buf))
                self.buf.clear()
                self.in_word = False
        else:
            self.add_raw(ch)

    def _after_heredoc_operator(self) -> bool:
        return "".join(self.buf).rstrip(" \t\r").endswith("<<")

    def add_raw(self, ch: str) -> None:
        if not self.buf:
            self.starts.append(self.mark)
        self.buf.append(ch)
        self.in_word = True

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def add_raw_string(self, text: str) -> None:
        if text:
            if not self.buf:
                self.starts.append(self.mark)
            self.buf.append(text)
        self.in_word = True

    def get(self) -> list[str]:
        if self.buf:
            word = "".join(self.buf)
            if word:
                self.words.append(word)
            self.buf.clear()
            self.in_word = False
        return self.words


class ShellLexer:
    """One configured lexer (`shell.Lex`); cheap to create, not thread-safe while running.

    :param escape: the file's escape character, ``\\`` or `````.
    :param raw_quotes: keep quote characters in the output.
    :param raw_escapes: keep escape characters in the output.
    :param skip_unset: leave references to unset variables as written.
    :param skip_quotes: treat quotes as ordinary characters (COPY heredoc bodies).
    :param heredoc_words: keep blanks after ``<<`` in the same word (heredoc detection).
    :param case_insensitive: look variables up ignoring case (Windows targets).
    """

    def __init__(
        self,
        escape: str = "\\",
        *,
        raw_quotes: bool = False,
        raw_escapes: bool = False,
        skip_unset: bool = False,
        skip_quotes: bool = False,
        heredoc_words: bool = False,
        case_insensitive: bool = False,
    ) -> None:
        self.escape = escape
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.skip_unset = skip_unset
        self.skip_quotes = skip_quotes
        self.heredoc_words = heredoc_words
        self.case_insensitive = case_insensitive
        self._text = ""
        self._pos = 0
        self._env: Mapping[str, str] = {}
        self._raw = raw_escapes
        self._matched: set[str] = set()
        self._unmatched: set[str] = set()
        self._read: set[str] = set()  # names whose value (not just their absence) shaped the result
        self._defaulted: set[str] = set()

    # -- public API -------------------------------------------------------------

    def process_word(self, word: str, env: Mapping[str, str]) -> str:
        return self.process(word, env).word

    def process_words(self, word: str, env: Mapping[str, str]) -> list[str]:
        return self.process(word, env).words

    def process(self, word: str, env: Mapping[str, str]) -> LexResult:
        self._text = word
        # Go's text/scanner skips a byte-order mark at the very start of its input.
        self._pos = 1 if word.startswith("\ufeff") else 0
        self._env = env
        self._raw = self.raw_escapes
        self._matched = set()
        self._unmatched = set()
        self._read = set()
        self._defaulted = set()
        try:
            result, words, starts = self._top()
        except _Fail as fail:
            raise LexError(fail.reason, word, self._pos) from None
        return LexResult(result, words, self._matched, self._unmatched, self._defaulted - self._read, starts)

    def _top(self) -> tuple[str, list[str], list[int]]:
        top = _Words(self.heredoc_words)
        result, words = self._stop_on(None, self.raw_escapes, top)
        return result, words, top.starts

    # -- scanner ----------------------------------------------------------------

    def _peek(self) -> str | None:
        if self._pos < len(self._text):
            ch = self._text[self._pos]
            # Go decodes a byte that is not UTF-8 as U+FFFD.
            return "\ufffd" if "\udc80" <= ch <= "\udcff" else ch
        return None

    def _next(self) -> str | None:
        ch = self._peek()
        if ch is not None:
            self._pos += 1
        return ch

    # -- lexer ------------------------------------------------------------------

    def _stop_on(
        self, stop: str | None, raw_escapes: bool, words: _Words | None = None
    ) -> tuple[str, list[str]]:
        result: list[str] = []
        if words is None:
            words = _Words(self.heredoc_words)
        saved_raw = self._raw
        self._raw = raw_escapes
        try:
            while True:
                ch = self._peek()
                if ch is None:
                    break
                words.mark = self._pos
                if stop is not None and ch == stop:
                    self._next()
                    return "".join(result), words.get()
                if ch == "$":
                    tmp = self._dollar()
                    result.append(tmp)
                    words.add_string(tmp)
                elif (ch == "'" or ch == '"') and not self.skip_quotes:
                    tmp = self._single_quote() if ch == "'" else self._double_quote()
                    result.append(tmp)
                    words.add_raw_string(tmp)
                else:
                    self._next()
                    if ch == self.escape:
                        if self._raw:
                            words.add_raw(ch)
                            result.append(ch)
                        escaped = self._next()
                        if escaped is None:
                            break
                        words.add_raw(escaped)
                        result.append(escaped)
                    else:
                        words.add_char(ch)
                        result.append(ch)
            if stop is not None:
                raise _Fail(f"unexpected end of statement while looking for matching {stop}")
            return "".join(result), words.get()
        finally:
            self._raw = saved_raw

    def _single_quote(self) -> str:
        out: list[str] = []
        ch = self._next()
        if self.raw_quotes:
            out.append(ch or "")
        while True:
            ch = self._next()
            if ch is None:
                raise _Fail("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def _double_quote(self) -> str:
        out: list[str] = []
        ch = self._next()
        if self.raw_quotes:
            out.append(ch or "")
        while True:
            ch = self._peek()
            if ch is None:
                raise _Fail("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self._next()
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self._dollar())
                continue
            self._next()
            if ch == self.escape:
                if self._raw:
                    out.append(ch)
                nxt = self._peek()
                if nxt is None:
                    continue  # a lone escape at the end of the word is dropped
                if nxt == '"' or nxt == "$" or nxt == self.escape:
                    ch = self._next()
            out.append(ch)  # type: ignore[arg-type]

    def _name(self) -> str:
        name: list[str] = []
        while True:
            ch = self._peek()
            if ch is None:
                break
            if not name and ch.isdecimal():
                while True:
                    ch = self._peek()
                    if ch is None or not ch.isdecimal():
                        break
                    name.append(ch)
                    self._next()
                return "".join(name)
            if not name and ch in _SPECIAL_PARAMS:
                self._next()
                return ch
            if not (ch.isalpha() or ch.isdecimal() or ch == "_"):
                break
            name.append(ch)
            self._next()
        return "".join(name)

    def _get(self, name: str, read: bool = True) -> tuple[str, bool]:
        if read:
            self._read.add(name)
        env = self._env
        if name in env:
            self._matched.add(name)
            return env[name], True
        if self.case_insensitive:
            folded = name.upper()
            for key, value in env.items():
                if key.upper() == folded:
                    self._matched.add(name)
                    return value, True
        self._unmatched.add(name)
        return "", False

    def _dollar(self) -> str:
        self._next()  # the '$'
        if self._peek() != "{":
            name = self._name()
            if not name:
                return "$"
            value, found = self._get(name)
            if not found and self.skip_unset:
                return "$" + name
            return value

        self._next()  # the '{'
        ch = self._peek()
        if ch is None:
            raise _Fail("syntax error: missing '}'")
        if ch in "{}:":
            raise _Fail("syntax error: bad substitution")
        name = self._name()
        op = self._next()
        ops = op if op is not None else _EOF_RUNE
        if op == "}":
            value, found = self._get(name)
            if not found and self.skip_unset:
                return "${" + name + "}"
            return value

        null_is_unset = False
        if op == ":":
            null_is_unset = True
            op = self._next()
            ops += op if op is not None else _EOF_RUNE
            return self._modifier(name, op, ops, null_is_unset)
        if op is not None and op in "+-?#%":
            return self._modifier(name, op, ops, null_is_unset)
        if op == "/":
            return self._substitute(name)
        raise _Fail(f"unsupported modifier ({ops}) in substitution")

    def _modifier(self, name: str, op: str | None, ops: str, null_is_unset: bool) -> str:
        pattern_op = op == "#" or op == "%"
        if null_is_unset and pattern_op:
            raise _Fail(f"unsupported modifier ({ops}) in substitution")
        try:
            word, _ = self._stop_on("}", pattern_op)
        except _Fail:
            if self._peek() is None:
                raise _Fail("syntax error: missing '}'") from None
            raise
        value, is_set = self._get(name, read=op != "-")
        if self.skip_unset and not is_set:
            return "${" + name + ops + word + "}"
        if op == "-":
            if not is_set or (null_is_unset and value == ""):
                self._defaulted.add(name)
                return word
            self._read.add(name)
            return value
        if op == "+":
            if not is_set or (null_is_unset and value == ""):
                return ""
            return word
        if op == "?":
            if not is_set:
                raise _Fail(f"{name}: {word or 'is not allowed to be unset'}")
            if null_is_unset and value == "":
                raise _Fail(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        if pattern_op:
            greedy = word[:1] == op
            if greedy:
                word = word[1:]
            if op == "%":
                return _trim_suffix(word, value, greedy)
            return _trim_prefix(word, value, greedy)
        raise _Fail(f"unsupported modifier ({ops}) in substitution")

    def _substitute(self, name: str) -> str:
        replace_all = self._peek() == "/"
        if replace_all:
            self._next()
        try:
            pattern, _ = self._stop_on("/", True)
        except _Fail:
            if self._peek() is None:
                raise _Fail("syntax error: missing '/' in ${}") from None
            raise
        try:
            replacement, _ = self._stop_on("}", True)
        except _Fail:
            if self._peek() is None:
                raise _Fail("syntax error: missing '}'") from None
            raise
        value, is_set = self._get(name)
        if self.skip_unset and not is_set:
            return "${" + name + "/" + pattern + "/" + replacement + "}"
        regex = _shell_pattern_regex(pattern, greedy=True, anchored=False)
        return _go_replace(regex, value, replacement, replace_all)


# -- glob patterns -------------------------------------------------------------------

_REGEX_SPECIAL = frozenset("[]{}.+()|^$")


def _shell_pattern_regex(pattern: str, *, greedy: bool, anchored: bool) -> re.Pattern[str]:
    """A shell glob (``*``, ``?``, no brackets) as a regular expression."""
    out: list[str] = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i, n = 0, len(pattern)
    while i < n:
        tok = pattern[i]
        i += 1
        if tok == "*":
            out.append(star)
        elif tok == "?":
            out.append(".")
        elif tok == "\\":
            nxt = pattern[i] if i < n else None
            if nxt == "}" or nxt == "/":
                continue  # the escape only protected the delimiter
            if nxt not in ("*", "?", "\\"):
                shown = nxt if nxt is not None else _EOF_RUNE
                raise _Fail(f"invalid pattern ({pattern}) in substitution: invalid escape '\\{shown}'")
            out.append("\\" + nxt)
            i += 1
        elif tok in _REGEX_SPECIAL:
            out.append("\\" + tok)
        else:
            out.append(tok)
    return re.compile("".join(out))


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    match = _shell_pattern_regex(pattern, greedy=greedy, anchored=True).search(value)
    return value[match.end() :] if match else value


def _reverse_pattern(pattern: str) -> str:
    units: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] == "\\" and i != n - 1:
            units.append(pattern[i : i + 2])
            i += 2
        else:
            units.append(pattern[i])
            i += 1
    return "".join(reversed(units))


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    # A regular expression cannot find the shortest rightmost match, so both the pattern
    # and the value are reversed and the suffix becomes a prefix.
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]


def _extract_group_name(text: str) -> tuple[str, int] | None:
    """Go's `regexp.extract`: the name after a ``$`` and how many characters it used."""
    brace = text.startswith("{")
    i = 1 if brace else 0
    j = i
    while j < len(text) and (text[j].isalpha() or text[j].isdecimal() or text[j] == "_"):
        j += 1
    if j == i:
        return None
    name = text[i:j]
    if brace:
        if j >= len(text) or text[j] != "}":
            return None
        j += 1
    return name, j


def _go_expand(template: str, match: re.Match[str]) -> str:
    """Go's `Regexp.Expand` for our group-less patterns: ``$$`` and ``$0`` / ``${0}``."""
    if "$" not in template:
        return template
    out: list[str] = []
    i = 0
    while True:
        j = template.find("$", i)
        if j < 0:
            out.append(template[i:])
            return "".join(out)
        out.append(template[i:j])
        if template.startswith("$", j + 1):
            out.append("$")
            i = j + 2
            continue
        extracted = _extract_group_name(template[j + 1 :])
        if extracted is None:
            out.append("$")  # malformed: the dollar is literal text
            i = j + 1
            continue
        name, used = extracted
        if name == "0":
            out.append(match.group(0))
        i = j + 1 + used


def _go_replace(regex: re.Pattern[str], value: str, replacement: str, replace_all: bool) -> str:
    if not replace_all:
        match = regex.search(value)
        if match is None:
            return value
        return value[: match.start()] + _go_expand(replacement, match) + value[match.end() :]
    # Go's ReplaceAllString skips an empty match that touches the previous match.
    out: list[str] = []
    last = 0
    last_match_end = 0
    for match in regex.finditer(value):
        start, end = match.span()
        out.append(value[last:start])
        if end > last_match_end or start == 0:
            out.append(_go_expand(replacement, match))
        else:
            out.append(value[start:end])
        last = end
        last_match_end = end
    out.append(value[last:])
    return "".join(out)


# Shared lexers for the two escape characters (plain expansion, the common case).
_DEFAULT_LEXERS: dict[str, ShellLexer] = {}


def default_lexer(escape: str = "\\") -> ShellLexer:
    lexer = _DEFAULT_LEXERS.get(escape)
    if lexer is None:
        lexer = _DEFAULT_LEXERS[escape] = ShellLexer(escape)
    return lexer
