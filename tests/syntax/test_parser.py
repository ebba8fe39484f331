"""The parser's behaviour, case by case: what BuildKit does, and where in the text."""

from __future__ import annotations

import pytest

from dfkit.syntax import ast, parse
from dfkit.syntax.dump import dump


def one(text: str, index: int = -1) -> ast.Instruction:
    dockerfile = parse(text)
    assert dockerfile.ok, dockerfile.parse_errors
    return dockerfile.instructions[index]


def at(dockerfile: ast.Dockerfile, span: ast.Span) -> tuple[int, int, int, int]:
    source = dockerfile.source
    start, end = source.position(span.start), source.end_position(span)
    return start.line, start.column, end.line, end.column


def dumped(text: str) -> list[str]:
    return dump(parse(text)).splitlines()


# -- keywords, flags, forms -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from x", '(from "x")'),
        ("FrOm x AS y", '(from "x" "AS" "y")'),
        ("FOO bar baz", '(foo "")'),
        ("FROM\u00a0x", '(from\u00a0x "")'),  # NBSP does not end a keyword
        ("RUN \u00a0echo", '(run "echo")'),  # but leading blanks of the arguments go
        ("ONBUİLD RUN x", '(onbuild (run "x"))'),  # Go lower-cases U+0130 to plain i
        ("HEALTHCHEC\u212a NONE", '(healthchec\u212a "NONE")'.replace("\u212a", "k")),
    ],
)
def test_keywords(text: str, expected: str) -> None:
    assert dumped("FROM scratch\n" + text + "\n")[1] == expected


@pytest.mark.parametrize(
    ("line", "flags", "args"),
    [
        ("COPY --from=build --chown=1:1 a b", ["--from=build", "--chown=1:1"], ["a", "b"]),
        ("COPY a --chown=1 b", [], ["a", "--chown=1", "b"]),  # flags only lead
        ("COPY -- --a b", [], ["--a", "b"]),  # a bare -- ends the flags
        ('COPY --chown="a b" c d', ["--chown=a b"], ["c", "d"]),
        ("COPY --x='' c d", ["--x="], ["c", "d"]),
        ("COPY --x=a\\ b c d", ["--x=a b"], ["c", "d"]),
        ("COPY -a b", [], ["-a", "b"]),
        ('COPY --""  a b', [], ["a", "b"]),  # reads as a bare --
        ("RUN --mount=type=cache,target=/x echo hi", ["--mount=type=cache,target=/x"], ["echo hi"]),
        ("RUN --network=none", ["--network=none"], []),
    ],
)
def test_flags(line: str, flags: list[str], args: list[str]) -> None:
    node = one("FROM scratch\n" + line)
    assert [f.text for f in node.flags] == flags
    assert [w.value for w in node.args] == args  # type: ignore[union-attr]


def test_flag_name_value_and_span() -> None:
    dockerfile = parse("FROM scratch\nCOPY  --link --from=builder a b\n")
    copy = dockerfile.instructions[1]
    link, source = copy.flags
    assert (link.name, link.value) == ("link", None)
    assert (source.name, source.value) == ("from", "builder")
    assert at(dockerfile, source.span) == (2, 14, 2, 28)


@pytest.mark.parametrize(
    ("line", "form", "args"),
    [
        ('CMD ["echo", "hi"]', "exec", ["echo", "hi"]),
        ('CMD [ "a" ,\t"b" ]', "exec", ["a", "b"]),
        ("CMD []", "exec", []),
        ("RUN ['a']", "shell", ["['a']"]),
        ('RUN ["a",]', "shell", ['["a",]']),
        ('CMD ["a", "b"] && echo hi', "shell", ['["a", "b"] && echo hi']),  # current BuildKit
        ("CMD [NaN]", "shell", ["[NaN]"]),  # Go's JSON has no NaN
        ('CMD ["c:\\windows"]', "shell", ['["c:\\windows"]']),  # \w is not a JSON escape
        ('CMD ["\\u00e9\\n"]', "exec", ["é\n"]),
        ("CMD [1e400]", "shell", ["[1e400]"]),  # Go cannot decode the number: not JSON
        ("CMD echo  a   b", "shell", ["echo  a   b"]),
        ('COPY ["a b", "c"]', "exec", ["a b", "c"]),
        ('COPY "a b" c', "shell", ['"a', 'b"', "c"]),
        ('VOLUME ["/a", "/b"]', "exec", ["/a", "/b"]),
        ("VOLUME /a /b", "shell", ["/a", "/b"]),
    ],
)
def test_exec_or_shell_form(line: str, form: str, args: list[str]) -> None:
    node = one("FROM scratch\n" + line)
    assert node.form == form  # type: ignore[union-attr]
    assert [w.value for w in node.args] == args  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "line",
    ["CMD [1]", "CMD [null]", 'CMD [ "echo", [ "nested" ] ]', 'ENTRYPOINT ["a", {"b": 1}]', "COPY [true, \"x\"]"],
)
def test_valid_json_that_is_not_an_array_of_strings_is_an_error(line: str) -> None:
    dockerfile = parse("FROM scratch\n" + line + "\n")
    assert [e.message for e in dockerfile.parse_errors] == [
        "when using JSON array syntax, arrays must be comprised of strings only"
    ]
    assert isinstance(dockerfile.instructions[1], ast.Unparsable)


