"""Hashing the build context: what each COPY/ADD source selects, as BuildKit selects it,
and a digest that follows content and modes, not mtimes or listing order."""

from __future__ import annotations

import errno
import hashlib
import operator
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dfkit.buildcontext import BuildContext, DockerIgnore, compile_glob
from dfkit.errors import DfkitError
from dfkit.plan import context as module
from dfkit.plan.context import RACY_NS, ContextHasher, Selection


def make(root: Path, files: dict[str, str] | str) -> Path:
    """Files (`name/`: an empty directory), 0644, under `root`; a string names empty files."""
    root.mkdir(parents=True, exist_ok=True)
    if isinstance(files, str):
        files = dict.fromkeys(files.split(), "")
    for name, text in files.items():
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)
    return root


def hasher(root: Path, cache: Path | None = None) -> ContextHasher:
    return ContextHasher(BuildContext.open(root), cache_dir=cache or root.parent / f"{root.name}-cache")


def listing(selection: Selection) -> list[tuple[str, str, str]]:
    return [(entry.path, entry.name, entry.type) for entry in selection.entries]


def paths(selection: Selection) -> list[str]:
    return [entry.path for entry in selection.entries]


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as if every file had been written well before: past the racy window."""
    monkeypatch.setattr(module, "_now_ns", lambda: time.time_ns() + 10 * RACY_NS)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file (not directory) `os.open` opens in a context (`ctx`), by path."""
    calls: list[str] = []
    real_open = os.open

    def counting_open(path: str, flags: int, *args: int, **kwargs: int) -> int:
        if not flags & os.O_DIRECTORY and "/ctx/" in str(path):
            calls.append(str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", counting_open)
    return calls


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every directory the hasher lists, context-relative."""
    calls: list[str] = []
    real = ContextHasher._listing

    def spying(self: ContextHasher, directory: str, keep: Callable[[str], object] | None = None) -> list[Any]:
        calls.append(directory)
        return real(self, directory, keep)

    monkeypatch.setattr(ContextHasher, "_listing", spying)
    return calls


# -- selection --------------------------------------------------------------------------------


def test_a_file_is_named_by_its_base_name(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"src/app.py": "print(1)\n"})
    (root / "src" / "app.py").chmod(0o755)
    selection = hasher(root).select("src/app.py")
    assert selection.missing is None and not selection.wildcard
    (entry,) = selection.entries
    assert entry == ("src/app.py", "app.py", "file", 0o755, 9, sha(b"print(1)\n"))


def test_a_directory_selects_itself_and_everything_below(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"src/a.py": "a", "src/lib/b.py": "b", "src/empty/": "", "other": "o"})
    assert listing(hasher(root).select("src/")) == [
        ("src", ".", "dir"),
        ("src/a.py", "a.py", "file"),
        ("src/empty", "empty", "dir"),
        ("src/lib", "lib", "dir"),
        ("src/lib/b.py", "lib/b.py", "file"),
    ]
    assert paths(hasher(root).select(".")) == [
        ".", "other", "src", "src/a.py", "src/empty", "src/lib", "src/lib/b.py"
    ]


@pytest.mark.parametrize(
    ("source", "selected"),
    [
        ("*.py", ["a.py"]),
        ("src/*.py", ["src/c.py"]),
        ("*/*.py", ["src/c.py"]),  # `*` stays inside one element
        ("[ab].*", ["a.py", "b.txt"]),
        ("[^a].*", ["b.txt"]),
        ("?.txt", ["b.txt"]),
        ("s?c", ["src", "src/c.py", "src/d", "src/d/e.py"]),  # a matching directory, whole
        ("src/d/*", ["src/d/e.py"]),
        ("*", [".dockerignore", "a.py", "b.txt", "src", "src/c.py", "src/d", "src/d/e.py"]),
    ],
)
def test_wildcards_match_element_by_element(tmp_path: Path, source: str, selected: list[str]) -> None:
    root = make(tmp_path / "ctx", ".dockerignore a.py b.txt src/c.py src/d/e.py")
    selection = hasher(root).select(source)
    assert selection.wildcard and selection.missing is None
    assert sorted(paths(selection)) == selected


def test_wildcard_matches_keep_the_walk_order(tmp_path: Path) -> None:
    # fsutil walks a before a-b, where a path sort would put "a-b/f" first: with COPY */f
    # /x/, the later match wins.
    root = make(tmp_path / "ctx", {"a/f": "1", "a-b/f": "2"})
    assert listing(hasher(root).select("*/f")) == [("a/f", "f", "file"), ("a-b/f", "f", "file")]


def test_escaped_wildcards(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"a\\*b": "", "a*b": "", "a*bc": "", "axb": ""})
    # No unescaped wildcard: the path is taken as written, backslash and all.
    literal = hasher(root).select("a\\*b")
    assert not literal.wildcard and paths(literal) == ["a\\*b"]
    # With one, Go's Match reads `\*` as a star.
    assert sorted(paths(hasher(root).select("a\\*b*"))) == ["a*b", "a*bc"]


def test_missing_sources(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"a.py": "", "src/c.py": ""})
    result = hasher(root).digest(["nope", "*.nothing", "nodir/*.py", "a.py/*.x", "src/*.py"])
    missing = {selection.source: selection.missing for selection in result.selections}
    assert missing == {
        "nope": "not-found",  # failed to compute cache key: "/nope": not found
        "*.nothing": "no-match",  # AllowEmptyWildcard: nothing copied
        "nodir/*.py": "not-found",  # lstat /nodir: no such file or directory
        "a.py/*.x": "no-match",  # the walk of a file finds nothing
        "src/*.py": None,
    }
    assert result.missing == ("nope", "nodir/*.py")


def test_parent_references_are_clamped_to_the_root(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"a.py": "inside"})
    (tmp_path / "a.py").write_text("outside", encoding="utf-8")
    selection = hasher(root).select("../../a.py")
    assert selection.path == "a.py" and listing(selection) == [("a.py", "a.py", "file")]
    assert selection.entries[0].digest == sha(b"inside")
    assert paths(hasher(root).select("src/../..")) == [".", "a.py"]


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("[a-c]x", "bx", True),
        ("[^a-c]x", "bx", False),
        ("[\\]]", "]", True),  # an escaped bracket inside a class
        ("\\*", "*", True),
        ("\\*", "a", False),
        ("[b-a]", "a", False),  # Go's empty range matches nothing
        ("[^/]", "/", False),
        ("[^a]", "/", True),  # a class is any one character, `/` included
        ("a?c", "a/c", False),
        ("[]a]", "]", None),  # Go's ErrBadPattern: an empty class
        ("[a", "a", None),
        ("a\\", "a", None),
    ],
)
def test_glob_elements_follow_go_filepath_match(pattern: str, name: str, matches: bool | None) -> None:
    regex = compile_glob(pattern)
    assert (None if regex is None else bool(regex.match(name))) is matches


# -- .dockerignore and --exclude ---------------------------------------------------------------


def test_dockerignore_double_star_exceptions_and_order(tmp_path: Path) -> None:
    files = {"a.log": "", "keep.log": "", "sub/b.log": "", "sub/keep.log": "", "build/out": "", "app.py": ""}
    root = make(tmp_path / "ctx", {**files, ".dockerignore": "**/*.log\n!keep.log\nbuild\n"})
    assert paths(hasher(root).select(".")) == [".", ".dockerignore", "app.py", "keep.log", "sub"]
    # The last matching pattern wins: an exception before the exclusion is overridden.
    (root / ".dockerignore").write_text("!keep.log\n**/*.log\n", encoding="utf-8")
    assert "keep.log" not in paths(hasher(root).select("."))
    assert hasher(root).select("keep.log").missing == "not-found"


def test_excluded_directory_keeps_reincluded_children(tmp_path: Path) -> None:
    files = {"docs/keep.md": "", "docs/other.md": "", "vendor/a/keep": "", "vendor/a/x": "", "vendor/b/y": ""}
    root = make(tmp_path / "ctx", {**files, ".dockerignore": "docs\n!docs/keep.md\nvendor\n!vendor/a/keep\n"})
    assert paths(hasher(root).select(".")) == [
        ".", ".dockerignore", "docs", "docs/keep.md", "vendor", "vendor/a", "vendor/a/keep"
    ]
    assert listing(hasher(root).select("docs")) == [("docs", ".", "dir"), ("docs/keep.md", "keep.md", "file")]
    assert hasher(root).select("docs/other.md").missing == "not-found"
    assert hasher(root).select("vendor/b").missing == "not-found"  # nothing brought back
    assert paths(hasher(root).select("docs/*.md")) == ["docs/keep.md"]


def test_wildcard_exceptions_reach_into_excluded_directories(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", "logs/x/important.log logs/x/debug.log")
    (root / ".dockerignore").write_text("logs\n!**/important.log\n", encoding="utf-8")
    assert paths(hasher(root).select("logs")) == ["logs", "logs/x", "logs/x/important.log"]


def test_excluded_directories_are_never_walked(tmp_path: Path, listed: list[str]) -> None:
    root = make(tmp_path / "ctx", "node_modules/a/b.js docs/x.md src/a.py")
    (root / ".dockerignore").write_text("node_modules\ndocs\n!docs/keep.md\n", encoding="utf-8")
    assert paths(hasher(root).select(".")) == [".", ".dockerignore", "src", "src/a.py"]
    assert "node_modules" not in listed and "docs" in listed  # docs: an exception names a path inside


def test_copy_exclude_matches_below_each_source(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", "src/a.py src/b.md src/README.md src/sub/c.md src/tmp/x")
    selection = hasher(root).select("src", excludes=["*.md", "!README.md", "tmp"])
    assert [entry.name for entry in selection.entries] == [".", "README.md", "a.py", "sub", "sub/c.md"]
    # The source itself is never excluded, only what lies below it.
    assert paths(hasher(root).select("src/b.md", excludes=["*.md"])) == ["src/b.md"]
    assert paths(hasher(root).select("src/*.md", excludes=["*.md"])) == ["src/README.md", "src/b.md"]


def test_copy_exclude_keeps_the_parents_of_reincluded_paths(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"src/gen/keep.py": "", "src/gen/drop.py": ""})
    selection = hasher(root).select("src", excludes=["gen", "!gen/keep.py"])
    assert [entry.name for entry in selection.entries] == [".", "gen", "gen/keep.py"]


# -- symbolic links ----------------------------------------------------------------------------


def test_links_below_a_source_are_listed_not_followed(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"src/a.py": "", "outside.txt": ""})
    (root / "src" / "up").symlink_to("../outside.txt")
    (root / "src" / "etc").symlink_to("/etc")
    selection = hasher(root).select("src")
    assert listing(selection) == [
        ("src", ".", "dir"),
        ("src/a.py", "a.py", "file"),
        ("src/etc", "etc", "symlink"),
        ("src/up", "up", "symlink"),
    ]
    assert selection.entries[2].digest == sha(b"/etc")  # the link's text, never what it names


def test_a_linked_source_is_resolved_inside_the_context(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"src/a.py": "a", "etc/passwd": "the context's own"})
    (root / "link").symlink_to("src")
    (root / "abs").symlink_to("/etc")
    (root / "up").symlink_to("../../..")
    context = hasher(root)
    assert listing(context.select("link")) == [("src", ".", "dir"), ("src/a.py", "a.py", "file")]
    assert listing(context.select("link", follow_symlinks=False)) == [("link", "link", "symlink")]
    # /etc, seen from inside the context, is the context's etc: the host's is never read.
    (entry,) = context.select("abs/passwd").entries
    assert (entry.path, entry.digest) == ("etc/passwd", sha(b"the context's own"))
    assert listing(context.select("up/src/a.py")) == [("src/a.py", "a.py", "file")]


def test_linked_wildcard_matches(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"real/x": "x"})
    (root / "m-good").symlink_to("real")
    assert listing(hasher(root).select("m-*")) == [("real", ".", "dir"), ("real/x", "x", "file")]
    (root / "m-dangling").symlink_to("nowhere")
    assert hasher(root).select("m-*").missing == "not-found"  # copying it would fail
    assert hasher(root).select("m-*", follow_symlinks=False).missing is None


def test_links_dockerignore_leaves_out_are_not_followed(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"real/a.py": "", "hidden/b.py": "", ".dockerignore": "link\nhidden\n"})
    (root / "link").symlink_to("real")
    (root / "to-hidden").symlink_to("hidden")
    context = hasher(root)
    assert context.select("link/a.py").missing == "not-found"  # the link is not in the context
    assert context.select("to-hidden").missing == "not-found"  # nor is what this one names
    # A name missing from the context is still a name: `..` steps back out of it.
    (root / "via").symlink_to("link/../real/a.py")
    assert listing(hasher(root).select("via")) == [("real/a.py", "via", "file")]


def test_link_loops_fail(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {})
    (root / "a").symlink_to("b")
    (root / "b").symlink_to("a")
    assert hasher(root).select("a").missing == "not-found"  # BuildKit: too many links


# -- digests -----------------------------------------------------------------------------------


def test_digest_ignores_mtimes_and_listing_order(tmp_path: Path) -> None:
    files = {f"d/f{i}": str(i) for i in range(20)}
    one = make(tmp_path / "one", files)
    two = make(tmp_path / "two", dict(reversed(files.items())))
    for i, path in enumerate(sorted((two / "d").iterdir())):
        os.utime(path, ns=(i, 1_000_000_000 * i))
    assert hasher(one).digest(["."]).digest == hasher(two).digest(["."]).digest
    # Names are relative to the source: the same tree elsewhere digests the same.
    (one / "d").rename(one / "e")
    assert hasher(one).select("e").digest == hasher(two).select("d").digest


def test_digest_follows_content_and_modes(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"a": "hello", "b": "world"})
    before = hasher(root).digest(["."]).digest
    (root / "a").write_text("hellp", encoding="utf-8")
    changed = hasher(root).digest(["."]).digest
    (root / "a").chmod(0o600)
    chmodded = hasher(root).digest(["."]).digest
    assert len({before, changed, chmodded}) == 3


def test_sources_digest_combines_selections_in_order(tmp_path: Path) -> None:
    root = make(tmp_path / "ctx", {"a": "1", "b": "2"})
    context = hasher(root)
    ab, ba = context.digest(["a", "b"]), context.digest(["b", "a"])
    assert [s.digest for s in ab.selections] == [context.select("a").digest, context.select("b").digest]
    assert ab.digest != ba.digest  # a later source overwrites an earlier one: order matters


# -- speed: what is read, and when -------------------------------------------------------------


def test_only_what_the_sources_name_is_walked(tmp_path: Path, listed: list[str]) -> None:
    root = make(tmp_path / "ctx", {"src/a.py": "", "big/x/y": "", "src/lib/b.py": ""})
    hasher(root).digest(["src/a.py"])
    assert listed == []
    hasher(root).digest(["src/lib"])
    assert listed == ["src/lib"]


def test_no_file_is_read_twice(tmp_path: Path, opened: list[str]) -> None:
    root = make(tmp_path / "ctx", {"a": "data", "b": "other"})
    os.link(root / "a", root / "hard")
    context = hasher(root)
    context.digest(["a", ".", "hard", "*"])
    context.digest(["a"])
    assert sorted(Path(path).name for path in opened) == ["a", "b"]


def test_a_second_hasher_reads_no_content(
    tmp_path: Path, settled: None, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make(tmp_path / "ctx", {f"d{i}/f{j}": f"{i}.{j}" for i in range(5) for j in range(5)})
    first = hasher(root)
    expected = first.digest(["."])
    first.save()
    assert len(opened) == 25
    opened.clear()

    def no_reading(*args: object) -> None:
        raise AssertionError("file content was read")

    monkeypatch.setattr(os, "read", no_reading)
    monkeypatch.setattr(os, "readv", no_reading)
    assert hasher(root).digest(["."]) == expected
    assert opened == []


def test_the_cache_sees_a_rewrite_with_the_same_size_and_mtime(tmp_path: Path, settled: None) -> None:
    root = make(tmp_path / "ctx", {"in-place": "aaaa", "replaced": "cccc"})
    context = hasher(root)
    context.digest(["."])
    context.save()
    times = {name: (root / name).stat() for name in ("in-place", "replaced")}
    time.sleep(0.05)  # past the kernel's timestamp tick, so the ctime moves
    (root / "in-place").write_text("bbbb", encoding="utf-8")
    (root / "replaced.new").write_text("dddd", encoding="utf-8")
    (root / "replaced.new").replace(root / "replaced")  # a new inode
    for name, st in times.items():
        os.utime(root / name, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert (root / name).stat().st_size == st.st_size
    entries = {entry.path: entry.digest for entry in hasher(root).select(".").entries}
    assert entries["in-place"] == sha(b"bbbb") and entries["replaced"] == sha(b"dddd")


def test_files_in_the_racy_window_are_hashed_but_not_cached(tmp_path: Path, opened: list[str]) -> None:
    root = make(tmp_path / "ctx", {"fresh": "just written"})
    first = hasher(root)
    first.digest(["."])
    first.save()
    hasher(root).digest(["."])
    assert [Path(path).name for path in opened] == ["fresh", "fresh"]


def test_the_cache_is_one_file_named_by_the_context(
    tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make(tmp_path / "ctx", {"a": ""})
    monkeypatch.setenv("DFKIT_CACHE_DIR", str(tmp_path / "cache"))
    context = ContextHasher(BuildContext.open(root))
    context.digest(["."])
    context.save()
    name = hashlib.sha256(os.fsencode(str(root))).hexdigest()[:32]
    assert [path.name for path in (tmp_path / "cache" / "context").iterdir()] == [f"{name}.marshal"]
    assert (tmp_path / "cache" / "CACHEDIR.TAG").is_file()


def test_a_corrupt_cache_is_ignored(tmp_path: Path, settled: None) -> None:
    root = make(tmp_path / "ctx", {"a": "x"})
    context = hasher(root)
    expected = context.digest(["."])
    context.save()
    for path in (root.parent / "ctx-cache" / "context").iterdir():
        path.write_text('{"format": 1, "files": {"a": 3}}', encoding="utf-8")
    assert hasher(root).digest(["."]) == expected


# -- the re-plan: a source found unchanged ------------------------------------------------------


@pytest.fixture
def sections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Which parts of the cache file the hasher reads: 0 digests, 1 entry lists, 2 records."""
    calls: list[int] = []
    real = ContextHasher._read

    def spying(self: ContextHasher, section: int) -> Any:
        calls.append(section)
        return real(self, section)

    monkeypatch.setattr(ContextHasher, "_read", spying)
    return calls


def saved(root: Path, *sources: str, **options: Any) -> list[Selection]:
    """Digest each source with a first hasher and save its cache."""
    first = hasher(root)
    selections = [first.select(source, **options) for source in sources]
    first.save()
    return selections


def test_an_unchanged_source_is_known_by_its_digest_alone(
    tmp_path: Path, settled: None, sections: list[int], opened: list[str]
) -> None:
    root = make(tmp_path / "ctx", {f"d{i}/f{j}": f"{i}.{j}" for i in range(3) for j in range(3)})
    (expected,) = saved(root, ".")
    sections.clear()
    opened.clear()
    again = hasher(root).select(".")
    assert again.digest == expected.digest and sections == [0]  # no entries, no records
    assert again.entries == expected.entries and sections == [0, 1]  # entries as listed then
    assert opened == []


def test_entries_are_selected_again_when_the_cache_lost_them(
    tmp_path: Path, settled: None, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make(tmp_path / "ctx", {"a": "1", "sub/b": "2"})
    (expected,) = saved(root, ".")
    opened.clear()
    monkeypatch.setattr(ContextHasher, "_entry_lists", lambda self: {})
    assert hasher(root).select(".") == expected
    assert opened == []  # the records still vouch for every file
    # Entries that no longer match the digest are an error, not a silent mismatch.
    known = hasher(root).select(".")
    (root / "c").write_text("3", encoding="utf-8")
    with pytest.raises(DfkitError, match="changed while the build context was read"):
        known.entries  # noqa: B018


@pytest.mark.parametrize(
    ("source", "change"),
    [
        ("link", "rewrite"),  # same size, mtime put back: only ctime tells
        ("link", "add"),
        ("link", "remove"),
        ("link", "chmod"),
        ("link", "retarget"),  # a link on the way to the source
        ("src/deep/b.py", "rewrite"),  # a file source: nothing listed, one lstat
        ("link/deep/b.py", "retarget"),
        (".", "chmod the root"),
    ],
)
def test_a_change_after_a_cached_digest_is_seen(tmp_path: Path, settled: None, source: str, change: str) -> None:
    root = make(tmp_path / "ctx", {"src/a.py": "aaaa", "src/deep/b.py": "bbbb", "other/deep/b.py": "cccc"})
    (root / "link").symlink_to("src")
    (before,) = saved(root, source)
    assert hasher(root).select(source) == before  # known, unchanged
    time.sleep(0.05)  # past the kernel's timestamp tick, so a ctime moves
    target = root / "src" / "deep" / "b.py"
    if change == "rewrite":
        st = target.stat()
        target.write_text("BBBB", encoding="utf-8")
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif change == "add":
        (root / "src" / "deep" / "c.py").write_text("", encoding="utf-8")
    elif change == "remove":
        target.unlink()
    elif change == "chmod":
        target.chmod(0o600)
    elif change == "chmod the root":
        root.chmod(0o700)
    else:
        (root / "link").unlink()
        (root / "link").symlink_to("other")
    after = hasher(root).select(source)
    assert after == hasher(root, tmp_path / "no-cache").select(source)
    assert after.digest != before.digest


def test_a_write_in_the_racy_window_is_seen_even_when_stat_cannot_tell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Timestamps too coarse to see a write: only the racy-clean rule stands between the
    # cache and a stale digest.
    monkeypatch.setattr(module, "_seen_key", operator.attrgetter("st_mode", "st_size"))
    monkeypatch.setattr(module, "_stat_key", operator.attrgetter("st_mode", "st_size"))
    root = make(tmp_path / "ctx", {"a": "aaaa"})
    saved(root, ".")  # `a` is too fresh for the digest to be kept
    (root / "a").write_text("bbbb", encoding="utf-8")
    (entry,) = [entry for entry in hasher(root).select(".").entries if entry.path == "a"]
    assert entry.digest == sha(b"bbbb")
    # Past the racy window, the same write goes unseen: what the rule is there for.
    monkeypatch.setattr(module, "_now_ns", lambda: time.time_ns() + 10 * RACY_NS)
    (kept,) = saved(root, ".")
    (root / "a").write_text("cccc", encoding="utf-8")
    assert hasher(root).select(".").digest == kept.digest


def test_a_fresh_link_keeps_its_source_out_of_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Re-created within a timestamp tick, a link can keep its stat and change its target.
    root = make(tmp_path / "ctx", {"src/a": "a"})
    time.sleep(0.05)  # past the kernel's timestamp tick: the link is younger than `a`
    (root / "src" / "link").symlink_to("a")
    created = (root / "src" / "link").lstat().st_ctime_ns
    read: list[str] = []
    real = os.readlink
    monkeypatch.setattr(os, "readlink", lambda path, *args: read.append(Path(path).name) or real(path, *args))
    for started, reread in [(created + RACY_NS - 1, ["link"]), (created + RACY_NS + 1, [])]:
        monkeypatch.setattr(module, "_now_ns", lambda started=started: started)  # `a` settled either way
        saved(root, "src")
        read.clear()
        hasher(root).select("src")
        assert read == reread


def test_sources_are_cached_with_their_options(tmp_path: Path, settled: None, sections: list[int]) -> None:
    root = make(tmp_path / "ctx", {"src/a.py": "a", "src/b.md": "b"})
    first = hasher(root)
    plain, excluded = first.select("src"), first.select("src", excludes=["*.md"])
    first.save()
    sections.clear()
    again = hasher(root)
    assert again.select("src", excludes=["*.md"]).digest == excluded.digest != plain.digest
    assert again.select("src").digest == plain.digest
    assert sections == [0]


def test_a_new_ignore_pattern_is_seen(tmp_path: Path, settled: None) -> None:
    root = make(tmp_path / "ctx", {"a": "1", "b": "2"})
    before = ContextHasher(BuildContext(root), cache_dir=tmp_path / "cache")
    expected = before.select(".")
    before.save()
    # Patterns from outside the context (a Dockerfile's own .dockerignore): no path changes.
    ignoring = ContextHasher(BuildContext(root, DockerIgnore.parse("b\n")), cache_dir=tmp_path / "cache")
    assert paths(ignoring.select(".")) == [".", "a"] != paths(expected)


def test_a_cache_in_another_format_is_ignored(
    tmp_path: Path, settled: None, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make(tmp_path / "ctx", {"a": "x"})
    (expected,) = saved(root, ".")
    opened.clear()
    monkeypatch.setattr(module, "FORMAT", module.FORMAT + 1)
    assert hasher(root).select(".") == expected
    assert [Path(path).name for path in opened] == ["a"]  # read again: nothing was trusted


# -- errors ------------------------------------------------------------------------------------


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make(tmp_path / "ctx", {"secret.txt": "s", "ok": ""})
    (root / "secret.txt").chmod(0)
    if os.geteuid() == 0:  # root reads it anyway: refuse as the kernel would for anyone else
        real_open = os.open

        def refusing_open(path: str, flags: int, *args: int) -> int:
            if str(path).endswith("secret.txt"):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
            return real_open(path, flags, *args)

        monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(DfkitError) as raised:
        hasher(root).digest(["."])
    assert raised.value.message == "cannot read 'secret.txt' in the build context: Permission denied"
    assert raised.value.hint is not None and ".dockerignore" in raised.value.hint
    (root / "secret.txt").chmod(stat.S_IRUSR | stat.S_IWUSR)
