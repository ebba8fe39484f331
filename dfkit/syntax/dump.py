"""AST -> BuildKit's s-expression dump (the `result` files of its parser tests).

One line per instruction: ``(keyword ["--flag" ...] "arg" ...)``, the keyword lower-cased,
every string quoted with Go's `strconv.Quote`. ENV and LABEL print ``key value sep``
triples (``sep`` is ``"="`` for ``k=v`` and ``""`` for the legacy form), ONBUILD prints its
trigger nested, an unknown keyword prints one empty string. Flag values are printed the
way BuildKit's byte-wise flag scanner leaves them (see `text.latin1_view`).
"""

from __future__ import annotations

import itertools
import re

from dfkit.syntax import ast
from dfkit.syntax.heredocs import HeredocError, markers_in_line
from dfkit.syntax.text import GO_SPACE, go_lower, go_trim_space, goquote, latin1_view


class DumpError(ValueError):
    """The file has an instruction BuildKit's parser rejects, so there is no dump."""


def dump(dockerfile: ast.Dockerfile) -> str:
    """The dump of a whole file, newline-terminated, as BuildKit's tests compare it."""
    if not dockerfile.ok:
        raise DumpError(dockerfile.parse_errors[0].message)
    return "".join(f"({dump_instruction(node)})\n" for node in dockerfile.instructions)


def dump_instruction(node: ast.Instruction, *, separators: bool = True) -> str:
    """One instruction's s-expression body (without the outer parentheses).

    `separators=False` leaves out the ENV/LABEL separator atoms, which BuildKit added
    in 2024: that is how BuildKit v0.12.5 (the `dockerfile` test oracle) dumps.
    """
    parts = [go_lower(node.keyword.text)]
    if node.flags:
        parts.append("[" + " ".join(goquote(latin1_view(flag.text)) for flag in node.flags) + "]")
    parts.extend(_arguments(node, separators))
    return go_trim_space(" ".join(parts))


def _arguments(node: ast.Instruction, separators: bool) -> list[str]:
    match node:
        case ast.Env(pairs=pairs) | ast.Label(pairs=pairs):
            out = []
            for pair in pairs:
                out += [goquote(pair.key.value), goquote(pair.value.value)]
                if separators:
                    out.append('""' if pair.legacy else '"="')
            return out
        case ast.Healthcheck(type=kind, args=args):
            words = ([kind] if kind is not None else []) + list(args)
            return [goquote(word.value) for word in words]
        case ast.Maintainer(value=value) | ast.User(value=value) | ast.Workdir(value=value) | ast.Stopsignal(
            value=value
        ):
            return [goquote(value.value)] if value is not None else []
        case ast.OnBuild(trigger=trigger):
            return [f"({dump_instruction(trigger, separators=separators)})"] if trigger is not None else []
        case ast.Unknown():
            return ['""']
        case ast.Unparsable(error=error):
            raise DumpError(error)
        case _:
            return [goquote(word.value) for word in node.args]  # type: ignore[union-attr]


# -- AST -> Dockerfile text ----------------------------------------------------------------


def to_dockerfile(dockerfile: ast.Dockerfile) -> str:
    """A canonical Dockerfile that parses to the same dump (comments are not kept).

    Every instruction is written on one line with its keyword as written, its flags,
    and its arguments in the form they were written in; heredoc bodies follow.
    """
    if not dockerfile.ok:
        raise DumpError(dockerfile.parse_errors[0].message)
    escape = dockerfile.escape
    lines = [f"# {d.name}={d.value}" for d in dockerfile.directives]
    continues = re.compile(rf"{re.escape(escape)}[ \t]*\Z")
    for node in dockerfile.instructions:
        line = instruction_text(node, escape, dockerfile.text)
        if not line:
            # No keyword, no argument: a continuation that ran into the end of the file,
            # which is the only place BuildKit makes one. Written the same way.
            lines.append(escape)
            continue
        if line[-1] in GO_SPACE:
            # A word that ends inside an unterminated double quote with a blank: BuildKit
            # got it by dropping a final escape character, so write one (plus a blank it
            # trims but does not take for a continuation).
            line += escape + "\u00a0"
        elif continues.search(line):
            # The value itself ends with the escape character (the original line hid
            # that behind a blank BuildKit trims but does not read as continuation).
            line += "\u00a0"
        lines.append(line)
        target = node.trigger if isinstance(node, ast.OnBuild) else node
        for heredoc in getattr(target, "heredocs", ()):
            lines.append(heredoc.content + heredoc.name)
    return "\n".join(lines) + "\n"


