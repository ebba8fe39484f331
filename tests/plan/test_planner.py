"""The planner's simulation of the run-commit-run loop, instruction by instruction.

The recorded real builds (`test_recordings.py`) are the truth for whole images; these
tests pin down each rule of the loop on small inputs.
"""

from __future__ import annotations

import pytest

from dfkit.plan import model as m
from dfkit.plan.planner import exposed_ports, plan
from dfkit.plan.builders import BUILDERS
from dfkit.syntax import parse


def planned(text: str, **options: object) -> m.BuildPlan:
    dockerfile = parse(text)
    assert dockerfile.ok, dockerfile.issues
    return plan(dockerfile, **options)  # type: ignore[arg-type]


def config(text: str, **options: object) -> dict[str, object]:
    result = planned(text, **options)
    assert result.image is not None
    return result.image.config.model_dump(exclude_none=True)


def history(text: str, **options: object) -> list[tuple[str, bool]]:
    result = planned(text, **options)
    assert result.image is not None
    return [(h.created_by, h.empty_layer) for h in result.image.history]


# -- the image config ----------------------------------------------------------------------


def test_entrypoint_resets_an_inherited_cmd_but_not_its_own() -> None:
    base = 'FROM scratch AS base\nCMD ["serve"]\n'
    assert "Cmd" not in config(base + 'FROM base\nENTRYPOINT ["app"]\n')
    assert config(base + 'FROM base\nCMD ["x"]\nENTRYPOINT ["app"]\n')["Cmd"] == ["x"]
    assert config('FROM scratch\nENTRYPOINT ["app"]\nCMD ["--help"]\n')["Cmd"] == ["--help"]


def test_env_keeps_its_order_and_replaces_in_place() -> None:
    env = config("FROM scratch\nENV A=1\nENV PATH=/opt/bin:$PATH B=2\nENV A=3\n")["Env"]
    assert env == ["PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=3", "B=2"]


def test_relative_workdirs_resolve_and_expand() -> None:
    text = "FROM scratch\nENV D=data\nWORKDIR /app\nWORKDIR sub/$D\nWORKDIR ..\n"
    assert config(text)["WorkingDir"] == "/app/sub"


def test_default_working_dir_differs_by_builder() -> None:
    assert config("FROM scratch\n", builder="buildkit")["WorkingDir"] == "/"
    assert config("FROM scratch\n", builder="classic")["WorkingDir"] == ""
    assert config("FROM scratch\n", builder="buildah")["WorkingDir"] == ""


def test_healthcheck_durations_in_nanoseconds() -> None:
    text = "FROM scratch\nHEALTHCHECK --interval=1m30s --timeout=500ms --retries=3 CMD curl -f http://x/\n"
    assert config(text)["Healthcheck"] == {
        "Test": ["CMD-SHELL", "curl -f http://x/"],
        "Interval": 90_000_000_000,
        "Timeout": 500_000_000,
        "Retries": 3,
    }
    assert config('FROM scratch\nHEALTHCHECK CMD ["true"]\nHEALTHCHECK NONE\n')["Healthcheck"] == {"Test": ["NONE"]}


def test_shell_form_commands_under_a_custom_shell() -> None:
    text = 'FROM scratch\nSHELL ["/bin/bash", "-eo", "pipefail", "-c"]\nCMD run it\n'
    assert config(text, builder="buildkit")["Cmd"] == ["/bin/bash", "-eo", "pipefail", "-c", "run it"]
    assert config(text, builder="buildah")["Cmd"] == ["/bin/sh", "-c", "run it"]


@pytest.mark.parametrize(
    ("builder", "ports"),
    [
        ("buildkit", ["80/tcp", "1000/udp", "1001/udp", "53/udp", "8080/tcp"]),
        ("buildah", ["80/tcp", "1000-1001/udp", "53/UDP", "8080/tcp"]),
    ],
)
def test_exposed_ports(builder: str, ports: list[str]) -> None:
    words = ["80", "1000-1001/udp", "53/UDP", "127.0.0.1:8080:8080" if builder == "buildkit" else "8080/tcp"]
    assert exposed_ports(words, BUILDERS[builder]) == ports


def test_maintainer_sets_the_author_the_last_one_wins() -> None:
    result = planned("FROM scratch\nMAINTAINER a\nMAINTAINER b <b@x>\n")
    assert result.image is not None and result.image.author == "b <b@x>"


def test_labels_and_volumes() -> None:
    cfg = config('FROM scratch\nARG V=1.0\nLABEL "a b"=c version=$V\nLABEL version=2\nVOLUME ["/data", "/logs"]\n')
    assert cfg["Labels"] == {"a b": "c", "version": "2"}
    assert cfg["Volumes"] == {"/data": {}, "/logs": {}}


# -- layers and history --------------------------------------------------------------------


