"""Content digests of the build context, for the cache keys of COPY and ADD.

`ContextHasher.digest(sources)` selects the context files each source names, as BuildKit
selects them, and digests what they hold. BuildKit's rules, and where they live:

- A source is cleaned and rooted at the context: `../x` is `x` (dockerfile2llb
  `dispatchCopy`, `system.NormalizePath("/", src)`).
- Dockerfile COPY/ADD copy with `FollowSymlinks`, `CopyDirContentsOnly`, `AllowWildcard`
  and `AllowEmptyWildcard` (dockerfile2llb `convert_copy.go`). Symbolic links on the way
  to a source are resolved inside the context: an absolute target starts again at the
  context root and `..` stops there, at most 255 links (contenthash `rootPath`, after
  filepath-securejoin). With `follow_symlinks` the source itself is resolved that way
  too; a link met below a selected directory is never followed: it is listed.
- A source without wildcards must exist, or the step fails: "failed to compute cache
  key: ... not found" (contenthash `checksum`). A source with wildcards (`*`, `?`, `[` not
  escaped by `\\`; ops `addSelector`) is walked from the part before its first wildcard
  element, which must exist ("lstat ...: no such file or directory", fsutil copy
  `ResolveWildcards`); each following element is Go's `filepath.Match`, and a directory
  that matches is selected whole. Matching nothing copies nothing (`AllowEmptyWildcard`,
  backend `docopy`). `Selection.missing` tells them apart: "not-found" fails the step,
  "no-match" does not.
- `.dockerignore`d paths are not in the context (fsutil `Walk`): a path is out when the
  last pattern that matches it or a parent excludes it; a directory left out still holds
  what a `!` pattern brings back, and the directories above such a path are sent. The walk
  skips an excluded directory unless an exception could re-include something below it.
- `COPY --exclude` patterns match the path below each selected source, never the source
  itself (fsutil copy `srcComponents`), with the same semantics.
- A directory selects itself and everything below it; entries are named relative to it,
  as they land under the destination. A selected file is named by the source's base name.

Digests are `sha256:` hex: a file's over its bytes, a symbolic link's over its target
text, a device's or FIFO's over its type and device number, none for a directory. A
selection's digest covers its entries' (name, type, permission bits, digest) in a
canonical order, so it changes with content and modes, not with mtimes, owners or the
order of a directory listing. They follow what the copy writes: BuildKit's own keys also
cover xattrs, and follow links nested in wildcard matches, which the copy does not.

Speed: only what the sources name is walked. Files are read in 1 MiB chunks by a thread
pool as wide as the CPUs this process may use (hashlib releases the GIL while it hashes),
a file once a run, hard links included. A stat cache maps a path with its
(size, mtime, inode, ctime) to its digest; `save()` writes it as one file under the cache
directory, and a hasher on an unchanged context reads no file content at all. As in
git's racy-clean rule, a file changed less than `RACY_NS` before it was read is hashed
but not cached: a later write within the same timestamp tick would leave its stat as
it was.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal, NamedTuple

from dfkit.buildcontext import BuildContext, DockerIgnore, compile_glob
from dfkit.errors import DfkitError
from dfkit.lint.cache import ResultCache, cache_root

EntryType = Literal["file", "dir", "symlink", "other"]
Missing = Literal["not-found", "no-match"]

CHUNK = 1 << 20
RACY_NS = 2_000_000_000  # coarser than any timestamp tick dfkit expects (FAT: 2 s)
MAX_LINKS = 255  # BuildKit's maxSymlinkLimit
FORMAT = 1  # of the stat cache file; bump when its layout changes
_BATCH_BYTES = 4 << 20  # small files go to the pool in batches: one task costs ~10 µs
_BATCH_FILES = 256
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_EMPTY_HEX = hashlib.sha256().hexdigest()
_NEVER = re.compile("(?!)").match
_now_ns = time.time_ns
_path_of = itemgetter(0)
_fadvise = getattr(os, "posix_fadvise", None)  # Linux: read ahead harder on large files

# (context path, name under the destination, lstat)
_Raw = tuple[str, str, os.stat_result]


class _Collected(NamedTuple):
    source: str
    path: str
    wildcard: bool
    missing: Missing | None
    roots: list[list[_Raw]]  # one per source or wildcard match, in BuildKit's order


class Entry(NamedTuple):
    """One selected path. A tuple, not a pydantic model: `COPY . /` makes one per file, and
    a re-plan's budget is a few microseconds each."""

    path: str  # where it is in the context ("." for the root; a followed link's target)
    name: str  # where it lands, relative to the destination ("." for a selected directory)
    type: EntryType
    mode: int  # permission bits, setuid, setgid and sticky included
    size: int
    digest: str  # "" for a directory


