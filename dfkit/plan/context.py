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

A re-plan still lstats every path a source selects (at 50,000 files, most of its time),
but need not do much more. Selecting a source hashes all the file system showed on the
way (each listing's names and lstats, each lstat and link read while resolving) into a
fingerprint; the cache keeps each source's last fingerprint with its digest and entries.
The same fingerprint means the same selection: the digest is taken as it is, the entries
are read only if someone asks for them. As with files, a source is cached only when
every path it selects is settled.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter, itemgetter
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
FORMAT = 2  # of the stat cache file; bump when its layout changes
_BATCH_BYTES = 4 << 20  # small files go to the pool in batches: one task costs ~10 µs
_BATCH_FILES = 256
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_EMPTY_HEX = hashlib.sha256().hexdigest()
_NEVER = re.compile("(?!)").match
_now_ns = time.time_ns
_path_of = itemgetter(0)
_name_of = attrgetter("name")
_stat_key = attrgetter("st_size", "st_mtime_ns", "st_ino", "st_ctime_ns")  # what a record vouches by
_seen_key = attrgetter("st_mode", "st_size", "st_mtime_ns", "st_ino", "st_ctime_ns")  # what a fingerprint takes
_fadvise = getattr(os, "posix_fadvise", None)  # Linux: read ahead harder on large files

# (context path, name under the destination, lstat)
_Raw = tuple[str, str, os.stat_result]
# (size, mtime_ns, inode, ctime_ns, hex digest): a stat cache record
_Record = tuple[int, int, int, int, str]
# (source, follow_symlinks, excludes): what a cached fingerprint, digest and entries belong to
_Key = tuple[str, bool, tuple[str, ...]]
# (fingerprint, entries): a source's entries as the cache keeps them
_Listed = tuple[bytes, tuple[tuple[object, ...], ...]]


class _Held(NamedTuple):
    """An excluded directory walked for what exceptions bring back, and the excluded
    directories above it: listed once something below it is."""

    raw: _Raw
    parent: _Held | None


class _Walked(NamedTuple):
    """A directory a walk entered, the decisions that led there, and what it holds."""

    directory: str
    name: str  # relative to where the walk started
    ignored: int
    excluded: int
    held: _Held | None
    names: list[str]
    stats: list[os.stat_result]


class _Root(NamedTuple):
    raw: _Raw  # the source or wildcard match itself
    walked: list[_Walked]  # the directories below it; none for a file


class _Collected(NamedTuple):
    source: str
    path: str
    wildcard: bool
    missing: Missing | None
    roots: list[_Root]  # one per source or wildcard match, in BuildKit's order
    exclude: _Rules | None
    fingerprint: bytes  # of everything the file system showed while selecting


class Entry(NamedTuple):
    """One selected path. A tuple, not a pydantic model: `COPY . /` makes one per file, and
    a re-plan's budget is a few microseconds each."""

    path: str  # where it is in the context ("." for the root; a followed link's target)
    name: str  # where it lands, relative to the destination ("." for a selected directory)
    type: EntryType
    mode: int  # permission bits, setuid, setgid and sticky included
    size: int
    digest: str  # "" for a directory


@dataclass(frozen=True, slots=True, eq=False)
class Selection:
    source: str  # as written
    path: str  # cleaned and rooted at the context ("." for the root)
    wildcard: bool
    missing: Missing | None  # "not-found": BuildKit fails the step; "no-match": it copies nothing
    digest: str
    _entries: tuple[Entry, ...] | Callable[[], tuple[Entry, ...]] = field(repr=False)

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Listed on first use: a re-plan that finds a source unchanged needs only its
        digest, and 50,000 entries cost half as much again to read back."""
        listed = self._entries
        if callable(listed):
            listed = listed()
            object.__setattr__(self, "_entries", listed)
        return listed

    def _fields(self) -> tuple[object, ...]:
        return self.source, self.path, self.wildcard, self.missing, self.digest

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Selection):
            return NotImplemented
        return self._fields() == other._fields() and self.entries == other.entries

    def __hash__(self) -> int:
        return hash(self._fields())


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
        self._cache_file = self._cache_root / "context" / f"{name}.marshal"
        self._absolute = absolute
        self._digests = self._load()
        # Read from the cache file on first use: a re-plan that finds its sources unchanged
        # needs neither.
        self._lists: dict[_Key, _Listed] | None = None
        self._records: dict[str, _Record] | None = None
        self._unsettled: set[str] = set()  # hashed this run, too fresh (or moving) to cache
        self._seen: set[str] = set()
        self._complete = False  # whether `_seen` holds every file: then `save` drops the rest
        self._dirty = False
        self._by_inode: dict[tuple[int, ...], tuple[str, bool]] = {}  # hard links are read once
        self._workers = _usable_cpus()
        self._started = 0
        # What a selection depends on besides what the file system shows on the way.
        patterns = tuple((p.text, p.exclusion) for p in context.ignore.patterns)
        self._seed = marshal.dumps((self._root, patterns), 2)
        self._observed = hashlib.sha256()

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
        keys = [(source, follow_symlinks, tuple(excludes)) for source in sources]
        with _gc_paused():
            collected = [self._collect(source, exclude, follow_symlinks) for source in sources]
            known = [self._known(key, each.fingerprint) for key, each in zip(keys, collected)]
            # Only what the cache does not know unchanged is listed and hashed.
            raws = [[] if digest is not None else self._raws(each) for each, digest in zip(collected, known)]
            if any(raws):  # else the records need not even be read
                self._hash(raw for each in raws for raw in each)
            selections = tuple(map(self._selection, keys, collected, known, raws))
            del collected, raws  # freed before the collector is back, not scanned by it
        combined = hashlib.sha256("".join(s.digest + "\n" for s in selections).encode())
        return SourcesDigest(selections, "sha256:" + combined.hexdigest())

    def save(self) -> None:
        """Write the stat cache, atomically; a cache that cannot be written is skipped."""
        if not self._dirty:
            return
        records, unsettled = self._files(), self._unsettled
        keep = self._seen if self._complete else records.keys()
        files = {path: records[path] for path in keep if path in records and path not in unsettled}
        digests = self._digests
        lists = {
            key: (fingerprint, tuple(map(tuple, entries)))  # marshal takes no NamedTuple
            for key, (fingerprint, entries) in self._entry_lists().items()
            if key in digests and digests[key][0] == fingerprint
        }
        # The digests, then the entry lists and the records, each of these two marshalled
        # to bytes first: a reader passes over it in one read.
        payload = b"".join([
            marshal.dumps((FORMAT, self._absolute, digests)),
            marshal.dumps(marshal.dumps(lists)),
            marshal.dumps(marshal.dumps(files, 2)),  # no back-references: faster both ways here
        ])
        try:
            if not self._cache_root.is_dir():
                ResultCache(self._cache_root)._create_root()  # its markers: .gitignore, CACHEDIR.TAG
            self._cache_file.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self._cache_file.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(payload)
            os.replace(temporary, self._cache_file)
        except OSError:
            return
        self._dirty = False

    # -- selecting ---------------------------------------------------------------------------

    def _collect(self, source: str, exclude: _Rules | None, follow: bool) -> _Collected:
        """What `source` selects, and the fingerprint of what was seen on the way."""
        self._observed = hashlib.sha256(self._seed)
        path = BuildContext.relative(source)
        wildcard, missing, roots = self._roots(path, exclude, follow)
        return _Collected(source, path or ".", wildcard, missing, roots, exclude, self._observed.digest())

    def _roots(
        self, path: str, exclude: _Rules | None, follow: bool
    ) -> tuple[bool, Missing | None, list[_Root]]:
        """Whether `path` has wildcards, what BuildKit would say is missing, and the roots."""
        parts = path.split("/") if path else []
        first = next((i for i, part in enumerate(parts) if _contains_wildcards(part)), None)
        if first is None:
            resolved, st = self._resolve(path, follow)
            root = self._root_selection(path, resolved, st, exclude)
            return (False, "not-found", []) if root is None else (False, None, [root])
        # fsutil walks the fixed prefix: missing, it fails ("lstat ..."); not a directory, it
        # matches nothing.
        base, st = self._resolve("/".join(parts[:first]), follow)
        if st is None or not self._present(base):
            return True, "not-found", []
        roots = []
        if stat.S_ISDIR(st.st_mode):
            for match, match_st in self._matches(base, parts[first:]):
                if follow and stat.S_ISLNK(match_st.st_mode) and not self._ignored(match):
                    resolved, resolved_st = self._resolve(match, follow=True)
                    root = self._root_selection(match, resolved, resolved_st, exclude)
                    if root is None:  # copying it fails: "lstat ...: no such file or directory"
                        return True, "not-found", []
                else:
                    root = self._root_selection(match, match, match_st, exclude)
                    if root is None:  # not in the context: never matched
                        continue
                roots.append(root)
        return True, None if roots else "no-match", roots

    def _root_selection(
        self, named: str, path: str, st: os.stat_result | None, exclude: _Rules | None
    ) -> _Root | None:
        """What one source (or wildcard match) `named`, found at `path`, selects: None when
        the context does not hold it."""
        if st is None:
            return None
        ignore = self._ignore
        decided = ignore.decide_path(path) if ignore else -1
        ignored = ignore is not None and ignore.excluded(decided)
        if not stat.S_ISDIR(st.st_mode):
            return None if ignored else _Root((path, named.rsplit("/", 1)[-1], st), [])
        if _prunes(ignore, decided, path):
            return None
        walked = self._scan(path, decided, exclude)
        if ignored and not self._below(walked, exclude):
            return None
        return _Root((path or ".", ".", st), walked)

    def _scan(self, top: str, decided: int, exclude: _Rules | None) -> list[_Walked]:
        """List the directory `top` and every directory below it that a walk enters. Only
        directories are decided on here: what a listing holds is sorted out by `_below`,
        when someone needs it."""
        ignore, S_ISDIR = self._ignore, stat.S_ISDIR
        walked: list[_Walked] = []
        stack: list[tuple[str, str, int, int, _Held | None]] = [(top, "", decided, -1, None)]
        while stack:
            directory, name, ignored, excluded, held = stack.pop()
            names, stats = self._listing(directory)
            walked.append(_Walked(directory, name, ignored, excluded, held, names, stats))
            prefix = directory + "/" if directory else ""
            name_prefix = name + "/" if name else ""
            for entry, st in zip(names, stats):
                if not S_ISDIR(st.st_mode):
                    continue
                path, child = prefix + entry, name_prefix + entry
                if ignore is None and exclude is None:
                    stack.append((path, child, -1, -1, None))
                    continue
                i = ignore.decide(path, ignored) if ignore else -1
                e = exclude.decide(child, excluded) if exclude else -1
                if (ignore is not None and ignore.excluded(i)) or (exclude is not None and exclude.excluded(e)):
                    if _prunes(ignore, i, path) or _prunes(exclude, e, child):
                        continue
                    # Walked, and listed only once something below it is.
                    stack.append((path, child, i, e, _Held((path, child, st), held)))
                else:
                    stack.append((path, child, i, e, None))
        return walked

    def _below(self, walked: list[_Walked], exclude: _Rules | None) -> list[_Raw]:
        """What the context holds (and `exclude` keeps) in the directories a walk entered,
        named relative to where it started, in the canonical order: below a directory,
        names sort as the paths they end."""
        ignore = self._ignore
        out: list[_Raw] = []
        if ignore is None and exclude is None:  # the common case, kept lean: once per file
            for directory, name, _, _, _, names, stats in walked:
                paths = [directory + "/" + entry for entry in names] if directory else names
                if name == directory:  # below the context root, a name is its path
                    named = paths
                else:
                    named = [name + "/" + entry for entry in names] if name else names
                out.extend(zip(paths, named, stats))
            out.sort(key=_path_of)
            return out
        listed: set[str] = set()
        for directory, name, ignored, excluded, held, names, stats in walked:
            prefix = directory + "/" if directory else ""
            name_prefix = name + "/" if name else ""
            for entry, st in zip(names, stats):
                path, child = prefix + entry, name_prefix + entry
                i = ignore.decide(path, ignored) if ignore else -1
                e = exclude.decide(child, excluded) if exclude else -1
                if (ignore is not None and ignore.excluded(i)) or (exclude is not None and exclude.excluded(e)):
                    continue  # a directory walked for exceptions is listed through `held`
                while held is not None and held.raw[0] not in listed:
                    out.append(held.raw)
                    listed.add(held.raw[0])
                    held = held.parent
                held = None
                out.append((path, child, st))
        out.sort(key=_path_of)
        return out

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
                for name, st in sorted(zip(*self._listing(directory, regex.match)))
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
        return bool(self._below(self._scan(path, decided, None), None))  # a file's listing is empty

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
                    self._observe(candidate, target)
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
            self._observe("", _seen_key(self._root_stat))
            return "", self._root_stat
        return resolved, self._lstat(resolved) if held[-1] else None

    def _ignored(self, path: str) -> bool:
        return self._ignore is not None and self._ignore.excluded(self._ignore.decide_path(path))

    def _lstat(self, path: str) -> os.stat_result | None:
        try:
            st = os.lstat(self._root + path)
        except (FileNotFoundError, NotADirectoryError):
            st = None
        except PermissionError as error:
            raise _unreadable(path, error) from None
        self._observe(path, None if st is None else _seen_key(st))
        return st

    def _listing(
        self, directory: str, keep: Callable[[str], object] | None = None
    ) -> tuple[list[str], list[os.stat_result]]:
        """A directory's entries (those whose name `keep` accepts) and their lstat, observed.
        Through a directory descriptor: each lstat resolves one name, not the whole path again."""
        entries: list[os.DirEntry[str]] = []
        stats: list[os.stat_result] = []
        try:
            fd = os.open(self._root + directory, _DIRECTORY_FLAGS)
        except PermissionError as error:
            raise _unreadable(directory or ".", error) from None
        except OSError:  # gone, or no longer a directory since the walk saw it
            pass
        else:
            try:
                with os.scandir(fd) as listing:
                    entries = list(listing) if keep is None else [entry for entry in listing if keep(entry.name)]
                try:
                    stats = [entry.stat(follow_symlinks=False) for entry in entries]
                except FileNotFoundError:  # gone since listed; the others keep the lstat they got
                    entries = [entry for entry in entries if _still_there(entry)]
                    stats = [entry.stat(follow_symlinks=False) for entry in entries]
            except PermissionError as error:
                raise _unreadable(directory or ".", error) from None
            finally:
                os.close(fd)
        names = list(map(_name_of, entries))
        self._observe(directory, names, list(map(_seen_key, stats)))
        return names, stats

    def _observe(self, *seen: str | list[str] | tuple[int, ...] | list[tuple[int, ...]] | None) -> None:
        """Add what the file system showed to the fingerprint of the source being selected.
        Marshal version 2 writes no back-references or interning marks, so equal values
        give equal bytes; each value's bytes say where they end, so their concatenation
        is unambiguous."""
        self._observed.update(marshal.dumps(seen, 2))

    # -- hashing -----------------------------------------------------------------------------

    def _hash(self, raws: Iterable[_Raw]) -> None:
        """Digest every regular file in `raws` that neither the stat cache nor this run knows."""
        records, seen, by_inode, S_ISREG = self._files(), self._seen, self._by_inode, stat.S_ISREG
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
        self._files()[path] = st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, hex_digest
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

    def _known(self, key: _Key, fingerprint: bytes) -> str | None:
        """The digest a source had when the file system last showed the same."""
        cached = self._digests.get(key)
        return cached[1] if cached is not None and cached[0] == fingerprint else None

    def _raws(self, collected: _Collected) -> list[_Raw]:
        """Each root the source selects, followed by what it holds."""
        raws: list[_Raw] = []
        for raw, walked in collected.roots:
            raws.append(raw)
            if walked:
                raws.extend(self._below(walked, collected.exclude))
                if raw[0] == "." and collected.exclude is None:
                    self._complete = True  # all the context holds, about to be hashed
        return raws

    def _selection(
        self, key: _Key, collected: _Collected, known: str | None, raws: list[_Raw]
    ) -> Selection:
        source, path, wildcard, missing = collected[:4]
        if known is not None:  # listed if asked: the walk is not kept for it
            listing = partial(self._list, key, collected.exclude, collected.fingerprint)
            return Selection(source, path, wildcard, missing, known, listing)
        entries, digest, settled = self._entries(raws)
        if settled and self._digests.get(key) != (collected.fingerprint, digest):
            self._digests[key] = collected.fingerprint, digest
            self._entry_lists()[key] = collected.fingerprint, entries
            self._dirty = True
        return Selection(source, path, wildcard, missing, digest, entries)

    def _list(self, key: _Key, exclude: _Rules | None, fingerprint: bytes) -> tuple[Entry, ...]:
        """The entries of a source found unchanged: as the cache listed them, or (should
        another run have replaced that list since) selected again."""
        listed = self._entry_lists().get(key)
        if listed is not None and listed[0] == fingerprint:
            try:
                return tuple(map(Entry._make, listed[1]))
            except TypeError:  # not entries as this code writes them
                pass
        source, follow, _ = key
        with _gc_paused():
            collected = self._collect(source, exclude, follow)
            if collected.fingerprint != fingerprint:  # its digest would no longer be its own
                raise _changed(source)
            raws = self._raws(collected)
            self._hash(raws)  # reads nothing while the stat cache vouches for every file
            return self._entries(raws)[0]

    def _entries(self, raws: list[_Raw]) -> tuple[tuple[Entry, ...], str, bool]:
        """The entries, their digest, and whether their stats may vouch for that digest in a
        later run: not when a file was too fresh to cache, nor a link or special file as
        fresh (re-creating one within a timestamp tick can leave its stat as it was)."""
        entries: list[Entry] = []
        lines: list[str] = []
        records, S_ISREG, S_ISDIR, S_IMODE = self._files(), stat.S_ISREG, stat.S_ISDIR, stat.S_IMODE
        settled, fresh = True, self._started - RACY_NS
        for path, name, st in raws:  # in BuildKit's order: where names collide, a later one wins
            if S_ISREG(st.st_mode):
                mode, digest = S_IMODE(st.st_mode), "sha256:" + records[path][4]
                entries.append(Entry(path, name, "file", mode, st.st_size, digest))
                lines.append(f"{name}\0file\0{mode:o}\0{digest}\0")
            else:
                entry = self._entry(path, name, st)
                entries.append(entry)
                lines.append(f"{name}\0{entry.type}\0{entry.mode:o}\0{entry.digest}\0")
                settled = settled and (S_ISDIR(st.st_mode) or st.st_ctime_ns < fresh)
        unsettled = self._unsettled
        settled = settled and (not unsettled or unsettled.isdisjoint(map(_path_of, raws)))
        text = "".join(lines).encode("utf-8", "surrogateescape")
        return tuple(entries), _sha256(text), settled

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

    def _load(self) -> dict[_Key, tuple[bytes, str]]:
        digests = self._read(0)
        if _tuples_by_key(digests, 2) and all(
            type(fingerprint) is bytes and type(digest) is str for fingerprint, digest in digests.values()
        ):
            return digests
        return {}

    def _entry_lists(self) -> dict[_Key, _Listed]:
        if self._lists is None:
            lists = self._read(1)
            self._lists = lists if _tuples_by_key(lists, 2) else {}
        return self._lists

    def _files(self) -> dict[str, _Record]:
        if self._records is None:
            records = self._read(2)
            self._records = records if _tuples_by_key(records, 5) else {}
        return self._records

    def _read(self, section: int) -> Any:
        """A value the cache file holds (0: the digests, 1: the entry lists, 2: the records),
        or None when the file is missing, foreign or damaged. Should another run have
        replaced the file since this one read the digests, its lists and records are as
        good: a list vouches only for its own fingerprint, a record for its own stat."""
        try:
            with open(self._cache_file, "rb") as handle:
                format_, context, value = marshal.load(handle)
                if format_ != FORMAT or context != self._absolute:
                    return None
                for _ in range(section):
                    value = marshal.load(handle)
            return marshal.loads(value) if section else value
        except (OSError, EOFError, ValueError, TypeError, MemoryError):  # MemoryError: a damaged size
            return None


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


def _tuples_by_key(value: object, length: int) -> bool:
    """Whether `value` is shaped as `save` writes each part: a dict of `length`-tuples."""
    return type(value) is dict and all(type(item) is tuple and len(item) == length for item in value.values())


def _still_there(entry: os.DirEntry[str]) -> bool:
    try:
        entry.stat(follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


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