def test_only_run_copy_add_commit_layers_with_buildah() -> None:
    text = "FROM scratch\nCOPY a /a\nENV X=1\nWORKDIR /w\nRUN true\nUSER 1\n"
    assert [empty for _, empty in history(text, builder="buildah")] == [False, True, True, False, True]


def test_buildkit_commits_every_workdir() -> None:
    steps = planned("FROM scratch\nWORKDIR /a\nWORKDIR /a\n", builder="buildkit").stages[0].steps
    assert [s.creates_layer for s in steps] == [True, True]


def test_classic_commits_a_workdir_only_when_it_creates_the_directory() -> None:
    steps = planned("FROM scratch\nWORKDIR /a\nWORKDIR /a\nWORKDIR /\nRUN true\nWORKDIR /b\n", builder="classic").stages[0].steps
    assert [s.creates_layer for s in steps] == [True, False, False, True, True]
    assert steps[4].notes and "may have created it" in steps[4].notes[0]


def test_run_history_lists_build_args_as_each_builder_does() -> None:
    text = "FROM scratch\nARG A=1\nARG B\nARG C=3\nENV C=env\nRUN echo\n"
    runs = {b: history(text, builder=b)[-1][0] for b in ("buildkit", "classic", "buildah")}
    assert runs["buildkit"] == "RUN |3 A=1 B= C=env /bin/sh -c echo # buildkit"
    assert runs["classic"] == "|1 A=1 /bin/sh -c echo"
    assert runs["buildah"] == "|2 A=1 C=env /bin/sh -c echo"


def test_onbuild_triggers_of_a_base_stage_run_first_and_are_cleared() -> None:
    text = "FROM scratch AS base\nONBUILD ENV T=1\nFROM base\nENV C=2\n"
    result = planned(text, builder="buildkit")
    child = result.stages[1]
    assert [(s.instruction, s.onbuild_from) for s in child.steps] == [("ENV", "base"), ("ENV", None)]
    assert child.image is not None and child.image.config.OnBuild is None
    assert result.stages[0].image is not None and result.stages[0].image.config.OnBuild == ["ENV T=1"]


# -- stages, target, graph ---------------------------------------------------------------


def test_target_prunes_stages_it_does_not_need() -> None:
    text = "FROM scratch AS a\nRUN a\nFROM scratch AS b\nRUN b\nFROM scratch AS c\nCOPY --from=a /x /x\n"
    result = planned(text)
    assert [s.needed for s in result.stages] == [True, False, True]
    assert result.stages[1].steps == [] and result.stages[1].image is None
    assert [s.needed for s in planned(text, target="b").stages] == [False, True, False]


def test_graph_levels_and_critical_path() -> None:
    text = (
        "FROM scratch AS a\nRUN 1\nRUN 2\nRUN 3\n"
        "FROM scratch AS b\nRUN 1\n"
        "FROM scratch AS c\nCOPY --from=a /x /x\nCOPY --from=b /y /y\n"
    )
    graph = planned(text).graph
    assert graph.levels == [[0, 1], [2]]
    assert graph.critical_path == [0, 2]
    assert [(e.source, e.target, e.kind) for e in graph.edges] == [(0, 2, "copy"), (1, 2, "copy")]


def test_external_base_is_opaque() -> None:
    result = planned("FROM alpine:3.20\nENV A=1\n")
    image = result.image
    assert image is not None and not image.base_known and image.base_image == "docker.io/library/alpine:3.20"
    assert image.config.Env == ["A=1"]  # only what this Dockerfile adds
    assert result.stages[0].base.kind == "image"


def test_unknown_target_is_an_error() -> None:
    result = planned("FROM scratch AS a\n", target="nope")
    assert not result.ok
    assert [i.code for i in result.issues] == ["unknown-target"]


# -- cache keys ------------------------------------------------------------------------------


def keys(text: str, **options: object) -> list[str]:
    return [s.cache_key for stage in planned(text, **options).stages for s in stage.steps]


def test_cache_keys_are_deterministic_and_chained() -> None:
    text = "FROM scratch\nARG V=1\nENV A=$V\nRUN echo\nLABEL x=y\n"
    assert keys(text) == keys(text)
    one, two = keys(text, build_args={"V": "1"}), keys(text, build_args={"V": "2"})
    assert one[0] != two[0] or one[1] != two[1]  # ARG's value differs ...
    assert all(a != b for a, b in zip(one[1:], two[1:]))  # ... and everything after it


def test_a_build_arg_nothing_uses_changes_no_key() -> None:
    text = "FROM scratch\nRUN echo\n"
    assert keys(text) == keys(text, build_args={"UNUSED": "1"})


def test_add_url_without_checksum_is_not_reproducible() -> None:
    steps = planned("FROM scratch\nADD https://example.com/a.tgz /a\nADD --checksum=sha256:" + "0" * 64 + " https://example.com/b /b\n").stages[0].steps
    assert [s.reproducible for s in steps] == [False, True]
