"""The semantic pass: the values a real build computes, and the problems it finds."""

from __future__ import annotations

import pytest

from dfkit.semantics import DEFAULT_PATH, analyze, resolve_dest, resolve_workdir
from dfkit.semantics import model as m
from dfkit.semantics.analyze import port_problem
from dfkit.semantics.expand import process
from dfkit.syntax import parse


def semantics(text: str, **options: object) -> m.Semantics:
    dockerfile = parse(text)
    assert dockerfile.ok, dockerfile.parse_errors
    return analyze(dockerfile, **options)  # type: ignore[arg-type]


def steps(result: m.Semantics, stage: int = -1) -> list[m.Step]:
    return list(result.stages[stage].steps)


def issues(result: m.Semantics, code: str | None = None) -> list[tuple[str, str]]:
    return [(i.code, i.message) for i in result.issues if code is None or i.code == code]


def env_after(result: m.Semantics, stage: int = -1) -> dict[str, str]:
    return dict(result.stages[stage].final_env)


# -- values a real build gives ------------------------------------------------------------


def test_global_arg_is_seen_by_from_only_until_redeclared() -> None:
    result = semantics(
        "ARG VERSION=latest\nFROM busybox:$VERSION\nENV BEFORE=[$VERSION]\nARG VERSION\nENV AFTER=[$VERSION]\n"
    )
    assert result.stages[0].base.text == "busybox:latest"
    assert str(result.stages[0].base.image) == "docker.io/library/busybox:latest"
    env = steps(result)
    assert env[0].expanded == m.PairsX((("BEFORE", "[]"),))
    assert env[2].expanded == m.PairsX((("AFTER", "[latest]"),))
    assert env[1].expanded.bindings[0].source == "global"


def test_build_arg_overrides_stage_default_and_global() -> None:
    text = "ARG X=global\nFROM scratch\nARG X=stage\nENV Y=$X\n"
    assert env_after(semantics(text))["Y"] == "stage"
    assert env_after(semantics(text, build_args={"X": "cli"}))["Y"] == "cli"
    assert semantics(text, build_args={"X": "cli"}).global_env["X"] == "cli"


def test_global_arg_not_redeclared_expands_to_empty_and_is_flagged() -> None:
    result = semantics("ARG G=g\nFROM scratch\nENV A=${G}x\n")
    assert env_after(result)["A"] == "x"
    assert issues(result, "undefined-var") == [("undefined-var", "Usage of undefined variable '$G'")]


def test_relative_workdir_chain() -> None:
    result = semantics("FROM scratch\nARG D=data\nWORKDIR /app\nWORKDIR sub\nWORKDIR ../$D\nWORKDIR rel/../x/\n")
    resolved = [s.expanded.resolved for s in steps(result) if isinstance(s.expanded, m.WorkdirX)]
    assert resolved == ["/app", "/app/sub", "/app/data", "/app/data/x"]
    assert result.stages[0].workdir == "/app/data/x"


def test_first_relative_workdir_is_from_root() -> None:
    result = semantics("FROM scratch\nWORKDIR app\n")
    assert result.stages[0].workdir == "/app"


def test_path_extension_on_scratch() -> None:
    result = semantics("FROM scratch\nENV PATH=/opt/bin:$PATH\n")
    assert env_after(result)["PATH"] == "/opt/bin:" + DEFAULT_PATH
    assert result.stages[0].image_env == (("PATH", "/opt/bin:" + DEFAULT_PATH),)


def test_env_values_see_the_environment_before_the_instruction() -> None:
    result = semantics("FROM scratch\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n")
    assert env_after(result) == {"PATH": DEFAULT_PATH, "abc": "bye", "def": "hello", "ghi": "bye"}
    assert [k for k, _ in result.stages[0].image_env] == ["PATH", "abc", "def", "ghi"]


def test_env_shadows_arg_for_later_expansion() -> None:
    result = semantics("FROM scratch\nARG V=arg\nENV V=env\nLABEL v=$V\n")
    assert steps(result)[-1].expanded == m.PairsX((("v", "env"),))