def test_deeply_nested_json_follows_go_depth_limit() -> None:
    shallow = parse("FROM scratch\nCMD " + "[" * 2000 + "]" * 2000 + "\n")
    assert shallow.parse_errors[0].code == "json-not-string-array"
    too_deep = parse("FROM scratch\nCMD " + "[" * 10001 + "]" * 10001 + "\n")
    assert too_deep.ok  # Go gives up beyond 10000 levels: not JSON, shell form
    assert too_deep.instructions[1].form == "shell"


def test_json_word_spans() -> None:
    dockerfile = parse('FROM scratch\nCMD ["a", "bc"]\n')
    cmd = dockerfile.instructions[1]
    assert [at(dockerfile, w.span) for w in cmd.args] == [(2, 6, 2, 9), (2, 11, 2, 15)]


# -- ENV, LABEL, ARG -------------------------------------------------------------------


def test_env_key_value_pairs_keep_quotes_and_spans() -> None:
    dockerfile = parse('FROM scratch\nENV a=1 b="two words" c=three\\ words\n')
    env = dockerfile.instructions[1]
    assert [(p.key.value, p.value.value, p.legacy) for p in env.pairs] == [
        ("a", "1", False),
        ("b", '"two words"', False),
        ("c", "three\\ words", False),
    ]
    assert at(dockerfile, env.pairs[1].value.span) == (2, 11, 2, 22)


def test_env_legacy_form_keeps_the_rest_of_the_line() -> None:
    env = one("FROM scratch\nENV a b c=d  e")
    assert [(p.key.value, p.value.value, p.legacy) for p in env.pairs] == [("a", "b c=d  e", True)]
    assert env.legacy


def test_env_legacy_first_word_decides_even_when_quoted() -> None:
    env = one('FROM scratch\nENV "a b" c')
    assert [(p.key.value, p.value.value) for p in env.pairs] == [('"a', 'b" c')]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ENV PATH", "ENV must have two arguments"),
        ("LABEL only", "LABEL must have two arguments"),
        ("ENV a=b c", "Syntax error - can't find = in \"c\". Must be of the form: name=value"),
        ("ENV a=b \\\\\\", "Syntax error - can't find = in \"\\\\\\\\\". Must be of the form: name=value"),
    ],
)
def test_env_errors(text: str, message: str) -> None:
    dockerfile = parse("FROM scratch\n" + text + "\nRUN true\n")
    assert [e.message for e in dockerfile.parse_errors] == [message]
    assert [n.kind for n in dockerfile.instructions] == ["from", "unparsable", "run"]  # recovery


def test_label_with_quoted_key() -> None:
    label = one('FROM scratch\nLABEL "com.example.key"="v" other=x')
    assert [(p.key.value, p.value.value) for p in label.pairs] == [('"com.example.key"', '"v"'), ("other", "x")]


def test_arg_words_are_raw_and_split_into_declarations() -> None:
    arg = one('ARG a b= c=d "e f"=g')
    assert [w.value for w in arg.args] == ["a", "b=", "c=d", '"e f"=g']
    assert [(d.name, d.default) for d in arg.declarations] == [("a", None), ("b", ""), ("c", "d"), ('"e f"', "g")]


# -- continuation lines ---------------------------------------------------------------


