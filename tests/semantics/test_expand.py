"""Word expansion through the public API: BuildKit's tables, both escape characters,
and the operators the tables leave out."""

from __future__ import annotations

import pytest

from dfkit.semantics import ExpansionError, expand_word, split_words
from dfkit.semantics.expand import process
from tests.conftest import require_shared
from tests.syntax.test_words import ENV_VAR_TEST_ENV, _env_var_rows, _words_rows

pytestmark = pytest.mark.conformance


@pytest.mark.parametrize(("word", "expected"), _env_var_rows())
def test_env_var_table(word: str, expected: str) -> None:
    require_shared()
    if expected == "error":
        with pytest.raises(ExpansionError):
            expand_word(word, ENV_VAR_TEST_ENV)
    else:
        assert expand_word(word, ENV_VAR_TEST_ENV) == expected


@pytest.mark.parametrize(("word", "expected"), [r for r in _env_var_rows() if "`" not in r[0]])
def test_env_var_table_with_backtick_escape(word: str, expected: str) -> None:
    """The same rows with `` ` `` as escape character: the lexer treats it like `\\`."""
    require_shared()
    word, swapped = word.replace("\\", "`"), expected.replace("\\", "`")
    if expected == "error":
        with pytest.raises(ExpansionError):
            expand_word(word, ENV_VAR_TEST_ENV, escape="`")
    else:
        assert expand_word(word, ENV_VAR_TEST_ENV, escape="`") == swapped


@pytest.mark.parametrize(("env", "word", "expected"), _words_rows())
def test_words_table(env: dict[str, str], word: str, expected: list[str]) -> None:
    require_shared()
    try:
        got = split_words(word, env)
    except ExpansionError:
        got = ["error"]
    assert got == expected


ENV = {"PWD": "/home", "NULL": "", "FOO": "foo/bar/baz.txt", "STAR": "a*b", "SP": "a  b"}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("${FOO#*/}", "bar/baz.txt"),
        ("${FOO##*/}", "baz.txt"),
        ("${FOO%/*}", "foo/bar"),
        ("${FOO%%/*}", "foo"),
        ("${FOO%.txt}", "foo/bar/baz"),
        ("${FOO%%b*}", "foo/"),
        ("${FOO#nomatch}", "foo/bar/baz.txt"),
        ("${FOO#$PWD}", "foo/bar/baz.txt"),  # the pattern is expanded first
        ("${UNSET#x}", ""),
        ("${STAR#a\\*}", "b"),
        ("${FOO/bar/BAR}", "foo/BAR/baz.txt"),
        ("${FOO//a/A}", "foo/bAr/bAz.txt"),
        ("${FOO/*/X}", "X"),  # `*` is greedy in substitutions
        ("${FOO//?/x}", "x" * 15),
        ("${FOO/\\//_}", "foo_bar/baz.txt"),
        ("${FOO//\\//_}", "foo_bar_baz.txt"),
        ("${FOO//o/}", "f/bar/baz.txt"),
        ("${FOO//b*/Z}", "foo/Z"),
        ("${STAR/\\*/-}", "a-b"),
        ("${FOO/#foo/X}", "foo/bar/baz.txt"),  # no `#`/`%` anchors in BuildKit: a literal #
        ("${NULL?}", ""),  # set, though empty
        ("${PWD?}", "/home"),
        ("${PWD:?x}", "/home"),
        ("${NULL-x}", ""),
        ("${UNSET-x}", "x"),
        ("${NULL:-x}", "x"),
        ("${NULL+x}", "x"),
        ("${NULL:+x}", ""),
        ("${UNSET+x}", ""),
    ],
)
def test_operators(word: str, expected: str) -> None:
    assert expand_word(word, ENV) == expected


@pytest.mark.parametrize(
    ("word", "reason"),
    [
        ("${UNSET?}", "UNSET: is not allowed to be unset"),
        ("${UNSET?custom msg}", "UNSET: custom msg"),
        ("${NULL:?}", "NULL: is not allowed to be empty"),
        ("${NULL:?need it}", "NULL: need it"),
        ("${PWD:#x}", "unsupported modifier (:#) in substitution"),
        ("${PWD:%x}", "unsupported modifier (:%) in substitution"),
        ("${PWD=x}", "unsupported modifier (=) in substitution"),
        ("${PWD:=x}", "unsupported modifier (:=) in substitution"),
        ("${PWD:1}", "unsupported modifier (:1) in substitution"),
        ("${PWD/x}", "syntax error: missing '/' in ${}"),
        ("${PWD/x/y", "syntax error: missing '}'"),
        ("${PWD#\\x}", "invalid pattern (\\x) in substitution: invalid escape '\\x'"),
        ("${}", "syntax error: bad substitution"),
        ("${PWD", "unsupported modifier (\ufffd) in substitution"),
        ("'unterminated", "unexpected end of statement while looking for matching single-quote"),
    ],
)
def test_errors(word: str, reason: str) -> None:
    with pytest.raises(ExpansionError) as error:
        expand_word(word, ENV)
    assert error.value.reason == reason
    assert error.value.message.startswith("failed to process ")
    assert error.value.span.end == len(word)


def test_backtick_escape() -> None:
    assert expand_word("a`$PWD", ENV, escape="`") == "a$PWD"
    assert expand_word("c:\\dir", ENV, escape="`") == "c:\\dir"
    assert split_words("a` b c", ENV, escape="`") == ["a b", "c"]


def test_split_words_on_expanded_blanks() -> None:
    assert split_words("x${SP}y", ENV) == ["xa", "by"]
    assert split_words('x"${SP}"y', ENV) == ["xa  by"]
    assert split_words("80 443", {}) == ["80", "443"]


def test_names_a_value_depends_on() -> None:
    result = process("${A:-a}${B-b}$C${D:+d}${E:-e}$E${F:-f}", {"D": "1", "F": "set"})
    assert result.names == frozenset("ABCDEF")
    assert result.defaulted == frozenset("AB")  # E is also read bare; F's value is used
    assert result.depends_on == frozenset("CDEF")