def test_expose_splits_words_after_expansion() -> None:
    result = semantics('FROM scratch\nARG PORTS="80 443"\nEXPOSE $PORTS 53/udp\n')
    assert steps(result)[-1].expanded == m.ListX(("80", "443", "53/udp"))


def test_quotes_and_escapes_in_env_and_label_values() -> None:
    result = semantics('FROM scratch\nENV a="two words" b=three\\ words c=\'$x\'\nLABEL "k e y"="v"\n')
    assert steps(result)[0].expanded == m.PairsX((("a", "two words"), ("b", "three words"), ("c", "$x")))
    assert steps(result)[1].expanded == m.PairsX((("k e y", "v"),))


def test_copy_operands() -> None:
    result = semantics(
        "FROM scratch AS build\nFROM scratch\nARG OWNER=1000\nWORKDIR /srv\n"
        "COPY --from=build --chown=$OWNER:$OWNER --chmod=0755 /out/$OWNER app/\n"
        "ADD https://example.com/x.tgz .\n"
    )
    copy = steps(result)[2].expanded
    assert isinstance(copy, m.CopyX)
    assert (copy.sources, copy.dest, copy.dest_resolved) == (("/out/1000",), "app/", "/srv/app/")
    assert (copy.chown, copy.chmod, copy.source_stage, copy.source_image) == ("1000:1000", "0755", 0, None)
    add = steps(result)[3].expanded
    assert add.dest_resolved == "/srv/"


def test_copy_from_is_not_expanded() -> None:
    result = semantics("FROM scratch\nCOPY --from=$X a b\n")
    assert steps(result)[0].expanded.source_image == "$X"
    assert not issues(result, "undefined-var")


def test_heredoc_bodies_of_copy_are_expanded_unless_quoted() -> None:
    result = semantics(
        "FROM scratch\nARG NAME=world\nCOPY <<EOF <<'RAW' /d/\nhi '${NAME}' \\$x\nEOF\nhi ${NAME}\nRAW\n"
    )
    assert steps(result)[-1].expanded.heredocs == ("hi 'world' $x\n", "hi ${NAME}\n")


def test_run_is_not_expanded_but_its_mounts_are() -> None:
    result = semantics("FROM scratch\nARG ID=pip\nRUN --mount=type=cache,id=$ID,target=/c echo $UNDEFINED\n")
    run = steps(result)[-1].expanded
    assert isinstance(run, m.RunX)
    assert run.mounts[0].id == "pip"
    assert not issues(result, "undefined-var")


def test_from_sees_only_global_args() -> None:
    result = semantics("FROM scratch AS a\nARG X=busybox\nFROM $X\n")
    assert issues(result, "blank-base-name") == [("blank-base-name", "base name ($X) should not be blank")]
    assert issues(result, "undefined-arg-in-from") == [("undefined-arg-in-from", "FROM argument 'X' is not declared")]


def test_stage_built_from_a_stage_inherits_its_state() -> None:
    result = semantics(
        "FROM scratch AS base\nARG A=1\nENV E=e\nWORKDIR /w\nUSER nobody\nSHELL [\"/bin/ash\", \"-c\"]\n"
        "FROM base\nENV F=$E$A\n"
    )
    child = result.stages[1]
    assert child.base.kind == "stage" and child.base.stage == 0
    assert (child.workdir, child.user, child.shell) == ("/w", "nobody", ("/bin/ash", "-c"))
    assert env_after(result)["F"] == "e1"  # BuildKit carries the base stage's ARGs too
    assert [b.name for b in child.args] == ["A"]


def test_platform_args() -> None:
    result = semantics(
        "FROM --platform=$BUILDPLATFORM scratch AS b\nARG TARGETARCH\nARG TARGETPLATFORM\nENV A=$TARGETARCH P=$TARGETPLATFORM\n",
        platform="linux/arm64",
        build_platform="linux/amd64",
    )
    assert result.stages[0].platform == "linux/amd64"
    assert env_after(result)["A"] == "arm64"
    assert env_after(result)["P"] == "linux/arm64"
    assert result.global_env["TARGETOS"] == "linux"
    assert result.global_env["TARGETSTAGE"] == "b"