def test_continuation_keeps_whitespace_and_maps_spans_back() -> None:
    dockerfile = parse("FROM scratch\nRUN echo hello  \\\n  world\n")
    run = dockerfile.instructions[1]
    assert run.args[0].value == "echo hello    world"
    assert at(dockerfile, run.args[0].span) == (2, 5, 3, 8)
    assert at(dockerfile, run.span) == (2, 1, 3, 8)


def test_continuation_can_split_a_keyword() -> None:
    dockerfile = parse("FROM scratch\nRU\\\nN echo good\\\nbye\n")
    run = dockerfile.instructions[1]
    assert run.kind == "run"
    assert run.keyword.text == "RUN"
    assert run.args[0].value == "echo goodbye"
    assert at(dockerfile, run.keyword.span) == (2, 1, 3, 2)


def test_comments_and_blank_lines_inside_a_continuation() -> None:
    text = "FROM scratch\nRUN apt-get update && \\\n    # refresh index \\\n\n    apt-get install -y curl\n"
    dockerfile = parse(text)
    run = dockerfile.instructions[1]
    assert run.args[0].value == "apt-get update &&     apt-get install -y curl"
    assert at(dockerfile, run.span)[2] == 5
    warnings = [i for i in dockerfile.issues if i.code == "empty-continuation"]
    assert [i.message for i in warnings] == [
        "Empty continuation line found in: RUN apt-get update &&     apt-get install -y curl"
    ]
    assert dockerfile.source.position(warnings[0].span.start).line == 4
    assert [c.text for c in dockerfile.comments] == ["refresh index \\"]


def test_blank_line_continuation_swallows_the_next_instruction() -> None:
    assert dumped("FROM scratch\nRUN a \\\n\nRUN b\n")[1] == '(run "a RUN b")'


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("FROM scratch\nENV C trailing\\\\\nENV D x\n", 3),  # an escaped escape does not continue
        ("FROM scratch\nRUN a\\\\\\\nRUN b\n", 3),  # neither do three
        ("FROM scratch\nRUN a \\ \t\nRUN b\n", 2),  # blanks after the escape are fine
        ("FROM scratch\nRUN a \\\x0b\nRUN b\n", 3),  # \v after it is not
        ("FROM scratch\nRUN a \\", 2),  # EOF while continuing
    ],
)
def test_continuation_pattern(text: str, count: int) -> None:
    assert len(parse(text).instructions) == count


def test_line_of_only_an_escape_starts_an_instruction() -> None:
    dockerfile = parse("\\\nFROM x\n")
    assert dump(dockerfile) == '(from "x")\n'
    assert at(dockerfile, dockerfile.instructions[0].span)[:3] == (1, 1, 2)


def test_a_file_of_one_escape_is_one_empty_instruction() -> None:
    dockerfile = parse("\\")
    assert dockerfile.ok
    assert dump(dockerfile) == '("")\n'


def test_bare_cr_is_not_a_line_break() -> None:
    assert dumped("FROM x\r\rRUN a\r\n") == ['(from "x" "RUN" "a")']


# -- directives and the escape character ----------------------------------------------


def test_backtick_escape_for_windows_paths() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nCOPY testfile.txt c:\\\nRUN dir c:\\\n"
    dockerfile = parse(text)
    assert dockerfile.escape == "`"
    assert dump(dockerfile).splitlines()[1:] == ['(copy "testfile.txt" "c:\\\\")', '(run "dir c:\\\\")']


def test_backtick_escape_in_env_words_and_flags() -> None:
    dockerfile = parse('# escape=`\nFROM x\nENV a=b` c d=e\nCOPY --chown=a`b c d\n')
    env, copy = dockerfile.instructions[1:]
    assert [(p.key.value, p.value.value) for p in env.pairs] == [("a", "b` c"), ("d", "e")]
    assert copy.flags[0].text == "--chown=ab"


@pytest.mark.parametrize(
    ("text", "escape"),
    [
        ("# escape=`\nFROM x\n", "`"),
        ("   #  EsCaPe  =  `\nFROM x\n", "`"),
        ("# syntax=docker/dockerfile:1\n# escape=`\nFROM x\n", "`"),
        ("# check=skip=all\n# escape=`\nFROM x\n", "`"),
        ("\n# escape=`\nFROM x\n", "\\"),  # a blank line ends directives
        ("# hello\n# escape=`\nFROM x\n", "\\"),
        ("# foo=bar\n# escape=`\nFROM x\n", "\\"),  # an unknown key ends them too
        ("#!/usr/bin/env docker\n# escape=`\nFROM x\n", "\\"),
        ("\ufeff# escape=`\nFROM x\n", "`"),  # after a BOM
    ],
)
def test_directive_placement(text: str, escape: str) -> None:
    assert parse(text).escape == escape


