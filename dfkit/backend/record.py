"""Build records: a rebuild with nothing changed answers without planning anything.

A driven build that succeeds leaves a record, keyed by everything its image depends on
besides the build context's files (the Dockerfile's bytes, the options, dfkit's version,
the buildah store), that holds the context's state (as it was when the build started,
and still was when it ended), the image it made, the external images it used, and the
steps it committed. The next `dfkit build`
with the same key walks the context: if every file is as the record found it and the
store still has the image and the same external images, the image is that one. Nothing
is parsed or planned (no lark, no pydantic: a cached rebuild costs a walk and two or
three buildah calls), and the step lines are those of a rebuild that reused every step.
Anything else (a record missing, a file changed, the image removed) and the build takes
the normal way, which reuses the layers its cache keys still name.

The context's state is every entry's `lstat` (mode, size, mtime, ctime, inode), the whole
tree, ignored files included: conservative, a change anywhere only costs the fast way.
Racy files, whose timestamps were within `RACY_NS` of the walk (a change in the same
timestamp tick would leave their stat as it was), are also digested, and digested again
when the record is checked, as git does with racily clean entries.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dfkit import __version__

FORMAT = 1  # bump when what a record holds changes
RACY_NS = 2_000_000_000  # as the context hasher: coarser than any timestamp tick
RACY_BUDGET = 64 << 20  # bytes of racy files a snapshot digests at most
_CHUNK = 1 << 20

Entry = list[Any]  # [mode, size, mtime_ns, ctime_ns, ino, digest or None]


@dataclass(frozen=True)
class Snapshot:
    """The context's state at one moment: relative path -> entry."""

    entries: dict[str, Entry]

    @classmethod
    def take(cls, root: Path, *, budget: int = RACY_BUDGET) -> Snapshot | None:
        """None when the racy files hold more than `budget` bytes (a fresh checkout of a big
        context: digesting it all twice, here and for the plan, would cost more than a record
        saves) or the context cannot be read."""
        try:
            return cls._take(root, budget)
        except OSError:
            return None

    @classmethod
    def _take(cls, root: Path, budget: int) -> Snapshot | None:
        started = time.time_ns()
        entries: dict[str, Entry] = {}
        pending = [""]
        while pending:
            relative = pending.pop()
            with os.scandir(os.path.join(root, relative) if relative else root) as listing:
                for item in listing:
                    path = f"{relative}/{item.name}" if relative else item.name
                    st = item.stat(follow_symlinks=False)
                    digest = None
                    if max(st.st_mtime_ns, st.st_ctime_ns) >= started - RACY_NS:
                        budget -= st.st_size
                        if budget < 0:
                            return None
                        digest = _digest(item.path, st)
                    entries[path] = [st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, digest]
                    if stat.S_ISDIR(st.st_mode):
                        pending.append(path)
        return cls(entries)

    def matches(self, root: Path, recorded: Mapping[str, Entry]) -> bool:
        """Whether the context is as `recorded` says (this snapshot taken after it)."""
        if self.entries.keys() != recorded.keys():
            return False
        try:
            for path, entry in self.entries.items():
                then = recorded[path]
                if entry[:5] != then[:5]:
                    return False
                if then[5] is not None and entry[5] != then[5]:  # racy then: its content decides
                    full = os.path.join(root, path)
                    if (entry[5] or _digest(full, os.lstat(full))) != then[5]:
                        return False
        except OSError:
            return False
        return True


    def settled_since(self, before: Snapshot) -> bool:
        """Whether nothing changed since `before` but inode change times: a build hard-links
        context files into its staging directories, which changes their ctime and nothing
        else. A snapshot taken after a build is recorded only if it settled so."""
        if self.entries.keys() != before.entries.keys():
            return False
        for path, entry in self.entries.items():
            then = before.entries[path]
            if entry[:3] != then[:3] or entry[4] != then[4]:
                return False
            if entry[5] is not None and then[5] is not None and entry[5] != then[5]:
                return False
        return True


@dataclass(frozen=True)
class Record:
    image_id: str
    external: dict[str, str]  # reference -> image ID
    steps: list[list[Any]]  # the committed steps' progress labels: [stage, name, number, total, text]
    context: dict[str, Entry]


class Records:
    """Build records in `<cache root>/builds/`, one JSON file per key."""

    def __init__(self, root: Path) -> None:
        self.directory = root / "builds"

    @staticmethod
    def key(dockerfile: bytes, options: Mapping[str, Any]) -> str:
        header = json.dumps({"format": FORMAT, "version": __version__, "options": options}, sort_keys=True)
        return hashlib.sha256(header.encode() + b"\0" + dockerfile).hexdigest()

    def load(self, key: str) -> Record | None:
        try:
            data = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
            return Record(data["image_id"], data["external"], data["steps"], data["context"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # none yet, or unreadable: the build takes the normal way

    def save(self, key: str, record: Record) -> None:
        """Write atomically; a record that cannot be written is skipped."""
        data = {"image_id": record.image_id, "external": record.external, "steps": record.steps, "context": record.context}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = self.directory / f".{key}.{os.getpid()}.tmp"
            temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
            os.replace(temporary, self.directory / f"{key}.json")
        except OSError:
            pass


def still_valid(record: Record, images: Mapping[str, str], external: Sequence[tuple[str, str]]) -> bool:
    """Whether the store still holds the record's image (`images`: name -> ID, as
    `Buildah.images` gives) and each external image under the same ID (`external`:
    reference -> its ID now)."""
    return record.image_id in images.values() and dict(external) == record.external


def _digest(path: str, st: os.stat_result) -> str:
    if stat.S_ISLNK(st.st_mode):
        return "link:" + os.readlink(path)
    if not stat.S_ISREG(st.st_mode):
        return "other"
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