def test_proxy_build_args_are_consumed_but_not_expanded() -> None:
    result = semantics("FROM scratch\nENV P=$HTTP_PROXY\n", build_args={"HTTP_PROXY": "http://proxy:3128"})
    assert env_after(result)["P"] == ""
    assert not issues(result, "unused-build-arg")


def test_onbuild_triggers_of_a_base_stage_run_first() -> None:
    result = semantics(
        "FROM scratch AS parent\nONBUILD ENV T=triggered\nONBUILD WORKDIR /t\nENV P=1\nFROM parent\nENV C=$T\n"
    )
    child = steps(result)
    assert [(s.node.kind, s.onbuild_from) for s in child] == [("env", 0), ("workdir", 0), ("env", None)]
    assert env_after(result)["C"] == "triggered"
    assert result.stages[1].workdir == "/t"


def test_external_base_image_is_opaque() -> None:
    result = semantics("FROM debian:12\nENV A=$HOME/x\nRUN true\n")
    assert not result.stages[0].env_known
    env, run = steps(result)
    assert env.names == frozenset({"HOME"}) and not env.env_known
    assert run.unknown == frozenset({"A"})  # the image may set HOME
    assert not issues(result, "undefined-var")


def test_args_in_scope_for_run() -> None:
    result = semantics(
        "ARG GLOBAL=g\nFROM scratch\nARG GLOBAL\nARG X=1\nARG Y\nARG Z=z\nENV Z=${Z}-env\nRUN echo\n",
        build_args={"Y": "why"},
    )
    run = steps(result)[-1]
    assert [(b.name, b.value, b.source) for b in run.args] == [
        ("GLOBAL", "g", "global"),
        ("X", "1", "default"),
        ("Y", "why", "build-arg"),
        ("Z", "z", "default"),
    ]
    assert run.env["Z"] == "z-env"


# -- stages, edges, targets ----------------------------------------------------------------


GRAPH = """\
FROM scratch AS deps
FROM scratch AS Build
COPY --from=deps /a /a
RUN --mount=type=bind,from=tools,target=/t true
FROM busybox AS tools
FROM build AS test
FROM scratch AS final
COPY --from=1 /out /out
COPY --from=alpine:3 /etc/os-release /
"""


def test_stage_graph_and_target_needs() -> None:
    result = semantics(GRAPH)
    assert [s.name for s in result.stages] == ["deps", "build", "tools", "test", "final"]
    edges = {s.index: [(e.kind, e.stage, e.name) for e in s.edges] for s in result.stages}
    assert edges[1] == [("copy", 0, "deps"), ("mount", 2, "tools")]
    assert edges[3] == [("from", 1, "build")]
    assert edges[4] == [("copy", 1, "1"), ("copy", None, "alpine:3")]
    assert result.target == 4
    assert result.needed == {0, 1, 2, 4}


def test_target_by_name_case_insensitive() -> None:
    result = semantics(GRAPH, target="TEST")
    assert result.target == 3
    assert result.needed == {0, 1, 2, 3}


def test_unknown_target_with_suggestion() -> None:
    result = semantics(GRAPH, target="tset")
    assert result.target is None
    assert issues(result, "unknown-target") == [
        ("unknown-target", 'target stage "tset" could not be found (did you mean test?)')
    ]


def test_from_stage_reference_is_case_sensitive() -> None:
    result = semantics("FROM scratch AS base\nFROM Base\n")
    assert result.stages[1].base.kind == "image"
    assert issues(result, "invalid-base-reference")


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("FROM scratch\nCOPY --from=2 a b\nFROM scratch\n", "invalid-stage-index", "invalid stage index 2"),
        (
            "FROM scratch AS a\nCOPY --from=b x y\nFROM scratch AS b\n",
            "copy-from-later-stage",
            'cannot copy from stage "b", it needs to be defined before current stage "a"',
        ),
        (
            "FROM scratch AS a\nCOPY --from=b x y\nFROM scratch AS b\nCOPY --from=a x y\n",
            "circular-dependency",
            "circular dependency detected on stage: a",
        ),
    ],
)
def test_stage_order_errors(text: str, code: str, message: str) -> None:
    assert (code, message) in issues(semantics(text), code)


