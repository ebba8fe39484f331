"""`RUN --mount=<csv>` options, parsed and validated as BuildKit does.

BuildKit parses mount options twice: once when the instruction is read (only bare
fields and a variable in ``from=`` are checked), and again with every value expanded,
when all other checks run. `parse_mount` does both, depending on whether an `expand`
function is given; without one, values that contain ``$`` are left unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dfkit.syntax.values import GoValueError, parse_go_bool, parse_go_uint

MOUNT_TYPES = ("bind", "cache", "tmpfs", "secret", "ssh")
SHARING_MODES = ("shared", "private", "locked")
_ALL_KEYS = (
    "type", "from", "source", "target", "readonly", "id", "sharing", "required", "mode", "uid",
    "gid", "src", "dst", "destination", "ro", "rw", "readwrite", "size", "env",
)


class MountError(ValueError):
    pass


@dataclass(frozen=True)
class Mount:
    type: str = "bind"
    from_: str = ""
    source: str = ""
    target: str = ""
    readonly: bool = True
    id: str = ""
    sharing: str = ""
    required: bool = False
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    size: str = ""
    env: str = ""


def split_csv(value: str) -> list[str]:
    """One record of Go's `encoding/csv` (RFC 4180, no lazy quotes)."""
    if value == "":
        raise MountError("failed to parse csv mounts: EOF")
    fields: list[str] = []
    i, n = 0, len(value)
    while True:
        if i < n and value[i] == '"':
            out: list[str] = []
            i += 1
            while True:
                j = value.find('"', i)
                if j < 0:
                    raise MountError(
                        f'failed to parse csv mounts: parse error on line 1, column {n + 1}: extraneous or missing " in quoted-field'
                    )
                out.append(value[i:j])
                if j + 1 < n and value[j + 1] == '"':
                    out.append('"')
                    i = j + 2
                    continue
                i = j + 1
                break
            if i < n and value[i] != ",":
                raise MountError(
                    f'failed to parse csv mounts: parse error on line 1, column {i + 1}: extraneous or missing " in quoted-field'
                )
            fields.append("".join(out))
        else:
            j = value.find(",", i)
            field = value[i:] if j < 0 else value[i:j]
            quote = field.find('"')
            if quote >= 0:
                raise MountError(
                    f'failed to parse csv mounts: parse error on line 1, column {i + quote + 1}: bare " in non-quoted-field'
                )
            fields.append(field)
            i = n if j < 0 else j
        if i >= n:
            return fields
        i += 1  # the comma
        if i == n:
            fields.append("")
            return fields


def _suggest(value: str, options: tuple[str, ...]) -> str:
    from dfkit.syntax.checks import suggestion

    match = suggestion(value, options, case_sensitive=True)
    return f" (did you mean {match}?)" if match else ""


def parse_mount(value: str, expand: Callable[[str], str] | None = None) -> Mount:
    """Parse one ``--mount`` value; raises `MountError` with BuildKit's message."""
    fields = split_csv(value)
    opts: dict[str, object] = {"type": "bind"}
    ro_auto = True
    for field in fields:
        key, eq, raw = field.partition("=")
        key = key.lower()
        mount_type = opts["type"]
        if not eq:
            if key in ("readonly", "ro"):
                opts["readonly"], ro_auto = True, False
                continue
            if key in ("readwrite", "rw"):
                opts["readonly"], ro_auto = False, False
                continue
            if key == "required":
                if mount_type in ("secret", "ssh"):
                    opts["required"] = True
                    continue
                raise MountError(f"unexpected key '{key}' for mount type '{mount_type}'")
            raise MountError(f"invalid field '{field}' must be a key=value pair")
        if expand is not None:
            raw = expand(raw)
        elif key == "from":
            if "$" in raw[:-1]:
                raise MountError("'from' doesn't support variable expansion, define alias stage instead")
        elif "$" in raw:
            continue  # checked once the value is expanded
        _apply(opts, key, raw, field)
        if key in ("readonly", "ro", "readwrite", "rw"):
            ro_auto = False

    mount_type = str(opts["type"])
    file_info = mount_type in ("secret", "ssh", "cache")
    for key in ("mode", "uid", "gid"):
        if opts.get(key) is not None and not file_info:
            raise MountError(f'{key} not allowed for "{mount_type}" type mounts')
    if ro_auto:
        opts["readonly"] = mount_type not in ("cache", "tmpfs")
    if opts.get("sharing") and mount_type != "cache":
        raise MountError(f"invalid cache sharing set for {mount_type} mount")
    if mount_type == "secret":
        if opts.get("from_"):
            raise MountError("secret mount should not have a from")
        if opts.get("sharing"):
            raise MountError("secret mount should not define sharing")
        if not opts.get("source") and not opts.get("target") and not opts.get("id"):
            raise MountError("invalid secret mount. one of source, target required")
        if opts.get("source") and opts.get("id"):
            raise MountError("both source and id can't be set")
    return Mount(**opts)  # type: ignore[arg-type]


def _apply(opts: dict[str, object], key: str, value: str, field: str) -> None:
    mount_type = opts["type"]
    try:
        if key == "type":
            if value.lower() not in MOUNT_TYPES:
                raise MountError(f'unsupported mount type "{value}"' + _suggest(value, MOUNT_TYPES))
            opts["type"] = value.lower()
        elif key == "from":
            opts["from_"] = value
        elif key in ("source", "src"):
            opts["source"] = value
        elif key in ("target", "dst", "destination"):
            opts["target"] = value
        elif key in ("readonly", "ro"):
            opts["readonly"] = _bool(key, value)
        elif key in ("readwrite", "rw"):
            opts["readonly"] = not _bool(key, value)
        elif key == "required":
            if mount_type not in ("secret", "ssh"):
                raise MountError(f"unexpected key '{key}' for mount type '{mount_type}'")
            opts["required"] = _bool(key, value)
        elif key == "id":
            opts["id"] = value
        elif key == "sharing":
            if value.lower() not in SHARING_MODES:
                raise MountError(f'unsupported sharing value "{value}"')
            opts["sharing"] = value.lower()
        elif key == "mode":
            opts["mode"] = _uint(key, value, 8)
        elif key in ("uid", "gid"):
            opts[key] = _uint(key, value, 10)
        elif key == "size":
            if mount_type != "tmpfs":
                raise MountError(f"unexpected key '{key}' for mount type '{mount_type}'")
            opts["size"] = value
        elif key == "env":
            if mount_type != "secret":
                raise MountError(f"unexpected key '{key}' for mount type '{mount_type}'")
            opts["env"] = value
        else:
            raise MountError(f"unexpected key '{key}' in '{field}'" + _suggest(key, _ALL_KEYS))
    except GoValueError:
        raise MountError(f"invalid value for {key}: {value}") from None


def _bool(key: str, value: str) -> bool:
    return parse_go_bool(value)


def _uint(key: str, value: str, base: int) -> int:
    try:
        return parse_go_uint(value, base, 32)
    except GoValueError:
        raise MountError(f"invalid value {value} for {key}") from None
