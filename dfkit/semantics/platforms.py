"""Platforms (``os/arch[/variant]``) as containerd's `platforms.Parse` reads them."""

from __future__ import annotations

from dfkit.syntax.text import goquote

import platform as _platform
import re
from dataclasses import dataclass

_KNOWN_OS = frozenset(
    {"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl",
     "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"}
)
_KNOWN_ARCH = frozenset(
    {"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle", "mips64",
     "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x",
     "sparc", "sparc64", "wasm"}
)
_SPECIFIER = re.compile(r"[A-Za-z0-9_-]+")


class PlatformError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Platform:
    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text


def _normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    arch, variant = arch.lower(), variant.lower()
    if arch in ("i386",):
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant in ("v1", "") else variant
    if arch in ("aarch64", "arm64"):
        return "arm64", "" if variant in ("8", "v8", "") else variant
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            return "arm", "v7"
        if variant in ("5", "6", "8"):
            return "arm", f"v{variant}"
    return arch, variant


def parse_platform(text: str, default_os: str = "linux") -> Platform:
    """`platforms.Parse` followed by `Normalize`."""
    if "*" in text:
        raise PlatformError(f"{goquote(text)}: wildcards not yet supported: invalid argument")
    parts = text.split("/")
    for part in parts:
        if not _SPECIFIER.fullmatch(part):
            raise PlatformError(f"{goquote(text)}: invalid platform component {goquote(part)}: invalid argument")
    if len(parts) == 1:
        name = parts[0].lower()
        if name in _KNOWN_OS or name in ("macos",):
            return Platform("darwin" if name == "macos" else name, default_architecture().architecture)
        arch, variant = _normalize_arch(name, "")
        if arch in _KNOWN_ARCH:
            return Platform(default_os, arch, variant)
        raise PlatformError(f"{goquote(text)}: unknown operating system or architecture: invalid argument")
    if len(parts) > 3:
        raise PlatformError(f"{goquote(text)}: cannot parse platform specifier: invalid argument")
    os_name = parts[0].lower()
    if os_name == "macos":
        os_name = "darwin"
    if os_name not in _KNOWN_OS:
        raise PlatformError(f"{goquote(text)}: unknown operating system or architecture: invalid argument")
    arch, variant = _normalize_arch(parts[1], parts[2] if len(parts) == 3 else "")
    if arch not in _KNOWN_ARCH:
        raise PlatformError(f"{goquote(text)}: unknown operating system or architecture: invalid argument")
    return Platform(os_name, arch, variant)


def default_architecture() -> Platform:
    """This machine's platform (what BuildKit uses when no --platform is given)."""
    arch, variant = _normalize_arch(_platform.machine() or "amd64", "")
    return Platform("linux", arch, variant)
