"""BuildKit's second-stage checks: message, stable code and exact place of each."""

from __future__ import annotations

import pytest

from dfkit.syntax import parse
from dfkit.syntax.checks import suggestion
from dfkit.syntax.mounts import MountError, parse_mount, split_csv
from dfkit.syntax.values import GoValueError, format_go_duration, parse_go_duration


def problems(text: str) -> list[tuple[str, str, int, int]]:
    dockerfile = parse(text)
    assert dockerfile.ok, dockerfile.parse_errors
    source = dockerfile.source
    out = []
    for issue in dockerfile.issues:
        if issue.stage != "instruction":
            continue
        position = source.position(issue.span.start)
        out.append((issue.code, issue.message, position.line, position.column))
    return out


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("FORM x", [("unknown-instruction", "unknown instruction: FORM (did you mean FROM?)", 2, 1)]),
        ("cpy a b", [("unknown-instruction", "unknown instruction: cpy (did you mean copy?)", 2, 1)]),
        ("FOOBAR x", [("unknown-instruction", "unknown instruction: FOOBAR", 2, 1)]),
        ("WORKDIR", [("missing-arguments", "WORKDIR requires exactly one argument", 2, 1)]),
        ("USER", [("missing-arguments", "USER requires exactly one argument", 2, 1)]),
        ("FROM a b", [("wrong-argument-count", "FROM requires either one or three arguments", 2, 6)]),
        ("FROM a to b", [("wrong-argument-count", "FROM requires either one or three arguments", 2, 6)]),
        (
            "FROM a AS 1x",
            [("invalid-stage-name", 'invalid name for build stage: "1x", name can\'t start with a number or contain symbols', 2, 11)],
        ),
        ("ENV", [("missing-arguments", "ENV requires at least one argument", 2, 1)]),
        ("ENV =x", [("blank-name", "ENV names can not be blank", 2, 5)]),
        ("ARG", [("missing-arguments", "ARG requires at least one argument", 2, 1)]),
        ("ARG =x", [("blank-name", "ARG names can not be blank", 2, 5)]),
        (
            "COPY onlyone",
            [
                (
                    "missing-arguments",
                    "COPY requires at least two arguments, but only one was provided. Destination could not be determined",
                    2,
                    6,
                )
            ],
        ),
        ("COPY a <<EOF", [("heredoc-destination", "COPY cannot accept a heredoc as a destination", 2, 8)]),
        ("EXPOSE", [("missing-arguments", "EXPOSE requires at least one argument", 2, 1)]),
        ('VOLUME ["/a", " "]', [("empty-volume", "VOLUME specified can not be an empty string", 2, 15)]),
        ("SHELL /bin/sh -c", [("shell-not-json", "SHELL requires the arguments to be in JSON form", 2, 7)]),
        ("SHELL []", [("missing-arguments", "SHELL requires at least one argument", 2, 1)]),
        ("ONBUILD", [("missing-arguments", "ONBUILD requires at least one argument", 2, 1)]),
        ("ONBUILD ONBUILD RUN x", [("forbidden-onbuild-trigger", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", 2, 9)]),
        ("ONBUILD from x", [("forbidden-onbuild-trigger", "FROM isn't allowed as an ONBUILD trigger", 2, 9)]),
        ("ONBUILD MAINTAINER me", [("forbidden-onbuild-trigger", "MAINTAINER isn't allowed as an ONBUILD trigger", 2, 9)]),
        ("ONBUILD COPY --bogus a b", [("unknown-flag", "unknown flag: --bogus", 2, 14)]),
        ("HEALTHCHECK", [("missing-arguments", "HEALTHCHECK requires at least one argument", 2, 1)]),
        ("HEALTHCHECK NONE x", [("invalid-healthcheck", "HEALTHCHECK NONE takes no arguments", 2, 18)]),
        ("HEALTHCHECK --bogus=1 NONE", []),  # flags on NONE are never looked at
        ("HEALTHCHECK CONNECT TCP 7000", [("invalid-healthcheck", 'Unknown type "CONNECT" in HEALTHCHECK (try CMD)', 2, 13)]),
        ("HEALTHCHECK CMD", [("invalid-healthcheck", "Missing command after HEALTHCHECK CMD", 2, 13)]),
        ("HEALTHCHECK --interval=abc CMD true", [("invalid-flag-value", 'time: invalid duration "abc"', 2, 13)]),
        ("HEALTHCHECK --interval=5 CMD true", [("invalid-flag-value", 'time: missing unit in duration "5"', 2, 13)]),
        ("HEALTHCHECK --timeout=1d CMD true", [("invalid-flag-value", 'time: unknown unit "d" in duration "1d"', 2, 13)]),
        ("HEALTHCHECK --interval=500us CMD true", [("invalid-flag-value", 'Interval "interval" cannot be less than 1ms', 2, 13)]),
        ("HEALTHCHECK --interval=0 --timeout=0s --start-interval=1m30s CMD true", []),
        ("HEALTHCHECK --retries=-1 CMD true", [("invalid-flag-value", "--retries cannot be negative (-1)", 2, 13)]),
        ("HEALTHCHECK --retries=x CMD true", [("invalid-flag-value", 'strconv.ParseInt: parsing "x": invalid syntax', 2, 13)]),
        ("HEALTHCHECK --intervall=5s CMD true", [("unknown-flag", "unknown flag: --intervall (did you mean --interval?)", 2, 13)]),
        ("RUN --network=bogus true", [("invalid-flag-value", 'invalid network mode "bogus"', 2, 5)]),
        ("RUN --security=root true", [("invalid-flag-value", 'security "root" is not valid', 2, 5)]),
        ("RUN --network=$NET true", []),  # decided once expanded
        ("RUN --mount=type=cahce,target=/x true", [("invalid-flag-value", 'unsupported mount type "cahce" (did you mean cache?)', 2, 5)]),
        ("RUN --mount=type=bind,mode=0755,target=/x true", [("invalid-flag-value", 'mode not allowed for "bind" type mounts', 2, 5)]),
        ("RUN --mount=type=secret true", [("invalid-flag-value", "invalid secret mount. one of source, target required", 2, 5)]),
        ("RUN --mount=target=/x,ro,bogus true", [("invalid-flag-value", "invalid field 'bogus' must be a key=value pair", 2, 5)]),
        ("RUN --mount=from=$STAGE,target=/x true", [("invalid-flag-value", "'from' doesn't support variable expansion, define alias stage instead", 2, 5)]),
        ("RUN --mount=type=$T,target=/x true", []),
        ("COPY --link --link a b", [("duplicate-flag", "duplicate flag specified: --link", 2, 13)]),
        ("COPY --exclude=a --exclude=b a b", []),  # repeatable
        ("COPY --from a b", [("flag-missing-value", "missing a value on flag: --from", 2, 6)]),
        ("COPY --link= a b", [("flag-missing-value", "missing a value on flag: --link", 2, 6)]),
        ("COPY --link=yes a b", [("flag-not-boolean", "expecting boolean value for flag --link, not: yes", 2, 6)]),
        ("COPY --link=TRUE --parents=false a b", []),
        ("COPY --checksum=sha256:x a b", [("unknown-flag", "unknown flag: --checksum", 2, 6)]),
        ("ADD --from=x a b", [("unknown-flag", "unknown flag: --from", 2, 5)]),
        ("ADD --checksum=sha256:x --keep-git-dir --unpack=false --exclude=y a b", []),
        ("COPY --from=$X a b", [("variable-in-copy-from", "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround", 2, 6)]),
        ("ENV --x=1 a=b", [("unknown-flag", "unknown flag: --x", 2, 5)]),
        ("ARG --x=1 a", []),  # ARG never validates its flags
        ("STOPSIGNAL --x 9", []),  # neither does STOPSIGNAL
        ("FROM --platfrom=linux/amd64 x", [("unknown-flag", "unknown flag: --platfrom (did you mean --platform?)", 2, 6)]),
        ("FOO --x", [("unknown-instruction", "unknown instruction: FOO (did you mean FROM?)", 2, 1)]),
    ],
)
def test_second_stage_checks(line: str, expected: list[tuple[str, str, int, int]]) -> None:
    body = "EOF\n" if "<<EOF" in line else ""
    assert problems("FROM scratch\n" + line + "\n" + body) == expected


def test_instruction_before_the_first_from() -> None:
    assert problems("ARG V=1\nRUN x\nFROM scratch\n") == [
        ("instruction-before-from", "no build stage in current context", 2, 1)
    ]


def test_only_args() -> None:
    assert problems("ARG A\nARG B\n") == [("no-stages", "dockerfile contains no stages to build", 2, 1)]


def test_suggestion_matches_buildkit() -> None:
    assert suggestion("FORM", ["from", "run"], case_sensitive=False) == "FROM"
    assert suggestion("Form", ["from", "run"], case_sensitive=False) == "from"
    assert suggestion("xyzzy", ["from", "run"], case_sensitive=False) is None
    assert suggestion("from", ["from"], case_sensitive=False) is None


@pytest.mark.parametrize(
    ("text", "nanoseconds"),
    [("0", 0), ("5s", 5_000_000_000), ("1m30s", 90_000_000_000), ("1.5h", 5_400_000_000_000), ("300ms", 300_000_000),
     ("-2us", -2_000), ("1\u00b5s", 1_000), (".5s", 500_000_000), ("1h2m3.004s", 3_723_004_000_000)],
)
def test_go_durations(text: str, nanoseconds: int) -> None:
    assert parse_go_duration(text) == nanoseconds


@pytest.mark.parametrize("text", ["", "5", "s", "1.s5", "-", ".s", "1d", "1 s"])
def test_bad_go_durations(text: str) -> None:
    with pytest.raises(GoValueError):
        parse_go_duration(text)


def test_format_go_duration() -> None:
    assert [format_go_duration(n) for n in (0, 1_000_000, 1_500, 90_000_000_000, 3_600_000_000_000)] == [
        "0s", "1ms", "1.5µs", "1m30s", "1h0m0s",
    ]


def test_mount_defaults_and_fields() -> None:
    cache = parse_mount("type=cache,target=/root/.cache,id=pip,sharing=locked,mode=0700,uid=1000")
    assert (cache.type, cache.target, cache.id, cache.sharing, cache.mode, cache.uid, cache.readonly) == (
        "cache", "/root/.cache", "pip", "locked", 0o700, 1000, False,
    )
    bind = parse_mount("target=/src,from=build,source=/out")
    assert (bind.type, bind.from_, bind.readonly) == ("bind", "build", True)
    assert parse_mount("type=bind,target=/x,rw").readonly is False
    secret = parse_mount("type=secret,id=npm,required,env=TOKEN")
    assert (secret.required, secret.env) == (True, "TOKEN")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("type=tmpfs,target=/t,sharing=shared", "invalid cache sharing set for tmpfs mount"),
        ("type=secret,id=a,from=b", "secret mount should not have a from"),
        ("type=secret,id=a,source=b", "both source and id can't be set"),
        ("type=bind,target=/x,required", "unexpected key 'required' for mount type 'bind'"),
        ("type=cache,target=/x,mode=999", "invalid value 999 for mode"),
        ("type=cache,target=/x,ro=maybe", "invalid value for ro: maybe"),
        ("type=cache,tagret=/x", "unexpected key 'tagret' in 'tagret=/x' (did you mean target?)"),
        ('"target=/a,b', 'failed to parse csv mounts: parse error on line 1, column 13: extraneous or missing " in quoted-field'),
        ('target=a"b', 'failed to parse csv mounts: parse error on line 1, column 9: bare " in non-quoted-field'),
    ],
)
def test_mount_errors(value: str, message: str) -> None:
    with pytest.raises(MountError) as error:
        parse_mount(value)
    assert str(error.value) == message


def test_csv_fields_like_go() -> None:
    assert split_csv('type=bind,"target=/a,b",ro') == ["type=bind", "target=/a,b", "ro"]
    assert split_csv('"a""b",') == ['a"b', ""]
