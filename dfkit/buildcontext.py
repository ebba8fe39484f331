"""The build context: a directory, minus what `.dockerignore` excludes.

`DockerIgnore` reads `.dockerignore` the way moby's patternmatcher does: one pattern a
line, `#` comments, `!` re-includes, patterns cleaned like paths and anchored at the
context root, `*` and `?` within a path element, `**` across elements, `[...]` classes,
and the last matching pattern wins. A path is excluded when it or one of its parent
directories matches.

`BuildContext` answers what the linter and the planner ask about the context: does a
source exist, is it ignored, which files does a COPY source select.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from dfkit.syntax.text import go_trim_space

_ESCAPE_IN_REGEX = frozenset(".+()|{}$")
WILDCARDS = frozenset("*?[")


def clean(path: str) -> str:
    """Go's `filepath.Clean` for slash paths."""
    if not path:
        return "."
    rooted = path.startswith("/")
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    if not rooted and cleaned.startswith("/"):
        cleaned = cleaned.lstrip("/")
    return cleaned


@dataclass(frozen=True)
class Pattern:
    text: str  # as written (without the `!`)
    exclusion: bool
    regex: re.Pattern[str] | None  # None: the pattern can never match (invalid)
    line: int


def _compile(pattern: str) -> re.Pattern[str] | None:
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 1
                if i + 1 < n and pattern[i + 1] == "/":
                    i += 1
                if i + 1 >= n:
                    out.append(".*")
                else:
                    out.append("(.*/)?")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch in _ESCAPE_IN_REGEX:
            out.append("\\" + ch)
        elif ch == "\\":
            if i + 1 < n:
                i += 1
                out.append(re.escape(pattern[i]))
            else:
                out.append("\\\\")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                return None  # Go's filepath.Match: ErrBadPattern
            # moby hands the class to Go's regexp as written: `^` negates, `!` is a literal.
            body = pattern[i + 1 : end]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(ch) if ch in "^[]" else ch)
        i += 1
    out.append("$")
    try:
        return re.compile("".join(out), re.DOTALL)
    except re.error:
        return None


class DockerIgnore:
    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = patterns

    @classmethod
    def parse(cls, text: str) -> "DockerIgnore":
        patterns = []
        text = text.removeprefix("\ufeff")  # moby trims a UTF-8 BOM from the first line
        for number, raw in enumerate(text.splitlines(), 1):
            if raw.startswith("#"):  # a comment only when `#` is the very first character
                continue
            line = go_trim_space(raw)
            if not line:
                continue
            exclusion = line.startswith("!")
            if exclusion:
                line = go_trim_space(line[1:])
            if not line:
                continue
            line = clean(line).lstrip("/") or "."
            patterns.append(Pattern(line, exclusion, _compile(line), number))
        return cls(patterns)

    @classmethod
    def from_patterns(cls, patterns: Iterable[str]) -> "DockerIgnore":
        """Patterns given one by one (`COPY --exclude`), as patternmatcher.New takes them:
        trimmed, cleaned, then a leading `!` re-includes; no `#` comments, no anchoring."""
        compiled = []
        for number, raw in enumerate(patterns, 1):
            line = go_trim_space(raw)
            if not line:
                continue
            line = clean(line)
            exclusion = line.startswith("!")
            if exclusion:
                line = line[1:]
            compiled.append(Pattern(line, exclusion, _compile(line), number))
        return cls(compiled)

    @classmethod
    def empty(cls) -> "DockerIgnore":
        return cls([])

    def matches(self, path: str) -> bool:
        """Whether a context-relative path is excluded (it or a parent matches)."""
        if not self.patterns:
            return False
        path = clean(path).lstrip("/")
        parents = path.split("/")[:-1]
        candidates = [path] + ["/".join(parents[: i + 1]) for i in range(len(parents))]
        matched = False
        for pattern in self.patterns:
            regex = pattern.regex
            if regex is None:
                continue
            if any(regex.match(candidate) for candidate in candidates):
                matched = not pattern.exclusion
        return matched

    def matching_pattern(self, path: str) -> Pattern | None:
        """The last pattern that decides for `path`, when it excludes it."""
        path = clean(path).lstrip("/")
        parents = path.split("/")[:-1]
        candidates = [path] + ["/".join(parents[: i + 1]) for i in range(len(parents))]
        decided: Pattern | None = None
        for pattern in self.patterns:
            if pattern.regex is not None and any(pattern.regex.match(c) for c in candidates):
                decided = None if pattern.exclusion else pattern
        return decided