# -- findings for the linter ---------------------------------------------------------------


def test_undefined_arg_in_from_with_suggestion() -> None:
    result = semantics("ARG VERSION=1\nFROM alpine:$VERSON\n")
    assert issues(result, "undefined-arg-in-from") == [
        ("undefined-arg-in-from", "FROM argument 'VERSON' is not declared")
    ]
    assert next(i for i in result.issues if i.code == "undefined-arg-in-from").suggestion == "VERSION"
    assert issues(result, "invalid-default-arg-in-from")  # alpine: is no image name


def test_invalid_default_arg_in_from() -> None:
    result = semantics("ARG TAG\nFROM busybox:$TAG\n", build_args={"TAG": "1"})
    assert issues(result, "invalid-default-arg-in-from") == [
        ("invalid-default-arg-in-from", "Default value for ARG busybox:$TAG results in empty or invalid base image name")
    ]
    assert result.stages[0].base.text == "busybox:1"


def test_unused_global_arg() -> None:
    result = semantics("ARG USED=1\nARG UNUSED=2\nARG REDECLARED=3\nFROM alpine:$USED\nARG REDECLARED\n")
    assert issues(result, "unused-arg") == [
        ("unused-arg", "Global ARG UNUSED is never used: FROM lines do not read it and no stage redeclares it")
    ]


def test_unused_build_args() -> None:
    result = semantics(
        "ARG A\nFROM scratch\nARG B\n",
        build_args={"A": "1", "B": "2", "C": "3", "HTTPS_PROXY": "x", "BUILDKIT_INLINE_CACHE": "1"},
    )
    assert issues(result, "unused-build-arg") == [("unused-build-arg", "build-arg C is not consumed: no ARG declares it")]


@pytest.mark.parametrize(
    ("line", "code", "message"),
    [
        ("EXPOSE 80/tpc", "invalid-port", "invalid proto: tpc"),
        ("EXPOSE 99999", "invalid-port", "invalid containerPort: 99999"),
        ("STOPSIGNAL SIGBOGUS", "invalid-signal", "invalid signal: SIGBOGUS"),
        ("COPY --chmod=999 a b", "invalid-chmod", "invalid chmod parameter: '999'. it should be octal string and between 0 and 07777"),
        ("ADD --checksum=sha256:abc https://x/y /", "invalid-checksum", "invalid checksum digest length"),
        ("ADD --checksum=sha256:" + "a" * 64 + " local.tar /", "invalid-checksum", "checksum can't be specified for non-HTTP(S) sources"),
        ("COPY https://example.com/x /", "copy-source-url", "source can't be a URL for COPY"),
        ("ENV A=${B:-x", "expansion-error", 'failed to process "${B:-x": syntax error: missing \'}\''),
        ("RUN --mount=type=cache,target=$T,sharing=$S true", "invalid-mount", 'unsupported sharing value ""'),
    ],
)
def test_build_time_errors(line: str, code: str, message: str) -> None:
    result = semantics("FROM scratch\n" + line + "\n")
    assert (code, message) in issues(result, code)


def test_valid_operands_raise_nothing() -> None:
    result = semantics(
        "FROM scratch\nEXPOSE 80 443/tcp 53/udp 8000-8010/sctp 127.0.0.1:8080:80\nSTOPSIGNAL 9\nSTOPSIGNAL kill\n"
        "ADD --checksum=sha256:" + "a" * 64 + " https://x/y /\nCOPY --chmod=644 a b\n"
    )
    assert issues(result) == []


def test_resolve_helpers() -> None:
    assert resolve_workdir("", "a") == "/a"
    assert resolve_workdir("/a", "/b/../c/") == "/c"
    assert resolve_dest("/app", ".") == "/app/"
    assert resolve_dest("", "x") == "/x"
    assert resolve_dest("/app", "/etc/conf/") == "/etc/conf/"