@dataclass(frozen=True, slots=True)
class Selection:
    source: str  # as written
    path: str  # cleaned and rooted at the context ("." for the root)
    wildcard: bool
    entries: tuple[Entry, ...]
    missing: Missing | None  # "not-found": BuildKit fails the step; "no-match": it copies nothing
    digest: str


@dataclass(frozen=True, slots=True)
class SourcesDigest:
    selections: tuple[Selection, ...]
    digest: str

    @property
    def missing(self) -> tuple[str, ...]:
        """The sources BuildKit would fail on."""
        return tuple(s.source for s in self.selections if s.missing == "not-found")


class ContextHasher:
    """Selects and digests COPY/ADD sources in one build context; `save` keeps what it
    learnt for the next run."""

    def __init__(self, context: BuildContext, *, cache_dir: Path | None = None) -> None:
        absolute = os.path.abspath(context.root)
        self._root = os.path.realpath(absolute).rstrip("/") + "/"  # as fsutil resolves it
        try:
            self._root_stat = os.stat(self._root)
        except OSError as error:
            raise DfkitError(f"cannot open the build context: {error.strerror}", path=absolute) from None
        if not stat.S_ISDIR(self._root_stat.st_mode):
            raise DfkitError("the build context is not a directory", path=absolute)
        self._ignore = _Rules.of(context.ignore)
        name = hashlib.sha256(os.fsencode(absolute)).hexdigest()[:32]
        self._cache_root = cache_dir if cache_dir is not None else cache_root(None)
        self._cache_file = self._cache_root / "context" / f"{name}.json"
        self._absolute = absolute
        self._records = self._load()  # path -> [size, mtime_ns, ino, ctime_ns, hex digest]
        self._unsettled: set[str] = set()  # hashed this run, too fresh (or moving) to cache
        self._seen: set[str] = set()
        self._complete = False  # whether `_seen` holds every file: then `save` drops the rest
        self._dirty = False
        self._by_inode: dict[tuple[int, ...], tuple[str, bool]] = {}  # hard links are read once
        self._workers = _usable_cpus()
        self._started = 0

    def select(self, source: str, *, excludes: Sequence[str] = (), follow_symlinks: bool = True) -> Selection:
        """What one COPY/ADD source selects, digested."""
        return self.digest([source], excludes=excludes, follow_symlinks=follow_symlinks).selections[0]

    def digest(
        self, sources: Sequence[str], *, excludes: Sequence[str] = (), follow_symlinks: bool = True
    ) -> SourcesDigest:
        """The sources of one COPY/ADD, digested together. `follow_symlinks` resolves each
        source (and each wildcard match) that is itself a link: BuildKit's Dockerfile
        COPY and ADD do (`FollowSymlinks: true`)."""
        self._started = _now_ns()
        exclude = _Rules.of(DockerIgnore.from_patterns(excludes))
        with _gc_paused():
            collected = [self._collect(source, exclude, follow_symlinks) for source in sources]
            self._hash(raw for each in collected for root in each.roots for raw in root)
            selections = tuple(self._selection(each) for each in collected)
            del collected  # freed before the collector is back, not scanned by it
        combined = hashlib.sha256("".join(s.digest + "\n" for s in selections).encode())
        return SourcesDigest(selections, "sha256:" + combined.hexdigest())

    def save(self) -> None:
        """Write the stat cache, atomically; a cache that cannot be written is skipped."""
        if not self._dirty:
            return
        records, unsettled = self._records, self._unsettled
        keep = self._seen if self._complete else records.keys()
        files = {path: records[path] for path in keep if path in records and path not in unsettled}
        payload = {"format": FORMAT, "context": self._absolute, "files": files}
        try:
            if not self._cache_root.is_dir():
                ResultCache(self._cache_root)._create_root()  # its markers: .gitignore, CACHEDIR.TAG
            self._cache_file.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self._cache_file.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(payload, out, separators=(",", ":"), ensure_ascii=False)
            os.replace(temporary, self._cache_file)
        except OSError:
            return
        self._dirty = False

    # -- selecting ---------------------------------------------------------------------------

    def _collect(self, source: str, exclude: _Rules | None, follow: bool) -> _Collected:
        path = BuildContext.relative(source)
        parts = path.split("/") if path else []
        first = next((i for i, part in enumerate(parts) if _contains_wildcards(part)), None)
        if first is None:
            resolved, st = self._resolve(path, follow)
            root = self._root_selection(path, resolved, st, exclude)
            if root is None:
                return _Collected(source, path or ".", False, "not-found", [])
            return _Collected(source, path or ".", False, None, [root])
        # fsutil walks the fixed prefix: missing, it fails ("lstat ..."); not a directory, it
        # matches nothing.
        base, st = self._resolve("/".join(parts[:first]), follow)
        if st is None or not self._present(base):
            return _Collected(source, path, True, "not-found", [])
        roots = []
        if stat.S_ISDIR(st.st_mode):
            for match, match_st in self._matches(base, parts[first:]):
                if follow and stat.S_ISLNK(match_st.st_mode) and not self._ignored(match):
                    resolved, resolved_st = self._resolve(match, follow=True)
                    root = self._root_selection(match, resolved, resolved_st, exclude)
                    if root is None:  # copying it fails: "lstat ...: no such file or directory"
                        return _Collected(source, path, True, "not-found", [])
                else:
                    root = self._root_selection(match, match, match_st, exclude)
                    if root is None:  # not in the context: never matched
                        continue
                roots.append(root)
        return _Collected(source, path, True, None if roots else "no-match", roots)

    def _root_selection(
        self, named: str, path: str, st: os.stat_result | None, exclude: _Rules | None
    ) -> list[_Raw] | None:
        """What one source (or wildcard match) `named`, found at `path`, selects: None when
        the context does not hold it."""
        if st is None:
            return None
        ignore = self._ignore
        decided = ignore.decide_path(path) if ignore else -1
        ignored = ignore is not None and ignore.excluded(decided)
        if not stat.S_ISDIR(st.st_mode):
            return None if ignored else [(path, named.rsplit("/", 1)[-1], st)]
        if _prunes(ignore, decided, path):
            return None
        if not path and exclude is None:
            self._complete = True
        below: list[_Raw] = []
        self._walk(path, decided, exclude, below)
        if ignored and not below:
            return None
        # The canonical order: below a directory, names sort as the paths they end.
        below.sort(key=_path_of)
        return [(path or ".", ".", st), *below]

    def _walk(self, top: str, decided: int, exclude: _Rules | None, out: list[_Raw]) -> None:
        """Append what the context holds below the directory `top`, named relative to it."""
        ignore, S_ISDIR = self._ignore, stat.S_ISDIR
        stack: list[tuple[str, str, int, int, _Pending | None]] = [(top, "", decided, -1, None)]
        while stack:
            directory, name, ignored, excluded, pending = stack.pop()
            prefix = directory + "/" if directory else ""
            name_prefix = name + "/" if name else ""
            if ignore is None and exclude is None:  # the common case, kept lean: once per file
                same = prefix == name_prefix  # below the context root, a name is its path
                for entry, st in self._listing(directory):
                    path = prefix + entry
                    raw = (path, path if same else name_prefix + entry, st)
                    out.append(raw)
                    if S_ISDIR(st.st_mode):
                        stack.append((path, raw[1], -1, -1, None))
                continue
            for entry, st in self._listing(directory):
                path = prefix + entry
                child = name_prefix + entry
                i = ignore.decide(path, ignored) if ignore else -1
                e = exclude.decide(child, excluded) if exclude else -1
                out_by_ignore = ignore is not None and ignore.excluded(i)
                out_by_exclude = exclude is not None and exclude.excluded(e)
                if S_ISDIR(st.st_mode):
                    if out_by_ignore or out_by_exclude:
                        if _prunes(ignore, i, path) or _prunes(exclude, e, child):
                            continue
                        # Walked, and listed only once something below it is.
                        stack.append((path, child, i, e, _Pending((path, child, st), pending)))
                        continue
                    stack.append((path, child, i, e, None))
                elif out_by_ignore or out_by_exclude:
                    continue
                if pending is not None:
                    pending.emit(out)
                    pending = None
                out.append((path, child, st))

    def _matches(self, base: str, patterns: list[str]) -> list[tuple[str, os.stat_result]]:
        """The paths below `base` whose elements match `patterns`, in fsutil's walk order.

        Element by element, so only directories on the way are listed. (fsutil matches the
        whole relative path, where Go lets a class match `/`: `a[^x]b` matches `a/b` there.)
        """
        compiled = [compile_glob(pattern) for pattern in patterns]
        regexes = [regex for regex in compiled if regex is not None]
        if len(regexes) < len(compiled):
            return []  # Go's ErrBadPattern: fsutil's walk counts it as no match
        ignore = self._ignore
        level = [(base, ignore.decide_path(base) if ignore else -1)]
        for depth, regex in enumerate(regexes):
            found = [
                (f"{directory}/{name}" if directory else name, st, decided)
                for directory, decided in level
                for name, st in sorted(self._listing(directory, regex.match))
            ]
            if depth == len(regexes) - 1:
                return [(path, st) for path, st, _ in found]
            level = []
            for path, st, decided in found:
                if stat.S_ISDIR(st.st_mode):  # fsutil's walk does not enter links
                    decided = ignore.decide(path, decided) if ignore else -1
                    if not _prunes(ignore, decided, path):
                        level.append((path, decided))
        return []

    def _present(self, path: str) -> bool:
        """Whether the context holds `path` (an ignored directory: with something below)."""
        ignore = self._ignore
        if ignore is None or not path:
            return True
        decided = ignore.decide_path(path)
        if not ignore.excluded(decided):
            return True
        if _prunes(ignore, decided, path):
            return False
        below: list[_Raw] = []
        self._walk(path, decided, None, below)  # a file's listing is empty
        return bool(below)

    def _resolve(self, path: str, follow: bool) -> tuple[str, os.stat_result | None]:
        """BuildKit's `rootPath`: `path` with its links resolved inside the context (the last
        one only if `follow`), and its lstat; None when the context does not hold it.

        A component that is missing, or a link `.dockerignore` leaves out, is taken as a
        plain name: nothing below it exists, but `..` steps back out of it.
        """
        pending = path.split("/")[::-1] if path else []
        names: list[str] = []
        held: list[bool] = []
        links = 0
        while pending:
            part = pending.pop()
            if part in ("", "."):
                continue
            if part == "..":
                if names:
                    names.pop()
                    held.pop()
                continue
            candidate = "/".join([*names, part])
            st = self._lstat(candidate) if not held or held[-1] else None
            if st is not None and stat.S_ISLNK(st.st_mode) and (pending or follow):
                if not self._ignored(candidate):
                    links += 1
                    if links > MAX_LINKS:
                        return candidate, None  # BuildKit: "too many links"
                    target = os.readlink(self._root + candidate)
                    if target.startswith("/"):
                        names.clear()
                        held.clear()
                    pending.extend(target.split("/")[::-1])
                    continue
                st = None
            names.append(part)
            held.append(st is not None)
        resolved = "/".join(names)
        if not resolved:
            return "", self._root_stat
        return resolved, self._lstat(resolved) if held[-1] else None

    def _ignored(self, path: str) -> bool:
        return self._ignore is not None and self._ignore.excluded(self._ignore.decide_path(path))

    def _lstat(self, path: str) -> os.stat_result | None:
        try:
            return os.lstat(self._root + path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except PermissionError as error:
            raise _unreadable(path, error) from None

    def _listing(
        self, directory: str, keep: Callable[[str], object] | None = None
    ) -> list[tuple[str, os.stat_result]]:
        """A directory's entries (those whose name `keep` accepts) and their lstat. Through a
        directory descriptor: each lstat resolves one name, not the whole path again."""
        try:
            fd = os.open(self._root + directory, _DIRECTORY_FLAGS)
        except PermissionError as error:
            raise _unreadable(directory or ".", error) from None
        except OSError:  # gone, or no longer a directory since the walk saw it
            return []
        listing = []
        try:
            with os.scandir(fd) as entries:
                for entry in entries:
                    if keep is None or keep(entry.name):
                        try:
                            listing.append((entry.name, entry.stat(follow_symlinks=False)))
                        except FileNotFoundError:
                            continue
        except PermissionError as error:
            raise _unreadable(directory or ".", error) from None
        finally:
            os.close(fd)
        return listing

    # -- hashing -----------------------------------------------------------------------------

    def _hash(self, raws: Iterator[_Raw]) -> None:
        """Digest every regular file in `raws` that neither the stat cache nor this run knows."""
        records, seen, by_inode, S_ISREG = self._records, self._seen, self._by_inode, stat.S_ISREG
        jobs: dict[str, os.stat_result] = {}
        queued: set[tuple[int, ...]] = set()
        links: list[tuple[str, os.stat_result, tuple[int, ...]]] = []  # a hard link to a queued file
        for path, _, st in raws:
            if not S_ISREG(st.st_mode):
                continue
            seen.add(path)
            record = records.get(path)
            if (
                record is not None
                and record[0] == st.st_size
                and record[1] == st.st_mtime_ns
                and record[2] == st.st_ino
                and record[3] == st.st_ctime_ns
            ) or path in jobs:
                continue
            inode = _inode_key(st)
            if inode in by_inode:
                self._record(path, st, *by_inode[inode])
            elif inode in queued:
                links.append((path, st, inode))
            else:
                queued.add(inode)
                jobs[path] = st
        if not jobs:
            return
        ordered = sorted(jobs.items(), key=lambda job: job[1].st_size, reverse=True)
        batches = list(_batches(ordered))
        if len(batches) == 1 or self._workers == 1:
            results = [result for batch in batches for result in self._hash_batch(batch)]
        else:
            pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="dfkit-hash")
            try:
                results = [result for done in pool.map(self._hash_batch, batches) for result in done]
            finally:
                pool.shutdown(cancel_futures=True)
        for path, hex_digest, settled in results:
            st = jobs[path]
            self._record(path, st, hex_digest, settled)
            by_inode[_inode_key(st)] = hex_digest, settled
        for path, st, inode in links:
            self._record(path, st, *by_inode[inode])

    def _record(self, path: str, st: os.stat_result, hex_digest: str, settled: bool) -> None:
        self._records[path] = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, hex_digest]
        if not settled:
            self._unsettled.add(path)
        elif path in self._unsettled:
            self._unsettled.remove(path)
        self._dirty = True

    def _hash_batch(self, batch: list[tuple[str, os.stat_result]]) -> list[tuple[str, str, bool]]:
        view = memoryview(bytearray(CHUNK))
        return [(path, *self._hash_file(path, st, view)) for path, st in batch]

    def _hash_file(self, path: str, st: os.stat_result, view: memoryview) -> tuple[str, bool]:
        """The file's sha256, and whether `st` may vouch for it in a later run. It may unless
        the file changed after the walk, or in the racy window before this run: a later
        write gives it a newer ctime, so its record never matches again."""
        settled = st.st_ctime_ns < self._started - RACY_NS
        if st.st_size == 0:
            return _EMPTY_HEX, settled
        try:
            fd = os.open(self._root + path, _OPEN_FLAGS)  # O_NOFOLLOW: a link swapped in stays unread
        except PermissionError as error:
            raise _unreadable(path, error) from None
        except OSError as error:
            raise _changed(path, error) from None
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                raise _changed(path)
            size = opened.st_size
            if size < CHUNK:
                digest = hashlib.sha256(os.read(fd, size))
            else:
                if _fadvise is not None:
                    _fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
                digest = hashlib.sha256()
                while size > 0 and (count := os.readv(fd, [view])):
                    digest.update(view[:count])
                    size -= count
        except PermissionError as error:
            raise _unreadable(path, error) from None
        finally:
            os.close(fd)
        return digest.hexdigest(), settled and _stat_key(opened) == _stat_key(st)

    # -- results -----------------------------------------------------------------------------

    def _selection(self, collected: _Collected) -> Selection:
        entries: list[Entry] = []
        lines: list[str] = []
        records, S_ISREG, S_IMODE = self._records, stat.S_ISREG, stat.S_IMODE  # the loop runs per file
        for root in collected.roots:  # in BuildKit's order: where names collide, a later one wins
            for path, name, st in root:
                if S_ISREG(st.st_mode):
                    mode, digest = S_IMODE(st.st_mode), "sha256:" + records[path][4]
                    entries.append(Entry(path, name, "file", mode, st.st_size, digest))
                    lines.append(f"{name}\0file\0{mode:o}\0{digest}\0")
                else:
                    entry = self._entry(path, name, st)
                    entries.append(entry)
                    lines.append(f"{name}\0{entry.type}\0{entry.mode:o}\0{entry.digest}\0")
        text = "".join(lines).encode("utf-8", "surrogateescape")
        source, path, wildcard, missing, _ = collected
        return Selection(source, path, wildcard, tuple(entries), missing, _sha256(text))

    def _entry(self, path: str, name: str, st: os.stat_result) -> Entry:
        """A directory, link or special file."""
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            return Entry(path, name, "dir", stat.S_IMODE(mode), st.st_size, "")
        if stat.S_ISLNK(mode):
            target = os.fsencode(os.readlink(self._root + path))
            return Entry(path, name, "symlink", stat.S_IMODE(mode), st.st_size, _sha256(target))
        device = f"{stat.S_IFMT(mode):o}:{st.st_rdev}".encode()
        return Entry(path, name, "other", stat.S_IMODE(mode), st.st_size, _sha256(device))

    def _load(self) -> dict[str, list[Any]]:
        """The stat cache an earlier run saved; empty when missing, foreign or damaged."""
        try:
            with open(self._cache_file, "rb") as handle, _gc_paused():
                payload = json.load(handle)
            files: dict[str, list[Any]] = payload["files"]
            if payload["format"] != FORMAT or payload["context"] != self._absolute:
                return {}
            if all(type(record) is list and len(record) == 5 for record in files.values()):
                return files
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            pass
        return {}