def test_directive_errors() -> None:
    twice = parse("# escape=`\n# escape=\\\nFROM x\n")
    assert [e.message for e in twice.parse_errors] == ["only one escape parser directive can be used"]
    bad = parse("# escape=x\nFROM x\n")
    assert [e.message for e in bad.parse_errors] == ["invalid escape token 'x' does not match ` or \\"]
    assert at(bad, bad.parse_errors[0].span) == (1, 10, 1, 11)


def test_directives_are_recorded_with_spans() -> None:
    dockerfile = parse("# syntax=docker/dockerfile:1.7\n# check=skip=JSONArgsRecommended;error=true\nFROM x\n")
    assert [(d.name, d.value) for d in dockerfile.directives] == [
        ("syntax", "docker/dockerfile:1.7"),
        ("check", "skip=JSONArgsRecommended;error=true"),
    ]
    assert dockerfile.directive("check").value_span.start == dockerfile.text.index("skip")


def test_previous_comments_follow_buildkit() -> None:
    dockerfile = parse("# syntax=x\n# one\n\n  # two\nFROM x\n#\n# three\nRUN a\n")
    from_, run = dockerfile.instructions
    assert from_.comments == ("one", "# two")  # an indented comment keeps its '#'
    assert run.comments == ("three",)  # an empty comment resets the list


# -- heredocs --------------------------------------------------------------------------


def test_heredoc_basic_with_spans() -> None:
    dockerfile = parse("FROM x\nRUN <<EOF\necho hi\nEOF\nRUN true\n")
    run = dockerfile.instructions[1]
    (heredoc,) = run.heredocs
    assert (heredoc.name, heredoc.content, heredoc.chomp, heredoc.expand, heredoc.fd) == (
        "EOF",
        "echo hi\n",
        False,
        True,
        0,
    )
    assert at(dockerfile, heredoc.span) == (2, 5, 2, 10)
    assert at(dockerfile, heredoc.body) == (3, 1, 3, 8)
    assert at(dockerfile, run.span) == (2, 1, 4, 4)
    assert [n.kind for n in dockerfile.instructions] == ["from", "run", "run"]


@pytest.mark.parametrize(
    ("line", "names", "expand"),
    [
        ("RUN <<'EOT'", ["EOT"], [False]),
        ('COPY <<"EOT" /a', ["EOT"], [False]),
        ("RUN <<eo'f'", ["eof"], [False]),
        ("RUN <<eo\\'f", ["eo'f"], [True]),
        ("RUN <<$EOF", ["$EOF"], [True]),
        ("COPY <<a <<b /d/", ["a", "b"], [True, True]),
        ("RUN << EOF", ["EOF"], [True]),  # current BuildKit: blanks after << are fine
        ("RUN 3<<EOF cat /proc/self/fd/3", ["EOF"], [True]),
    ],
)
def test_heredoc_markers(line: str, names: list[str], expand: list[bool]) -> None:
    bodies = "".join(f"x\n{name}\n" for name in names)
    node = one(f"FROM x\n{line}\n{bodies}")
    assert [h.name for h in node.heredocs] == names
    assert [h.expand for h in node.heredocs] == expand


@pytest.mark.parametrize(
    "line", ["RUN cat<<EOF", 'RUN echo "<<EOF"', "RUN echo \\<<EOF", "RUN cat <<<EOF", "RUN <<'EOF", 'CMD <<EOF']
)
def test_not_heredocs(line: str) -> None:
    dockerfile = parse(f"FROM x\n{line}\nEOF\n")
    assert len(dockerfile.instructions) == 3
    assert not getattr(dockerfile.instructions[1], "heredocs", ())


def test_heredoc_fd_chomp_and_bodies_in_order() -> None:
    node = one("FROM x\nRUN 3<<-A cat /proc/self/fd/3 && <<B cat\n\tone\n\tA\ntwo\nB\n")
    assert [(h.name, h.fd, h.chomp, h.content) for h in node.heredocs] == [("A", 3, True, "\tone\n"), ("B", 0, False, "two\n")]
    assert node.heredocs[0].chomped_content == "one\n"


