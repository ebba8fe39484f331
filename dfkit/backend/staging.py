"""What a COPY or ADD takes, laid out on disk for `buildah copy`/`add`.

buildah would read the context itself, but by its own rules; dfkit hands it a staging
directory holding exactly what the plan's selection names (`ContextHasher`: the
`.dockerignore`, wildcards, `--exclude`, links resolved inside the context), so the
files copied are the files digested. Files are hard-linked from the context where the
filesystem allows (no data is copied), copied otherwise.

Each source is staged on its own, so that buildah applies Docker's destination rules to
it: one file lands at the destination path (or in it, for a directory or a trailing
`/`), a directory or a set of wildcard matches lands in it. Heredocs become files; URLs
are downloaded here and checked against `--checksum`.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import os
import posixpath
import shutil
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from dfkit.backend.buildah import BackendError
from dfkit.plan import model as m
from dfkit.plan.context import Selection, SourcesDigest

DOWNLOAD_TIMEOUT = 60  # seconds without a byte before a download fails
HEREDOC_MODE = 0o644  # BuildKit's mode for a file COPY writes from a heredoc
URL_MODE = 0o600  # Docker's mode for a file ADD downloads


class Digester(Protocol):
    """What staging needs of a `ContextHasher`."""

    def digest(self, sources: Sequence[str], *, excludes: Sequence[str] = ()) -> SourcesDigest: ...


@dataclass(frozen=True)
class Transfer:
    """One `buildah copy` or `buildah add`: host paths, or paths inside `from_image`."""

    verb: Literal["copy", "add"]
    sources: tuple[str, ...]
    from_image: str | None = None


class Stager:
    """Stages the sources of COPY/ADD steps (and of RUN's context bind mounts) under `root`."""

    def __init__(self, context_root: Path, hasher: Digester, root: Path) -> None:
        # Selections name paths below the context as the hasher resolved it.
        self._context = Path(os.path.realpath(context_root))
        self._hasher = hasher
        self._root = root
        self._root.mkdir(parents=True, exist_ok=True)
        self._count = 0

    def transfers(self, spec: m.CopySpec, stage_images: dict[int, str | None]) -> list[Transfer]:
        """What to copy or add, in the order the instruction names it."""
        context_sources = [source.path for source in spec.sources if source.kind == "context"]
        selections = iter(self._select(context_sources, spec.excludes) if context_sources else ())
        transfers: list[Transfer] = []
        for source in spec.sources:
            if source.kind == "context":
                staged = self.mirror(next(selections), parents=spec.parents)
                if staged is not None:
                    # ADD extracts a local archive; buildah's `add` recognises one as Docker does.
                    transfers.append(Transfer("add" if spec.add else "copy", (str(staged),)))
            elif source.kind == "heredoc":
                transfers.append(Transfer("copy", (str(self._heredoc(source)),)))
            elif source.kind == "url":
                transfers.append(Transfer("copy", (str(self._download(source.path, spec.checksum)),)))
            elif source.kind == "stage":
                assert source.stage is not None
                image = stage_images.get(source.stage)
                if image is None:
                    raise BackendError(f"stage {source.stage} has no files to copy {source.path!r} from")
                transfers.append(Transfer("copy", (source.path,), from_image=image))
            elif source.kind == "image":
                transfers.append(Transfer("copy", (source.path,), from_image=source.image))
            else:
                raise BackendError(f"cannot copy a {source.kind} source: {source.path}")
        return _merged(transfers)

    def mirror(self, selection: Selection, *, parents: bool = False) -> Path | None:
        """A selection on disk: one file as itself, anything else as a directory to copy
        the content of; None when a wildcard matched nothing."""
        entries = selection.entries
        if not entries:
            return None
        directory = self._fresh()
        if len(entries) == 1 and entries[0].type == "file" and not selection.wildcard and not parents:
            directory.mkdir()
            target = directory / entries[0].name
            self._link(entries[0].path, target)
            return target
        pivot = _parents_pivot(selection.source) if parents else None
        modes: list[tuple[Path, int]] = []
        directory.mkdir()
        for entry in entries:
            name = entry.name
            if parents:
                name = entry.path if pivot is None else posixpath.relpath(entry.path, pivot)
            target = directory / name if name != "." else directory
            if target != directory:
                target.parent.mkdir(parents=True, exist_ok=True)
            if entry.type == "dir":
                target.mkdir(parents=True, exist_ok=True)
                if target != directory:
                    modes.append((target, entry.mode))
            elif entry.type == "file":
                self._link(entry.path, target)
            elif entry.type == "symlink":
                _replace(target)
                os.symlink(os.readlink(self._context / entry.path), target)
            else:
                raise BackendError(f"cannot stage {entry.path!r}: not a file, directory or symbolic link")
        # Modes last, deepest first: a read-only directory must be filled before it is one.
        for target, mode in reversed(modes):
            os.chmod(target, mode)
        return directory

    def select(self, source: str) -> Path:
        """A context path for a RUN bind mount: staged, so `.dockerignore` holds there too."""
        [selection] = self._select([source or "."], ())
        staged = self.mirror(selection)
        if staged is None:
            raise BackendError(f"{source!r} selects nothing in the build context")
        return staged

    def _select(self, sources: Sequence[str], excludes: Sequence[str]) -> tuple[Selection, ...]:
        digested = self._hasher.digest(sources, excludes=excludes)
        for selection in digested.selections:
            if selection.missing == "not-found":
                raise BackendError(f"{selection.source!r} not found in the build context")
        return digested.selections

    def _heredoc(self, source: m.SourceSpec) -> Path:
        directory = self._fresh()
        directory.mkdir()
        target = directory / source.path
        target.write_bytes((source.content or "").encode("utf-8", "surrogateescape"))
        os.chmod(target, HEREDOC_MODE)
        return target

    def _download(self, url: str, checksum: str | None) -> Path:
        algorithm, _, expected = (checksum or "sha256:").partition(":")
        if algorithm not in ("sha256", "sha384", "sha512"):
            raise BackendError(f"--checksum={checksum}: expected sha256:, sha384: or sha512: and a hex digest")
        directory = self._fresh()
        directory.mkdir()
        # BuildKit names the file after the URL's last path element.
        name = posixpath.basename(urllib.parse.unquote(urllib.parse.urlsplit(url).path)) or "__unnamed__"
        target = directory / name
        digest = hashlib.new(algorithm)
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response, open(target, "wb") as out:
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
                modified = response.headers.get("Last-Modified")
        except OSError as error:
            raise BackendError(f"cannot download {url}: {error}") from None
        if expected and digest.hexdigest() != expected.lower():
            raise BackendError(f"{url}: checksum mismatch: expected {checksum}, got {algorithm}:{digest.hexdigest()}")
        os.chmod(target, URL_MODE)
        if modified:
            # Docker gives the file the server's Last-Modified time.
            with contextlib.suppress(TypeError, ValueError, OverflowError, OSError):
                stamp = email.utils.parsedate_to_datetime(modified).timestamp()
                os.utime(target, (stamp, stamp))
        return target

    def _link(self, path: str, target: Path) -> None:
        source = self._context / path
        _replace(target)
        try:
            os.link(source, target)
        except OSError:  # another filesystem, or protected_hardlinks and a file not ours
            shutil.copy2(source, target)

    def _fresh(self) -> Path:
        self._count += 1
        return self._root / str(self._count)


def _merged(transfers: list[Transfer]) -> list[Transfer]:
    """Consecutive transfers of one kind as one buildah call (several sources: `dest` is a directory)."""
    merged: list[Transfer] = []
    for transfer in transfers:
        previous = merged[-1] if merged else None
        if previous is not None and (previous.verb, previous.from_image) == (transfer.verb, transfer.from_image):
            merged[-1] = Transfer(transfer.verb, previous.sources + transfer.sources, transfer.from_image)
        else:
            merged.append(transfer)
    return merged


def _parents_pivot(source: str) -> str | None:
    """`COPY --parents a/./b/c /d/` keeps only what follows `/./`: `b/c` lands in /d/b/c."""
    head, marker, _ = source.partition("/./")
    return posixpath.normpath(head.lstrip("/")) if marker else None


def _replace(target: Path) -> None:
    # Where wildcard matches collide, the later one wins, as in BuildKit.
    if target.is_symlink() or target.is_file():
        target.unlink()