class _Rules:
    """Ignore patterns, decided down a walk: a path needs only the patterns after the one
    that decided for its parent (moby's MatchesUsingParentResults, read backwards). A
    decision is the index of the last pattern that matches the path or a parent, -1 for
    none; the path is out when that pattern is not a `!` exception."""

    __slots__ = ("_match", "_excluding", "_exceptions", "_walk_all")

    def __init__(self, ignore: DockerIgnore) -> None:
        self._match = [p.regex.match if p.regex is not None else _NEVER for p in ignore.patterns]
        self._excluding = [not p.exclusion for p in ignore.patterns]
        # fsutil's walker enters an excluded directory only if an exception could re-include
        # something below it; a wildcard-free exception (a trailing /** or /* aside) can only
        # when it names a path inside.
        literals = [_without_trailing_glob(p.text) for p in ignore.patterns if p.exclusion]
        self._walk_all = any(_has_glob_chars(text) for text in literals)
        self._exceptions = tuple(text + "/" for text in literals)

    @classmethod
    def of(cls, ignore: DockerIgnore) -> _Rules | None:
        return cls(ignore) if ignore.patterns else None

    def decide(self, path: str, parent: int) -> int:
        match = self._match
        for index in range(len(match) - 1, parent, -1):
            if match[index](path):
                return index
        return parent

    def decide_path(self, path: str) -> int:
        """The decision for a path reached without walking down to it."""
        decided = -1
        if path:
            parts = path.split("/")
            for end in range(1, len(parts) + 1):
                decided = self.decide("/".join(parts[:end]), decided)
        return decided

    def excluded(self, decided: int) -> bool:
        return decided >= 0 and self._excluding[decided]

    def prunes(self, decided: int, directory: str) -> bool:
        """Whether nothing below an excluded directory can come back."""
        return self.excluded(decided) and not self.may_reinclude_below(directory)

    def may_reinclude_below(self, directory: str) -> bool:
        prefix = directory + "/"
        return self._walk_all or any(text.startswith(prefix) for text in self._exceptions)


