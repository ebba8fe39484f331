"""The final image, composed by dfkit: the plan's config, author and history on buildah's layers.

`buildah commit` always adds a layer and writes its own history (`/bin/sh`), its own
label (`io.buildah.version`) and a random `Hostname`; no combination of its flags gives
the image a builder makes. So the driven backend commits layers only, and composes the
image here: a Docker image config holding the plan's config and history, with the
committed image's layers (`rootfs.diff_ids`), handed to `buildah pull` as a `dir:`
image. Its manifest names each layer by its uncompressed digest, which the storage
already holds: the pull reuses every layer and reads none, so the directory needs no
layer blobs at all. The image ID is the config's digest, and the config is a function
of the plan and the layers (its times are those of the layer commits): an unchanged
rebuild composes the very same image.

`export_oci` writes the image as an OCI layout (or archive) for `--output`: the same
config bytes, so the same image ID, with OCI media types. buildah's own OCI export
would drop HEALTHCHECK, ONBUILD and SHELL; an OCI config may carry them as fields
readers ignore, so they are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dfkit.backend.buildah import BackendError, Buildah
from dfkit.plan import model as m

EPOCH = "1970-01-01T00:00:00Z"  # when an image has no layer to date it by
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYERS = {
    "application/vnd.docker.image.rootfs.diff.tar.gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.docker.image.rootfs.diff.tar": "application/vnd.oci.image.layer.v1.tar",
}
REF_NAME = "org.opencontainers.image.ref.name"


def compose_config(
    image: m.Image,
    platform: str,
    layers: Mapping[str, Any] | None,
    base: Mapping[str, Any] | None = None,
    resets_cmd: bool = False,
) -> dict[str, Any]:
    """The Docker image config of the plan's `image` on the layers of `layers`.

    `layers` is the Docker config of the last image committed for the stage (None when
    it has no layer at all); `base` that of the external image the stage starts from,
    when the plan could not know it (`image.base_known` is False): the plan then holds
    only what the Dockerfile changed, and it is applied onto the base's config as the
    builder would. `resets_cmd`: the Dockerfile's ENTRYPOINT cleared the base's CMD.
    """
    diff_ids = list(((layers or {}).get("rootfs") or {}).get("diff_ids") or [])
    committed = list((layers or {}).get("history") or [])
    base_history = list((base or {}).get("history") or [])
    base_layers = len(((base or {}).get("rootfs") or {}).get("diff_ids") or [])
    planned_layers = sum(1 for entry in image.history if not entry.empty_layer)
    if len(diff_ids) != base_layers + planned_layers:
        # The plan's non-empty history entries must line up with the layers, one to one.
        raise BackendError(
            f"the plan has {planned_layers} layers, the committed image {len(diff_ids) - base_layers}",
            hint="a cached intermediate image may be damaged: build again with --no-cache",
        )
    history = _history(image.history, committed[len(base_history) :], base_history)
    config = _config(image.config)
    author = image.author
    if base is not None and not image.base_known:
        config = _on_base(config, base.get("config") or {}, resets_cmd)
        author = author if author is not None else base.get("author")
    os_name, _, rest = platform.partition("/")
    architecture, _, variant = rest.partition("/")
    return {
        "created": history[-1]["created"] if history else EPOCH,
        "architecture": architecture,
        **({"variant": variant} if variant else {}),
        "os": os_name,
        **({"author": author} if author is not None else {}),
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }


def config_bytes(config: Mapping[str, Any]) -> bytes:
    return json.dumps(config, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def import_image(buildah: Buildah, config: bytes, workdir: Path) -> str:
    """Put a composed image into buildah's storage (untagged); returns its ID."""
    diff_ids = json.loads(config)["rootfs"]["diff_ids"]
    digest = hashlib.sha256(config).hexdigest()
    directory = Path(tempfile.mkdtemp(prefix="image-", dir=workdir))
    (directory / digest).write_bytes(config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": DOCKER_CONFIG, "size": len(config), "digest": f"sha256:{digest}"},
        # Size -1: unknown, as the blob is never read (the storage has the layer).
        "layers": [{"mediaType": DOCKER_LAYER, "size": -1, "digest": diff_id} for diff_id in diff_ids],
    }
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (directory / "version").write_text("Directory Transport Version: 1.1\n", encoding="utf-8")
    image_id = buildah.pull(f"dir:{directory}")
    if image_id != digest:
        raise BackendError(f"buildah imported the image as {image_id}, not as {digest}")
    return image_id