def test_symbolic_chmod_is_accepted() -> None:
    assert issues(semantics("FROM scratch\nCOPY --chmod=u=rwx,go=rx a b\nCOPY --chmod=+x c d\n")) == []


def test_duplicate_stage_names_copy_from_takes_the_last() -> None:
    # BuildKit's table of stage names keeps the last stage of a name, so this COPY
    # refers to a stage defined after it: the build fails.
    sem = analyze(parse("FROM alpine AS x\nFROM alpine AS y\nCOPY --from=x /a /b\nFROM alpine AS x\n"))
    assert [(edge.kind, edge.stage) for edge in sem.stages[1].edges] == [("copy", 2)]
    assert [issue.code for issue in sem.issues] == ["copy-from-later-stage"]


def test_target_takes_the_last_stage_of_a_name() -> None:
    sem = analyze(parse("FROM alpine AS x\nFROM busybox AS x\nFROM scratch\n"), target="x")
    assert sem.target == 1


# -- values a lint cannot know --------------------------------------------------------------


def test_unknown_names_propagate_through_arg_and_env() -> None:
    text = "FROM scratch\nARG V\nENV X=$V\nENV Y=${X}y Z=${V:-z}\nARG A B=$A C=1\nENV X=1\nRUN true\n"
    dispatched = steps(semantics(text))
    env_y, run = dispatched[2], dispatched[-1]
    assert run.unknown == frozenset({"V", "Y", "A", "B"})  # X is set again; Z takes its default
    assert env_y.names == frozenset({"X", "V"}) and run.names == frozenset()
    assert steps(semantics(text, build_args={"V": "v", "A": "a"}))[-1].unknown == frozenset()
    assert steps(semantics(text.replace("ARG V\n", "ARG V=1\n")))[-1].unknown == frozenset({"A", "B"})


def test_unknown_global_args_and_what_stages_take_from_them() -> None:
    result = semantics("ARG G\nARG H=${G}h\nARG I=i\nFROM scratch\nARG H\nARG I\nRUN true\n")
    assert result.global_unknown == frozenset({"G", "H"})
    run = steps(result)[-1]
    assert [(b.name, b.value, b.known) for b in run.args] == [("H", "h", False), ("I", "i", True)]
    assert run.unknown == frozenset({"H"})


def test_stage_inherits_unknown_names_of_its_base_stage() -> None:
    result = semantics("FROM scratch AS base\nARG V\nENV X=$V\nFROM base\nRUN true\n")
    assert steps(result)[-1].unknown == frozenset({"V", "X"})


def test_step_knows_its_expansions() -> None:
    step = steps(semantics("FROM scratch\nARG V\nENV K=1\nRUN true\n"))[-1]
    assert step.knows(process("$K-${U}-${V:-d}", step.env))  # U is undefined: "" for sure
    assert not step.knows(process("$V", step.env))
    opaque = steps(semantics("FROM alpine\nARG V=1\nRUN true\n"))[-1]
    assert opaque.knows(process("$V", opaque.env)) and not opaque.knows(process("$HOME", opaque.env))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FROM scratch\nARG S\nSTOPSIGNAL $S\n", "invalid-signal"),
        ("FROM scratch\nARG S\nENV SIGNAL=SIG$S\nSTOPSIGNAL $SIGNAL\n", "invalid-signal"),
        ("FROM scratch\nARG P\nEXPOSE $P/tcp\n", "invalid-port"),
        ("FROM scratch\nARG M\nCOPY --chmod=9$M a b\n", "invalid-chmod"),
        ("FROM scratch\nARG C\nADD --checksum=sha256:$C https://x/y /\n", "invalid-checksum"),
        ("FROM scratch\nARG U\nADD --checksum=sha256:" + "a" * 64 + " $U /\n", "invalid-checksum"),
        ("FROM scratch\nARG S\nRUN --mount=type=cache,target=/c,sharing=$S true\n", "invalid-mount"),
        ("FROM alpine\nSTOPSIGNAL $SIGNAL\n", "invalid-signal"),  # the image may set SIGNAL
        ("ARG BASE\nFROM $BASE\n", "blank-base-name"),
        ("ARG TAG\nFROM alpine:$TAG\n", "invalid-base-reference"),
        ("ARG P\nFROM --platform=$P alpine\n", "blank-platform"),
        ("ARG ARCH\nFROM --platform=linux/$ARCH alpine\n", "invalid-platform"),
    ],
)
def test_no_issue_from_unknown_values(text: str, code: str) -> None:
    assert issues(semantics(text), code) == []