def has_wildcards(path: str) -> bool:
    return any(ch in WILDCARDS for ch in path)


@dataclass
class BuildContext:
    root: Path
    ignore: DockerIgnore = field(default_factory=DockerIgnore.empty)
    dockerignore_path: Path | None = None
    # False when dfkit only supposes the Dockerfile's directory is the context (a
    # `.dockerignore` sits beside it): rules may then trust the ignore file, not the listing.
    explicit: bool = True

    @classmethod
    def open(cls, root: Path, dockerfile: Path | None = None, *, explicit: bool = True) -> "BuildContext":
        """The context at `root`; `<Dockerfile>.dockerignore` beside the Dockerfile wins
        over the context's `.dockerignore`, as with BuildKit."""
        candidates = []
        if dockerfile is not None:
            candidates.append(dockerfile.parent / f"{dockerfile.name}.dockerignore")
        candidates.append(root / ".dockerignore")
        for candidate in candidates:
            if candidate.is_file():
                text = candidate.read_text(encoding="utf-8", errors="replace")
                return cls(root, DockerIgnore.parse(text), candidate, explicit)
        return cls(root, explicit=explicit)

    @staticmethod
    def relative(source: str) -> str:
        """A COPY source as a context-relative path ("" for the root itself)."""
        cleaned = clean("/" + source)
        return cleaned.lstrip("/")

    def escapes(self, source: str) -> bool:
        return clean(source).startswith("..")

    @cached_property
    def files(self) -> list[str]:
        """Every path in the context (files, directories, links), relative, sorted.

        Symbolic links are listed but never followed, so nothing outside the context is read.
        """
        out: list[str] = []
        root = str(self.root)
        for directory, dirnames, filenames in os.walk(root, followlinks=False):
            rel_dir = os.path.relpath(directory, root)
            prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            dirnames.sort()
            for name in dirnames:
                out.append(prefix + name)
            for name in sorted(filenames):
                out.append(prefix + name)
        out.sort()
        return out

    def exists(self, relative: str) -> bool:
        if relative in ("", "."):
            return True
        return os.path.lexists(self.root / relative)

    def ignored(self, relative: str) -> bool:
        return relative not in ("", ".") and self.ignore.matches(relative)

    def glob(self, pattern: str) -> list[str]:
        """Context paths a COPY source with wildcards selects (Go `filepath.Match` per element)."""
        regex = compile_glob(pattern)
        if regex is None:
            return []
        return [path for path in self.files if regex.match(path)]


def compile_glob(pattern: str) -> re.Pattern[str] | None:
    """Go's `filepath.Match` as a regex, None where Go reports `ErrBadPattern`.

    `*` and `?` never match `/`; a class is one character, `/` included (Go's quirk);
    `^` negates a class; `\\` escapes, also inside a class; `lo-hi` ranges.
    """
    out = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i == n:
                return None
            out.append(re.escape(pattern[i]))
            i += 1
        elif ch == "[":
            negated = i < n and pattern[i] == "^"
            i += negated
            ranges: list[str] = []
            while not (i < n and pattern[i] == "]" and ranges):
                lo, i = _class_char(pattern, i)
                hi = lo
                if lo is not None and pattern[i] == "-":
                    hi, i = _class_char(pattern, i + 1)
                if lo is None or hi is None:
                    return None
                # Go's empty range (lo > hi) matches nothing; Python would reject it.
                ranges.append("" if lo > hi else f"{re.escape(lo)}-{re.escape(hi)}")
            i += 1
            body = "".join(ranges)
            if negated:
                out.append(f"[^{body}]" if body else ".")
            else:
                out.append(f"[{body}]" if body else "(?!)")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def _class_char(pattern: str, i: int) -> tuple[str | None, int]:
    """Go's `getEsc`: one (possibly escaped) class character, which must not end the pattern."""
    if i >= len(pattern) or pattern[i] in "-]":
        return None, i
    if pattern[i] == "\\":
        i += 1
    if i + 1 >= len(pattern):
        return None, i
    return pattern[i], i + 1
