"""The build context: `.dockerignore` read as moby's ignorefile and patternmatcher read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dfkit.buildcontext import BuildContext, DockerIgnore

CASES = [
    # (.dockerignore, path, excluded)
    ("node_modules", "node_modules", True),
    ("node_modules", "node_modules/a/b.js", True),  # a parent matches
    ("node_modules", "src/node_modules", False),  # anchored at the root
    ("*.md", "README.md", True),
    ("*.md", "docs/README.md", False),  # `*` stays inside one element
    ("**/*.md", "docs/deep/README.md", True),
    ("**/*.md", "README.md", True),
    ("docs/**", "docs/a/b", True),
    ("?.txt", "a.txt", True),
    ("?.txt", "ab.txt", False),
    ("*\n!keep.md", "keep.md", False),  # the last matching pattern wins
    ("*\n!keep.md", "other.md", True),
    ("!keep.md\n*", "keep.md", True),
    ("/abs/path", "abs/path", True),  # leading / is relative to the context
    ("./a/../b", "b", True),  # patterns are cleaned like paths
    ("a.(x)", "a.(x)", True),  # regex metacharacters are literal
    ("[ab].txt", "a.txt", True),
    ("[^a].txt", "a.txt", False),
    ("[^a].txt", "b.txt", True),
    ("[!a].txt", "!.txt", True),  # Go's regexp: `!` is a literal, not a negation
    ("[!a].txt", "b.txt", False),
    ("# comment\nfoo", "# comment", False),
    (" #x", "#x", True),  # only a `#` in the first column starts a comment
    ("\ufeffsecret", "secret", True),  # a BOM on the first line is dropped
    ("  spaced  ", "spaced", True),
    ("\n\n", "anything", False),
]


@pytest.mark.parametrize(("patterns", "path", "excluded"), CASES)
def test_dockerignore_matching(patterns: str, path: str, excluded: bool) -> None:
    assert DockerIgnore.parse(patterns).matches(path) is excluded


def test_matching_pattern_names_the_line() -> None:
    ignore = DockerIgnore.parse("# x\n*.log\n!keep.log\n")
    decided = ignore.matching_pattern("app.log")
    assert decided is not None and (decided.text, decided.line) == ("*.log", 2)
    assert ignore.matching_pattern("keep.log") is None


def test_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("a\n", encoding="utf-8")
    (tmp_path / "build").mkdir()
    dockerfile = tmp_path / "build" / "app.Dockerfile"
    dockerfile.write_text("FROM scratch\n", encoding="utf-8")
    (tmp_path / "build" / "app.Dockerfile.dockerignore").write_text("b\n", encoding="utf-8")
    context = BuildContext.open(tmp_path, dockerfile)
    assert (context.ignored("a"), context.ignored("b")) == (False, True)
    assert BuildContext.open(tmp_path).ignored("a") is True


def test_listing_and_globs_never_follow_links(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("", encoding="utf-8")
    (tmp_path / "src" / "b.txt").write_text("", encoding="utf-8")
    (tmp_path / "outside").symlink_to("/etc")
    context = BuildContext.open(tmp_path)
    assert context.files == ["outside", "src", "src/a.py", "src/b.txt"]
    assert context.glob("src/*.py") == ["src/a.py"]
    assert context.exists("src/b.txt") and not context.exists("src/c")