class _Pending:
    """An excluded directory walked for what exceptions bring back: listed, with its own
    excluded parents, when the first such path is."""

    __slots__ = ("raw", "parent", "listed")

    def __init__(self, raw: _Raw, parent: _Pending | None) -> None:
        self.raw = raw
        self.parent = parent
        self.listed = False

    def emit(self, out: list[_Raw]) -> None:
        node: _Pending | None = self
        while node is not None and not node.listed:
            out.append(node.raw)
            node.listed = True
            node = node.parent


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A walk allocates an object or two a file and frees none, and the stat cache holds
    another 50,000 containers on a large context: each garbage collection would scan them
    all, for cycles that are not there (a third of a re-plan's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # the CPUs this process may run on, not the machine's
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _prunes(rules: _Rules | None, decided: int, directory: str) -> bool:
    return rules is not None and rules.prunes(decided, directory)


def _batches(jobs: list[tuple[str, os.stat_result]]) -> Iterator[list[tuple[str, os.stat_result]]]:
    batch: list[tuple[str, os.stat_result]] = []
    size = 0
    for job in jobs:
        batch.append(job)
        size += job[1].st_size
        if size >= _BATCH_BYTES or len(batch) >= _BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _contains_wildcards(name: str) -> bool:
    """BuildKit's `containsWildcards`: `*`, `?` or `[`, unless escaped by a backslash."""
    i = 0
    while i < len(name):
        if name[i] == "\\":
            i += 1
        elif name[i] in "*?[":
            return True
        i += 1
    return False


def _has_glob_chars(text: str) -> bool:
    return any(ch in "*?[\\" for ch in text)


def _without_trailing_glob(text: str) -> str:
    return text.removesuffix("/**").removesuffix("/*")


def _stat_key(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns


def _inode_key(st: os.stat_result) -> tuple[int, ...]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _changed(path: str, error: OSError | None = None) -> DfkitError:
    reason = f": {error.strerror}" if error is not None else ""
    return DfkitError(f"{path!r} changed while the build context was read{reason}", path=path)


def _unreadable(path: str, error: OSError) -> DfkitError:
    return DfkitError(
        f"cannot read {path!r} in the build context: {error.strerror}",
        path=path,
        hint="BuildKit could not send it either: make it readable, or list it in .dockerignore",
    )
