"""BuildKit's shell-lexer tables, row by row, plus the operators they leave out."""

from __future__ import annotations

import pytest

from dfkit.syntax.words import LexError, ShellLexer
from tests.conftest import SHARED, require_shared

pytestmark = pytest.mark.conformance

ENV_VAR_TEST_ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""}


def _env_var_rows() -> list[tuple[str, str]]:
    if SHARED is None:
        return [("<missing>", "")]
    rows = []
    for line in (SHARED / "conformance" / "shell-lexer" / "envVarTest").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        platform, word, expected = (field.strip() for field in line.split("|"))
        if platform in ("A", "U"):
            rows.append((word, expected))
    return rows


def _words_rows() -> list[tuple[dict[str, str], str, list[str]]]:
    if SHARED is None:
        return [({}, "<missing>", [])]
    env: dict[str, str] = {}
    rows = []
    for line in (SHARED / "conformance" / "shell-lexer" / "wordsTest").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("ENV "):
            name, value = line[3:].lstrip(" ").split("=", 1)
            env[name] = value
            continue
        word, expected = line.split("|")
        rows.append((dict(env), word.strip(), expected.lstrip(" ").split(",")))
    return rows


@pytest.mark.parametrize(("word", "expected"), _env_var_rows())
def test_env_var_table(word: str, expected: str) -> None:
    require_shared()
    lexer = ShellLexer("\\")
    if expected == "error":
        with pytest.raises(LexError):
            lexer.process_word(word, ENV_VAR_TEST_ENV)
    else:
        assert lexer.process_word(word, ENV_VAR_TEST_ENV) == expected


def test_env_var_table_size() -> None:
    require_shared()
    assert len(_env_var_rows()) == 228


@pytest.mark.parametrize(("env", "word", "expected"), _words_rows())
def test_words_table(env: dict[str, str], word: str, expected: list[str]) -> None:
    require_shared()
    lexer = ShellLexer("\\")
    try:
        got = lexer.process_words(word, env)
    except LexError:
        got = ["error"]
    assert got == expected


def test_words_table_size() -> None:
    require_shared()
    assert len(_words_rows()) == 24