def test_heredoc_after_continuation_lines() -> None:
    node = one("FROM x\nRUN <<EOF \\\n  bash\necho hi\nEOF\n")
    assert node.args[0].value == "<<EOF   bash"
    assert node.heredocs[0].content == "echo hi\n"


def test_heredoc_body_is_raw() -> None:
    body = "# comment \\\n\n# escape=`\nRUN x\n"
    node = one(f"FROM x\nCOPY <<EOF /f\n{body}EOF\n")
    assert node.heredocs[0].content == body


def test_heredoc_terminator_must_match_exactly() -> None:
    dockerfile = parse("FROM x\nRUN <<EOF\nhi\nEOF \n  EOF\nEOF\n")
    assert dockerfile.instructions[1].heredocs[0].content == "hi\nEOF \n  EOF\n"


def test_heredoc_crlf_is_kept_in_the_body() -> None:
    node = one("FROM x\r\nRUN <<EOF\r\necho hi\r\nEOF\r\n")
    assert node.heredocs[0].content == "echo hi\r\n"


def test_heredoc_under_onbuild() -> None:
    dockerfile = parse("FROM x\nONBUILD RUN <<EOF\necho hi\nEOF\nRUN true\n")
    onbuild = dockerfile.instructions[1]
    assert onbuild.trigger.heredocs[0].content == "echo hi\n"
    assert at(dockerfile, onbuild.span)[2] == 4


def test_heredoc_not_in_json_form() -> None:
    dockerfile = parse('FROM x\nRUN ["<<EOF"]\nEOF\n')
    assert len(dockerfile.instructions) == 3


def test_unterminated_heredoc_is_reported_at_its_marker() -> None:
    dockerfile = parse("FROM x\nRUN <<EOF\necho hi\n")
    assert [e.message for e in dockerfile.parse_errors] == ["unterminated heredoc"]
    assert at(dockerfile, dockerfile.parse_errors[0].span) == (2, 5, 2, 10)
    assert isinstance(dockerfile.instructions[1], ast.Unparsable)


# -- other instructions -----------------------------------------------------------------


def test_healthcheck_and_onbuild_dump() -> None:
    assert dumped(
        "FROM x\nHEALTHCHECK --interval=5s CMD /check --quiet\nHEALTHCHECK NONE\nONBUILD COPY --from=x a b\n"
    )[1:] == [
        '(healthcheck ["--interval=5s"] "CMD" "/check --quiet")',
        '(healthcheck "NONE")',
        '(onbuild (copy ["--from=x"] "a" "b"))',
    ]


def test_single_value_instructions_keep_spaces() -> None:
    user = one("FROM x\nUSER a b")
    assert user.value.value == "a b"


def test_stage_alias() -> None:
    from_ = one("FROM --platform=$BUILDPLATFORM golang:1.22 as Builder")
    assert from_.image.value == "golang:1.22"
    assert from_.alias.value == "Builder"
    assert from_.as_keyword.value == "as"


# -- files ------------------------------------------------------------------------------


def test_bom_is_stripped_and_columns_ignore_it() -> None:
    dockerfile = parse(b"\xef\xbb\xbfFROM x\n")
    assert dockerfile.bom
    assert at(dockerfile, dockerfile.instructions[0].keyword.span) == (1, 1, 1, 5)


def test_crlf_lines() -> None:
    dockerfile = parse(b"FROM x\r\nRUN a \\\r\n  b\r\n")
    assert dump(dockerfile) == '(from "x")\n(run "a   b")\n'


def test_empty_and_comment_only_files_are_rejected() -> None:
    assert [e.message for e in parse("").parse_errors] == ["file with no instructions"]
    assert [e.message for e in parse("# only\n\n").parse_errors] == ["file with no instructions"]


def test_invalid_utf8_is_carried_through_like_go() -> None:
    dockerfile = parse(b"FROM x\nRUN echo \xff\xfe\n")
    assert dockerfile.ok
    assert dump(dockerfile).splitlines()[1] == '(run "echo \\xff\\xfe")'


def test_error_recovery_keeps_parsing() -> None:
    dockerfile = parse('FROM x\nCMD [1]\nENV a\nRUN ok\nLABEL k=v bad\n')
    assert [n.kind for n in dockerfile.instructions] == ["from", "unparsable", "unparsable", "run", "unparsable"]
    assert [dockerfile.source.position(e.span.start).line for e in dockerfile.parse_errors] == [2, 3, 5]
