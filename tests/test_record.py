"""Build records (`dfkit.backend.record`), without buildah: what makes a record hold or not."""

from __future__ import annotations

import os
from pathlib import Path

from dfkit.backend.record import Record, Records, Snapshot, still_valid


def context(tmp_path: Path) -> Path:
    root = tmp_path / "context"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.py").write_text("print('hi')\n")
    (root / "Dockerfile").write_text("FROM scratch\nCOPY src /src\n")
    os.symlink("src/main.py", root / "link")
    return root


def taken(root: Path) -> Snapshot:
    snapshot = Snapshot.take(root)
    assert snapshot is not None
    return snapshot


def test_an_unchanged_context_matches(tmp_path: Path) -> None:
    root = context(tmp_path)
    then = taken(root)
    assert sorted(then.entries) == ["Dockerfile", "link", "src", "src/main.py"]
    assert taken(root).matches(root, then.entries)


def test_any_change_anywhere_does_not(tmp_path: Path) -> None:
    root = context(tmp_path)
    then = taken(root)
    changes = [
        lambda: (root / "src" / "main.py").write_text("print('bye')\n"),
        lambda: (root / "new").write_text(""),
        lambda: (root / "new").unlink(),
        lambda: os.chmod(root / "src" / "main.py", 0o600),
    ]
    for change in changes:
        change()
        assert not taken(root).matches(root, then.entries)
        then = taken(root)
    (root / "link").unlink()
    os.symlink("src", root / "link")
    assert not taken(root).matches(root, then.entries)


def test_a_racy_file_is_judged_by_its_content(tmp_path: Path) -> None:
    """A file changed within a timestamp tick of the walk can keep its stat: its digest decides."""
    root = context(tmp_path)
    then = taken(root)
    entry = then.entries["src/main.py"]
    assert entry[5] is not None  # just written: racy, so digested
    now = taken(root)
    assert now.matches(root, then.entries)
    # The same stat, another content (as a same-size rewrite within one tick would leave it).
    forged = {**then.entries, "src/main.py": [*entry[:5], "0" * 64]}
    assert not now.matches(root, forged)
    # Settled now (the stat alone vouches), racy then: the content is digested again.
    settled = Snapshot({**now.entries, "src/main.py": [*entry[:5], None]})
    assert settled.matches(root, then.entries)
    assert not settled.matches(root, forged)


def test_a_big_fresh_context_is_not_digested(tmp_path: Path) -> None:
    root = context(tmp_path)
    (root / "big").write_bytes(b"\0" * 4096)
    assert Snapshot.take(root, budget=1024) is None
    assert Snapshot.take(tmp_path / "missing") is None


def test_records_round_trip_and_keys(tmp_path: Path) -> None:
    records = Records(tmp_path / "cache")
    key = Records.key(b"FROM scratch\n", {"target": None, "builder": "buildkit"})
    assert key != Records.key(b"FROM scratch\n", {"target": None, "builder": "classic"})
    assert key != Records.key(b"FROM scratch \n", {"target": None, "builder": "buildkit"})
    assert records.load(key) is None
    record = Record("ab" * 32, {"busybox": "cd" * 32}, [[0, "stage-0", 1, 2, "COPY src /src"]], {"a": [1, 2, 3, 4, 5, None]})
    records.save(key, record)
    assert records.load(key) == record
    (records.directory / f"{key}.json").write_text("{not json")
    assert records.load(key) is None
    assert [p.name for p in records.directory.iterdir()] == [f"{key}.json"]  # no temporary left


def test_still_valid_needs_the_image_and_the_same_external_images() -> None:
    record = Record("ab" * 32, {"busybox": "cd" * 32}, [], {})
    images = {"localhost/app:latest": "ab" * 32}
    assert still_valid(record, images, [("busybox", "cd" * 32)])
    assert not still_valid(record, images, [("busybox", "ef" * 32)])
    assert not still_valid(record, {"localhost/app:latest": "ef" * 32}, [("busybox", "cd" * 32)])


def test_a_build_may_change_inode_times_and_nothing_else(tmp_path: Path) -> None:
    """Staging hard-links context files, which changes their ctime: still settled."""
    root = context(tmp_path)
    before = taken(root)
    os.link(root / "src" / "main.py", tmp_path / "staged")
    os.unlink(tmp_path / "staged")
    after = taken(root)
    assert not after.matches(root, before.entries)  # ctime moved
    assert after.settled_since(before)
    (root / "src" / "main.py").write_text("print('other')\n")
    assert not taken(root).settled_since(before)