def export_oci(buildah: Buildah, image: str, destination: str, ref: str, workdir: Path) -> None:
    """Write `image` to `oci:DIR[:REF]` or `oci-archive:FILE[:REF]` (REF defaults to `ref`)."""
    transport, _, rest = destination.partition(":")
    path, _, named = rest.partition(":")
    if transport not in ("oci", "oci-archive") or not path:
        raise BackendError(f"--output {destination}: expected oci:DIR or oci-archive:FILE")
    ref = named or ref
    exported = Path(tempfile.mkdtemp(prefix="export-", dir=workdir))
    # Docker format: buildah keeps the config as it is; layers come gzip-compressed.
    buildah.push(image, f"dir:{exported}", format="docker")
    if transport == "oci":
        _write_layout(exported, Path(path), ref)
        return
    layout = Path(tempfile.mkdtemp(prefix="layout-", dir=workdir))
    _write_layout(exported, layout, ref)
    archive = Path(path)
    handle, temporary = tempfile.mkstemp(dir=archive.parent if str(archive.parent) else ".", prefix=f".{archive.name}.")
    os.close(handle)
    try:
        with tarfile.open(temporary, "w", format=tarfile.PAX_FORMAT) as tar:
            for name in ("oci-layout", "index.json", "blobs"):
                tar.add(layout / name, arcname=name, filter=_anonymous)
        os.replace(temporary, archive)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def oci_ref(tag: str) -> str:
    """The name an OCI layout gives the image: the tag's tag (`latest` when it has none)."""
    return tag.rsplit("/", 1)[-1].partition(":")[2] or "latest"


# -- the config --------------------------------------------------------------------------


def _config(planned: m.ImageConfig) -> dict[str, Any]:
    config: dict[str, Any] = planned.model_dump(mode="json", exclude_none=True)
    # Empty strings are values: the builder writes them (and `normalized_image` reads them).
    config.setdefault("User", "")
    config.setdefault("WorkingDir", "")
    return config


def _history(
    planned: Sequence[m.HistoryEntry], committed: Sequence[Mapping[str, Any]], base: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Base entries as they are, then the plan's, each dated by the commit of its layer
    (a metadata entry by the layer before it)."""
    history = [dict(entry) for entry in base]
    created = history[-1].get("created", EPOCH) if history else EPOCH
    layers = iter(committed)
    for entry in planned:
        if not entry.empty_layer:
            created = next(layers, {}).get("created", created)
        history.append(
            {"created": created, "created_by": entry.created_by, **({"empty_layer": True} if entry.empty_layer else {})}
        )
    return history


def _on_base(config: dict[str, Any], base: Mapping[str, Any], resets_cmd: bool) -> dict[str, Any]:
    """The Dockerfile's changes (`config`) applied onto an external base's config."""
    merged = dict(base)
    env = {entry.partition("=")[0]: entry for entry in base.get("Env") or []}
    for entry in config.get("Env") or []:
        env[entry.partition("=")[0]] = entry  # a variable keeps its place, as Docker's ENV does
    merged["Env"] = list(env.values()) or None
    for name in ("ExposedPorts", "Volumes", "Labels"):
        union = {**(base.get(name) or {}), **(config.get(name) or {})}
        merged[name] = union or config.get(name)
    for name in ("Entrypoint", "WorkingDir", "User", "StopSignal", "Healthcheck", "Shell"):
        if config.get(name):
            merged[name] = config[name]
    if config.get("Cmd") or resets_cmd:
        merged["Cmd"] = config.get("Cmd")
    # FROM ran the base's triggers; what is left are the Dockerfile's own.
    merged["OnBuild"] = config.get("OnBuild")
    return {key: value for key, value in merged.items() if value is not None}


# -- OCI layouts ---------------------------------------------------------------------------


def _write_layout(exported: Path, layout: Path, ref: str) -> None:
    """An OCI layout from a `dir:` export, adding `ref` to what the layout already holds."""
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    layers = []
    for layer in manifest["layers"]:
        media_type = OCI_LAYERS.get(layer["mediaType"], layer["mediaType"])
        layers.append({"mediaType": media_type, "digest": layer["digest"], "size": layer["size"]})
    config = manifest["config"]
    for digest in [config["digest"], *(layer["digest"] for layer in layers)]:
        hex_digest = digest.removeprefix("sha256:")
        shutil.move(exported / hex_digest, blobs / hex_digest)
    oci_manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config["digest"], "size": config["size"]},
        "layers": layers,
    }
    data = json.dumps(oci_manifest, separators=(",", ":")).encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    (blobs / digest).write_bytes(data)
    index_file = layout / "index.json"
    index: dict[str, Any] = {"schemaVersion": 2}
    if index_file.exists():
        index = json.loads(index_file.read_text(encoding="utf-8"))
    kept = [entry for entry in index.get("manifests", []) if (entry.get("annotations") or {}).get(REF_NAME) != ref]
    descriptor = {"mediaType": OCI_MANIFEST, "digest": f"sha256:{digest}", "size": len(data), "annotations": {REF_NAME: ref}}
    index["manifests"] = [*kept, descriptor]
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}), encoding="utf-8")
    index_file.write_text(json.dumps(index), encoding="utf-8")


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info
