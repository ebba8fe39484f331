"""How each builder turns the same Dockerfile into a (slightly) different image.

Everything the planner needs to know about one builder lives here, as data where it
can be: which instructions commit a layer, how EXPOSE and shell-form commands are
stored, what an empty config field looks like, which build args RUN's history lists.
The history text (`created_by`) is the one thing that needs code: a formatter per
builder. The facts come from real builds recorded with Docker 20.10 (classic and
BuildKit) and buildah 1.28 (`../shared/conformance/docker-builds/`) and from the
builders' sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from dfkit.syntax.text import goquote
from dfkit.syntax.values import format_go_duration

WorkdirLayer = Literal["never", "always", "if-missing"]
RunArgs = Literal["declared", "valued-unshadowed", "valued"]

DEFAULT_SHELL = ("/bin/sh", "-c")


@dataclass(frozen=True)
class Builder:
    name: Literal["buildkit", "classic", "buildah"]
    title: str
    # A WORKDIR commits a layer: BuildKit always, the classic builder when it has to
    # create the directory, buildah never.
    workdir_layer: WorkdirLayer
    # EXPOSE 1000-1002/udp: Docker stores three ports and lower-cases the protocol;
    # buildah stores the words as written.
    expand_port_ranges: bool
    lowercase_protocol: bool
    # Shell-form CMD and ENTRYPOINT run under the current SHELL (Docker) or always
    # under /bin/sh -c (buildah).
    shell_form_uses_shell: bool
    # WorkingDir when no WORKDIR was ever set on a scratch-based image.
    default_workdir: str
    # Whether the ONBUILD instruction itself gets a history entry.
    onbuild_history: bool
    # Which build args RUN's history lists as `|N K=V ...`: every ARG declared in the
    # stage, with "" when unset (BuildKit); only those with a value that no ENV shadows
    # (classic); those with a value, shadowed by the ENV's value (buildah).
    run_args: RunArgs
    sort_run_args: bool
    # After VOLUME /data, the classic builder runs RUN with /data as a volume, so what
    # RUN writes there never reaches the layer; BuildKit keeps it.
    volume_keeps_run_writes: bool
    # How the builder writes a config field it never set.
    empty: dict[str, Any] = field(default_factory=dict)
    # History kinds whose text is not stable from one build to the next (the classic
    # builder prints EXPOSE from a Go map, in random order).
    unstable_history: frozenset[str] = frozenset()


# How Docker's engine stores a setting the image does not have, for both of its builders.
DOCKER_EMPTY = {"Cmd": None, "Entrypoint": None, "Labels": None, "OnBuild": None, "Volumes": None, "ExposedPorts": None}

BUILDERS: dict[str, Builder] = {
    "buildkit": Builder(
        name="buildkit",
        title="Docker with BuildKit (docker build, docker buildx build)",
        workdir_layer="always",
        expand_port_ranges=True,
        lowercase_protocol=True,
        shell_form_uses_shell=True,
        default_workdir="/",
        onbuild_history=False,
        run_args="declared",
        sort_run_args=False,
        volume_keeps_run_writes=True,
        empty=DOCKER_EMPTY,
    ),
    "classic": Builder(
        name="classic",
        title="Docker's classic builder (DOCKER_BUILDKIT=0)",
        workdir_layer="if-missing",
        expand_port_ranges=True,
        lowercase_protocol=True,
        shell_form_uses_shell=True,
        default_workdir="",
        onbuild_history=True,
        run_args="valued-unshadowed",
        sort_run_args=True,
        volume_keeps_run_writes=False,
        empty=DOCKER_EMPTY,
        unstable_history=frozenset({"EXPOSE"}),
    ),
    "buildah": Builder(
        name="buildah",
        title="buildah and podman (buildah bud --layers --format docker)",
        workdir_layer="never",
        expand_port_ranges=False,
        lowercase_protocol=False,
        shell_form_uses_shell=False,
        default_workdir="",
        onbuild_history=True,
        run_args="valued",
        sort_run_args=True,
        volume_keeps_run_writes=True,
        empty={"Cmd": [], "Entrypoint": [], "Labels": {}, "OnBuild": [], "Volumes": {}, "ExposedPorts": None},
    ),
}


def builder(name: str) -> Builder:
    return BUILDERS[name]


# -- Go's formatting, as the Docker builders print values into history -----------------


def go_list_q(values: Sequence[str]) -> str:
    """`fmt.Sprintf("%q", []string{...})`: ["a" "b"]."""
    return "[" + " ".join(goquote(v) for v in values) + "]"


def go_list_v(values: Sequence[str]) -> str:
    """`fmt.Sprintf("%v", []string{...})`: [a b]."""
    return "[" + " ".join(values) + "]"


def go_quote_rune(value: int) -> str:
    """`%q` of an integer: Go prints it as a quoted rune ('\\x00' for 0)."""
    special = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 39: "\\'", 92: "\\\\"}
    if value in special:
        return f"'{special[value]}'"
    if value < 0x20 or value == 0x7F:
        return f"'\\x{value:02x}'"
    if value > 0x10FFFF:
        return "'\\ufffd'"
    char = chr(value)
    if char.isprintable():
        return f"'{char}'"
    return f"'\\u{value:04x}'" if value < 0x10000 else f"'\\U{value:08x}'"


def go_healthcheck(test: Sequence[str], interval: int, timeout: int, start_period: int, retries: int) -> str:
    """`%q` of Docker 20.10's *HealthConfig: &{["CMD-SHELL" "x"] "0s" "0s" "1s" '\\x00'}."""
    durations = " ".join(goquote(format_go_duration(ns)) for ns in (interval, timeout, start_period))
    return f"&{{{go_list_q(test)} {durations} {go_quote_rune(retries)}}}"


def go_ports_map(ports: Sequence[str]) -> str:
    """`%v` of a nat.PortSet: map[80/tcp:{} 443/tcp:{}], keys sorted as fmt sorts them."""
    return "map[" + " ".join(f"{port}:{{}}" for port in sorted(ports)) + "]"