def _flag_text(flag: ast.Flag, escape: str, source: str | None) -> str:
    if source is not None:
        raw = source[flag.span.start : flag.span.end]
        if "\n" not in raw:
            return raw  # as written: quoting also decides where BuildKit sees heredocs
    rest = flag.text[2:]
    if rest and not any(ch in rest for ch in " \t\"'" + escape) and rest.isprintable():
        return flag.text
    quoted = rest.replace(escape, escape + escape).replace('"', escape + '"')
    return f'--"{quoted}"'


def instruction_text(node: ast.Instruction, escape: str = "\\", source: str | None = None) -> str:
    """One instruction on one line; `source` (the file's text) lets flags keep their quoting."""
    parts: list[str] = []
    _argument_parts(node, escape, parts, source)
    head = [node.keyword.text] + [_flag_text(flag, escape, source) for flag in node.flags]
    if parts and parts[0].startswith("--"):
        head.append("--")  # the arguments would otherwise read as flags
    words = head + parts
    # Heredoc markers are found with `\` as escape whatever the file's: after a word ending
    # in `\`, one blank hides a marker (`a\ <<EOF` is one word) and two reveal it. Where
    # that choice arises, take the spacing that gives the instruction its own heredocs.
    target = node.trigger if isinstance(node, ast.OnBuild) else node
    expected = [heredoc.name for heredoc in getattr(target, "heredocs", ())]
    choices = [i for i in range(1, len(words)) if words[i - 1].endswith("\\") and "<<" in words[i]]
    first = ""
    for revealed in itertools.product((True, False), repeat=min(len(choices), 8)):
        wide = {i for i, show in zip(choices, revealed) if show} | set(choices[8:])
        line = "".join((("  " if i in wide else " ") if i else "") + word for i, word in enumerate(words))
        first = first or line
        try:
            if [marker.name for marker in markers_in_line(line)] == expected:
                return line
        except HeredocError:
            continue
    return first


def _argument_parts(node: ast.Instruction, escape: str, parts: list[str], source: str | None) -> None:
    match node:
        case ast.Env(pairs=pairs) | ast.Label(pairs=pairs):
            for pair in pairs:
                if pair.legacy:
                    # A key ending in the escape character would escape a single blank.
                    gap = "  " if pair.key.value.endswith(escape) else " "
                    parts.append(f"{pair.key.value}{gap}{pair.value.value}")
                else:
                    parts.append(f"{pair.key.value}={pair.value.value}")
        case ast.Healthcheck(type=kind, form=form, args=args):
            if kind is not None:
                parts.append(kind.value)
            parts += _command_text(form, args)
        case ast.Maintainer(value=value) | ast.User(value=value) | ast.Workdir(value=value) | ast.Stopsignal(
            value=value
        ):
            if value is not None:
                parts.append(value.value)
        case ast.OnBuild(trigger=trigger):
            if trigger is not None:
                parts.append(instruction_text(trigger, escape, source))
        case ast.Unknown(rest=rest):
            if rest is not None:
                parts.append(rest.value)
        case ast.Run() | ast.Cmd() | ast.Entrypoint() | ast.Shell() | ast.Copy() | ast.Add() | ast.Volume():
            parts += _command_text(node.form, node.args)
        case _:
            parts += [word.value for word in node.args]  # type: ignore[union-attr]


def _command_text(form: str, args: tuple[ast.Word, ...]) -> list[str]:
    import json

    if form == "exec":
        return [json.dumps([word.value for word in args], ensure_ascii=False)]
    return [word.value for word in args]
