"""The tiny root filesystem tar that ../shared/conformance/docker-builds was recorded with.

busybox-static's `/bin/busybox` with links for the applets the cases run, `/etc/passwd`
with root, and `/tmp`: in `workdir-layers` the classic builder committed a layer for
`WORKDIR /app` but none for `WORKDIR /tmp`, so `/tmp` existed in the base. Nothing else.

It lives with the tests, not in `dfkit/backend`: it is fixture data built from a host
package, and nothing dfkit ships builds FROM it. Tests elsewhere import it from here.

The tar is reproducible (sorted names, one fixed mtime, numeric owner 0, no user names),
so buildah's content digest of `ADD rootfs.tar /` is stable from run to run. It is not
the recordings' digest, which hangs on tar details their README does not give (user
names, header format, directory entries...): see tests/backend/test_recordings.py.
"""

from __future__ import annotations

import io
import shutil
import struct
import tarfile
from pathlib import Path

APPLETS = ("cat", "echo", "env", "false", "ls", "mkdir", "sh", "test", "true")
PASSWD = b"root:x:0:0:root:/root:/bin/sh\n"
MTIME = 1704067200  # 2024-01-01T00:00:00Z


class BusyboxMissing(RuntimeError):
    pass


def find_busybox() -> Path:
    """busybox-static's binary: a dynamically linked busybox cannot run in a scratch image."""
    for candidate in (shutil.which("busybox"), "/bin/busybox", "/usr/bin/busybox"):
        if candidate and Path(candidate).is_file() and _is_static_elf(Path(candidate).read_bytes()):
            return Path(candidate)
    raise BusyboxMissing("no statically linked busybox found: apt-get install -y busybox-static")


def rootfs_tar(busybox: Path) -> bytes:
    busybox_bytes = busybox.read_bytes()
    members: list[tuple[tarfile.TarInfo, bytes | None]] = [
        (_entry("bin", tarfile.DIRTYPE, 0o755), None),
        (_entry("bin/busybox", tarfile.REGTYPE, 0o755, size=len(busybox_bytes)), busybox_bytes),
        *((_entry(f"bin/{applet}", tarfile.SYMTYPE, 0o777, link="busybox"), None) for applet in APPLETS),
        (_entry("etc", tarfile.DIRTYPE, 0o755), None),
        (_entry("etc/passwd", tarfile.REGTYPE, 0o644, size=len(PASSWD)), PASSWD),
        (_entry("tmp", tarfile.DIRTYPE, 0o1777), None),
    ]
    members.sort(key=lambda member: member[0].name)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def write_rootfs_tar(path: Path, busybox: Path | None = None) -> Path:
    path.write_bytes(rootfs_tar(busybox or find_busybox()))
    return path


def _entry(name: str, kind: bytes, mode: int, *, size: int = 0, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.linkname = kind, mode, size, link
    info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "", ""
    return info


def _is_static_elf(data: bytes) -> bool:
    """An ELF64 little-endian executable without a PT_INTERP (dynamic loader) segment."""
    if data[:6] != b"\x7fELF\x02\x01":
        return False
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    pt_interp = 3
    return all(struct.unpack_from("<I", data, phoff + i * phentsize)[0] != pt_interp for i in range(phnum))
