"""The buildah driver: the run -> commit loop, its errors, and its parsers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dfkit.backend.buildah import (
    DEFAULT_PATH,
    BackendError,
    Buildah,
    Healthcheck,
    check_rootless,
    history_instruction,
    normalized_image,
    parse_steps,
    stored_name,
)


@pytest.fixture
def container(buildah: Buildah, base_image: str) -> Iterator[str]:
    name = buildah.from_image(base_image)
    yield name
    if name in buildah.containers():  # a commit has removed it
        buildah.rm(name)


def test_import_rootfs_is_a_one_layer_base(buildah: Buildah, base_image: str) -> None:
    image = normalized_image(buildah.inspect_image(base_image))
    assert image["config"]["Env"] == [f"PATH={DEFAULT_PATH}"]  # as bud gives FROM scratch
    [entry] = image["history"]
    assert entry["instruction"] == "ADD" and not entry["empty_layer"]
    assert entry["created_by"].startswith("/bin/sh -c #(nop) ADD file:") and entry["created_by"].endswith(" in / ")
    assert image["layers"] == 1


def test_driven_steps_give_the_config_asked_for(buildah: Buildah, container: str, tmp_path: Path) -> None:
    (tmp_path / "app.txt").write_text("app\n")
    digest = buildah.copy(container, [tmp_path / "app.txt"], "/app/app.txt", chown="1000:1000", chmod="0640")
    buildah.config(
        container,
        env={"A": "1", "B": "two words"},
        cmd=["b"],
        entrypoint=["/bin/sh", "-c"],
        workingdir="/app",
        user="1000",
        ports=["80", "53/udp"],
        volumes=["/data"],
        labels={"quoted key": "v", "empty": ""},
        stop_signal="SIGTERM",
        healthcheck=Healthcheck(("CMD-SHELL", "test -f /app/app.txt || exit 1"), interval=30_000_000_000),
        shell=["/bin/sh", "-xc"],
        onbuild=["RUN mkdir /tmp/triggered"],
        author="dfkit <dfkit@example.com>",
        created_by=f"/bin/sh -c #(nop) COPY file:{digest} in /app/app.txt ",
    )
    image = buildah.commit(container, "localhost/dfkit-test/driven:latest")
    normalized = normalized_image(buildah.inspect_image(image))
    assert normalized["author"] == "dfkit <dfkit@example.com>"
    assert normalized["config"] == {
        "Env": [f"PATH={DEFAULT_PATH}", "A=1", "B=two words"],
        "Cmd": ["b"],  # buildah's --entrypoint keeps the CMD
        "Entrypoint": ["/bin/sh", "-c"],
        "WorkingDir": "/app",
        "User": "1000",
        "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
        "Volumes": {"/data": {}},
        "Labels": {"quoted key": "v", "empty": ""},
        "StopSignal": "SIGTERM",
        # `|| exit 1` kept, and no Retries 3 / Timeout 30s of buildah's own.
        "Healthcheck": {"Test": ["CMD-SHELL", "test -f /app/app.txt || exit 1"], "Interval": 30_000_000_000},
        "Shell": ["/bin/sh", "-xc"],
        "OnBuild": ["RUN mkdir /tmp/triggered"],
    }
    assert normalized["history"][-1] == {
        "instruction": "COPY",
        "created_by": f"/bin/sh -c #(nop) COPY file:{digest} in /app/app.txt ",
        "empty_layer": False,
    }
    assert normalized["layers"] == 2

    # `from` runs the ONBUILD trigger and drops it, as Docker's FROM does.
    child = buildah.from_image(image)
    try:
        assert buildah.inspect_container(child)["Docker"]["config"].get("OnBuild") in (None, [])
        listing = buildah.run(child, ["ls", "-lnd", "/app/app.txt", "/tmp/triggered"]).stdout
        assert listing.splitlines()[0].split()[:4] == ["-rw-r-----", "1", "1000", "1000"]
    finally:
        buildah.rm(child)
    buildah.rmi(image)
    assert not buildah.image_exists("localhost/dfkit-test/driven:latest")


def test_shell_form_run_uses_the_given_shell(buildah: Buildah, container: str) -> None:
    # `buildah run` ignores the image's Shell: the caller passes it.
    done = buildah.run(container, "echo $0 $X", shell=["/bin/sh", "-c"], env={"X": "build-arg"})
    assert done.stdout == "/bin/sh build-arg\n"


def test_oci_commit_refuses_to_drop_docker_only_fields(buildah: Buildah, container: str) -> None:
    buildah.config(container, healthcheck=Healthcheck(("NONE",)), shell=["/bin/sh", "-c"])
    assert buildah.inspect_container(container)["Docker"]["config"]["Healthcheck"] == {"Test": ["NONE"]}
    with pytest.raises(BackendError) as caught:
        buildah.commit(container, format="oci")
    assert "would silently drop Healthcheck, Shell" in caught.value.message
    assert caught.value.hint == "use format='docker'"


def test_entrypoint_keeps_the_cmd_unless_cleared(buildah: Buildah, container: str) -> None:
    buildah.config(container, cmd=["inherited"])
    buildah.config(container, entrypoint=["/bin/echo"])
    assert buildah.inspect_container(container)["Docker"]["config"]["Cmd"] == ["inherited"]
    buildah.config(container, entrypoint=["/bin/echo"], cmd=[])  # what Docker's ENTRYPOINT does
    assert buildah.inspect_container(container)["Docker"]["config"]["Cmd"] == []


def test_mkdir_creates_the_workdir(buildah: Buildah, container: str) -> None:
    buildah.mkdir(container, "/made/here")
    buildah.run(container, ["test", "-d", "/made/here"])


def test_push_writes_an_oci_layout(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    buildah.push(base_image, f"oci:{tmp_path / 'layout'}:base")
    index = json.loads((tmp_path / "layout" / "index.json").read_text())
    [manifest] = index["manifests"]
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert manifest["annotations"]["org.opencontainers.image.ref.name"] == "base"


def test_failing_run_raises_with_stderr(buildah: Buildah, container: str) -> None:
    with pytest.raises(BackendError) as caught:
        # The sleep: buildah 1.28's chroot isolation can drop the output a command wrote
        # just before it failed (about 1 run in 40 on a loaded 2-core machine).
        buildah.run(container, "echo boom >&2; sleep 0.2; exit 3")
    error = caught.value
    assert error.message == "`buildah run` failed: exit status 3"
    assert error.returncode == 3
    assert "boom" in error.stderr and "  | boom" in str(error)


def test_failing_bud_raises_with_the_step(buildah: Buildah, base_image: str, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {base_image}\nRUN false\n")
    with pytest.raises(BackendError) as caught:
        buildah.bud(tmp_path / "Dockerfile", tmp_path, "localhost/dfkit-test/fails:latest")
    assert caught.value.message == '`buildah bud` failed: building at STEP "RUN false": exit status 1'


def test_missing_image_is_not_pulled(buildah: Buildah) -> None:
    assert not buildah.image_exists("localhost/dfkit-test/nowhere:latest")
    with pytest.raises(BackendError) as caught:
        buildah.from_image("localhost/dfkit-test/nowhere:latest")
    assert "image not known" in caught.value.message


def test_missing_buildah_is_one_line_with_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    expected = "buildah: error: not found on PATH\n  hint: apt-get install -y buildah"
    with pytest.raises(BackendError) as located:
        Buildah.locate()
    assert str(located.value) == expected
    with pytest.raises(BackendError) as run:
        Buildah().inspect_image("anything")
    assert str(run.value) == expected


def test_rootless_needs_subordinate_ids(tmp_path: Path) -> None:
    (tmp_path / "subuid").write_text("other:100000:65536\n")
    (tmp_path / "subgid").write_text("builder:100000:65536\n")
    with pytest.raises(BackendError) as caught:
        check_rootless("builder", 1001, subuid=tmp_path / "subuid", subgid=tmp_path / "subgid", proc_sys=tmp_path)
    subuid = tmp_path / "subuid"
    assert caught.value.message == f"no subordinate id range for user 'builder' in {subuid}: every RUN would fail"
    assert caught.value.hint == "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 builder"


def test_rootless_needs_user_namespaces(tmp_path: Path) -> None:
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "max_user_namespaces").write_text("0\n")
    with pytest.raises(BackendError) as caught:
        check_rootless("builder", 1001, proc_sys=tmp_path)
    assert caught.value.message == "user namespaces are disabled (user.max_user_namespaces = 0)"


def test_root_needs_a_runroot(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="runroot"):
        Buildah(root=tmp_path)


# What `bud --layers` printed for a child stage whose parent has two ONBUILD triggers.
BUD_STDOUT = """\
[1/2] STEP 1/4: FROM scratch AS parent
[1/2] STEP 2/4: ADD rootfs.tar /
--> Using cache 360232baccf9db7d10409459c3f9b38a38851685843e47a68cb730b255502387
--> 360232baccf
[1/2] STEP 3/4: ONBUILD RUN echo trig
--> 333a964e013
[1/2] STEP 4/4: RUN echo one &&     echo two
one
two
--> f1955620984
[2/2] STEP 1/2: FROM f1955620984e2e2b5c1b1b0b3d3f6f6e1c0b1c1d1e1f1a1b1c1d1e1f1a1b1c1d AS child
[2/2] STEP 2/3: RUN echo trig
trig
--> 4a0ebb01870
[2/2] STEP 3/3: LABEL child=1
[2/2] COMMIT localhost/exp:3
--> dfece346233
Successfully tagged localhost/exp:3
dfece346233a0293293d112e5a280ad26d63d3eaa53004ff1c05a61a3a450346
"""


def test_parse_steps_maps_steps_onto_instructions() -> None:
    steps = parse_steps(BUD_STDOUT)
    assert [(s.stage, s.number, s.index, s.keyword, s.image_id, s.cached, s.output) for s in steps] == [
        (0, 1, 0, "FROM", None, False, ()),
        (0, 2, 1, "ADD", "360232baccf9db7d10409459c3f9b38a38851685843e47a68cb730b255502387", True, ()),
        (0, 3, 2, "ONBUILD", "333a964e013", False, ()),
        (0, 4, 3, "RUN", "f1955620984", False, ("one", "two")),
        (1, 1, 0, "FROM", None, False, ()),
        (1, 2, None, "RUN", "4a0ebb01870", False, ("trig",)),  # the parent's trigger
        (1, 3, 1, "LABEL", "dfece346233", False, ()),
    ]
    assert steps[3].text == "RUN echo one &&     echo two"


@pytest.mark.parametrize(
    ("created_by", "instruction"),
    [
        ("/bin/sh -c #(nop) ENV A=1", "ENV"),
        ("/bin/sh -c #(nop)  ARG X=1", "ARG"),  # Docker classic pads with a second space
        ("/bin/sh -xc #(nop) ENTRYPOINT echo entry", "ENTRYPOINT"),  # under SHELL ["/bin/sh", "-xc"]
        ("/bin/sh -c #(nop) ADD file:70ab502c in / ", "ADD"),
        ("/bin/sh -c pwd > /where", "RUN"),
        ('|4 GLOBAL=g X=1 Y=why Z=z-env /bin/sh -c echo "$GLOBAL" > /args', "RUN"),
        ("|1 A=#(nop) /bin/sh -c true", "RUN"),
        ("echo exec form", "RUN"),
        ("", ""),
    ],
)
def test_history_instruction(created_by: str, instruction: str) -> None:
    assert history_instruction(created_by) == instruction


@pytest.mark.parametrize(
    "tag",
    ["dfkit-test-short", "dfkit-test/two:1", "localhost/dfkit-test/named", "registry.example:5000/dfkit-test/x:v2"],
)
def test_stored_name_is_the_name_buildah_lists(buildah: Buildah, base_image: str, tag: str) -> None:
    image_id = buildah.inspect_image(base_image)["FromImageID"]
    buildah.tag(image_id, tag)
    try:
        assert buildah.images().get(stored_name(tag)) == image_id
    finally:
        buildah.rmi(tag)