def test_issue_once_the_build_arg_is_known() -> None:
    text = "FROM scratch\nARG S\nENV SIGNAL=$S\nSTOPSIGNAL $SIGNAL\n"
    assert issues(semantics(text, build_args={"S": "BOGUS"}), "invalid-signal") == [
        ("invalid-signal", "invalid signal: BOGUS")
    ]


def test_global_default_that_fails_to_expand_is_unknown() -> None:
    result = semantics('ARG V="${x:y}"\nFROM node:${V}\nFROM alpine:${V:-20}\n')
    assert [i.code for i in result.issues] == ["expansion-error"]  # BuildKit stops there
    assert (result.global_args[0].value, result.global_args[0].known) == (None, False)
    assert result.global_unknown == frozenset({"V"})


def test_redeclared_arg_keeps_its_value() -> None:
    result = semantics("FROM scratch\nARG A=1\nARG A\nARG B\nARG B\nRUN true\n")
    second_a, second_b = steps(result)[1].expanded.bindings[0], steps(result)[3].expanded.bindings[0]
    assert (second_a.value, second_a.source, second_a.known) == ("1", "default", True)
    assert (second_b.value, second_b.source, second_b.known) == (None, "unset", False)
    assert steps(result)[-1].env["A"] == "1"


def test_arg_declarations_see_the_ones_before_them() -> None:
    arg = steps(semantics("FROM scratch\nARG A=1 B=$A-2\n"))[0]
    assert [(b.name, b.value) for b in arg.expanded.bindings] == [("A", "1"), ("B", "1-2")]


# -- what BuildKit refuses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("80", None),
        ("8000-8010/UDP", None),
        ("127.0.0.1:8080:80", None),
        ("[::1]:8080:80", None),
        ("80-81:90", None),  # a host range for one container port is where to allocate
        ("8000-8001:80-81", None),
        ("999.1.1.1:80:80", "invalid IP address: 999.1.1.1"),
        ("fe80::1%eth0:80:80", "invalid IP address: fe80::1%eth0"),
        ("[::1:80:80", "invalid IP address [::1: address [::1:: missing ']' in address"),
        ("90:80-81", "invalid ranges specified for container and host Ports: 80-81 and 90"),
        ("x:80", "invalid hostPort: x"),
        ("9000-8000", "invalid containerPort: 9000-8000"),
        ("1-2-3", "invalid containerPort: 1-2-3"),
        ("80/HTTP", "invalid proto: http"),
        ("80:/tcp", "no port specified: /tcp<empty>"),
    ],
)
def test_port_problem_is_buildkits(spec: str, problem: str | None) -> None:
    assert port_problem(spec) == problem


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("ARG U=https://example.com/x\nCOPY $U /x", "source can't be a URL for COPY"),
        ("COPY --from=alpine https://example.com/x /x", "source can't be a URL for COPY"),
        ("COPY git@github.com:moby/buildkit.git /src", "source can't be a git ref for COPY"),
        ("COPY https://github.com/moby/buildkit.git#v0.15 /src", "source can't be a git ref for COPY"),
    ],
)
def test_copy_source_url_judges_the_expanded_source(line: str, message: str) -> None:
    assert issues(semantics("FROM scratch\n" + line + "\n"), "copy-source-url") == [("copy-source-url", message)]


def test_copy_of_local_or_unknown_sources_is_fine() -> None:
    text = "FROM scratch\nARG U\nCOPY $U github.com/moby/buildkit ./https /x/\n"
    assert issues(semantics(text), "copy-source-url") == []
