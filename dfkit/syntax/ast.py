"""dfkit's Dockerfile AST: frozen pydantic models with exact source spans.

The AST keeps the *form* of what was written (keyword casing, exec or shell form,
legacy ``ENV k v``, heredoc quoting and tab stripping, raw quotes in ENV values) so
that rules can judge style and fixes can edit text. Values are BuildKit's value nodes:
the logical text after continuation lines were joined, before any variable expansion.
Expansion is the semantics layer's job.

Every node has a `span` (character offsets into `Dockerfile.text`); lines and columns
come from `Dockerfile.source`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from dfkit.source import SourceFile, Span

__all__ = [
    "Add", "Arg", "ArgDecl", "Cmd", "Comment", "Copy", "Directive", "Dockerfile", "Entrypoint",
    "Env", "Expose", "Flag", "From", "Healthcheck", "Heredoc", "Instruction", "Issue",
    "KeyValue", "Keyword", "Label", "Maintainer", "Node", "OnBuild", "Run", "Shell", "Span",
    "Stopsignal", "Unknown", "Unparsable", "User", "Volume", "Word", "Workdir",
]


class Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    span: Span


class Word(Node):
    """One value node, as BuildKit's parser hands it on."""

    value: str


class Keyword(Node):
    """The instruction keyword exactly as written (``run``, ``Run``, ``RUN``)."""

    text: str

    @property
    def is_upper(self) -> bool:
        return self.text == self.text.upper()

    @property
    def is_lower(self) -> bool:
        return self.text == self.text.lower()


class Flag(Node):
    """A leading ``--name[=value]`` word, with quotes removed and escapes resolved."""

    text: str  # BuildKit's flag node: "--from=builder"

    @property
    def name(self) -> str:
        return self.text[2:].split("=", 1)[0]

    @property
    def value(self) -> str | None:
        """None for a bare ``--link``; ``""`` for ``--from=``."""
        parts = self.text[2:].split("=", 1)
        return parts[1] if len(parts) == 2 else None


class Heredoc(Node):
    """A here-document: `span` is its marker (``<<EOF``) on the instruction line."""

    name: str
    content: str  # the raw body, final newline included; tabs NOT stripped for <<-
    chomp: bool  # written as <<-: leading tabs are stripped from the body when used
    expand: bool  # False when the delimiter was quoted: no variable expansion
    fd: int = 0  # the file descriptor of `3<<EOF`
    body: Span
    terminator: Span | None  # None when the heredoc is unterminated

    @property
    def chomped_content(self) -> str:
        """The body as COPY/RUN use it (`<<-` strips leading tabs from every line)."""
        if not self.chomp:
            return self.content
        return "".join(line.lstrip("\t") for line in self.content.splitlines(keepends=True))


class KeyValue(Node):
    """One ENV or LABEL pair; `legacy` for the space-separated ``ENV key value`` form."""

    key: Word
    value: Word
    legacy: bool = False


class ArgDecl(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    default: str | None  # None for `ARG NAME`; "" for `ARG NAME=`
    word: Word


class _Instruction(Node):
    keyword: Keyword
    flags: tuple[Flag, ...] = ()
    comments: tuple[str, ...] = ()  # BuildKit's PrevComment: the comment lines just above

    def flag(self, name: str) -> Flag | None:
        """The first flag of that name (as BuildKit reads a non-repeatable flag)."""
        for flag in self.flags:
            if flag.name == name:
                return flag
        return None

    def flags_named(self, name: str) -> tuple[Flag, ...]:
        return tuple(flag for flag in self.flags if flag.name == name)


class _Command(_Instruction):
    """An instruction whose arguments are either a JSON array or shell text."""

    form: Literal["exec", "shell"] = "shell"
    args: tuple[Word, ...] = ()  # exec: one word per string; shell: the whole text

    @property
    def is_exec(self) -> bool:
        return self.form == "exec"

    @property
    def script(self) -> Word | None:
        return self.args[0] if self.form == "shell" and self.args else None


class From(_Instruction):
    kind: Literal["from"] = "from"
    args: tuple[Word, ...] = ()

    @property
    def image(self) -> Word | None:
        return self.args[0] if self.args else None

    @property
    def as_keyword(self) -> Word | None:
        return self.args[1] if len(self.args) == 3 else None

    @property
    def alias(self) -> Word | None:
        """The stage name of ``FROM image AS name`` (as written)."""
        return self.args[2] if len(self.args) == 3 and self.args[1].value.lower() == "as" else None


class Run(_Command):
    kind: Literal["run"] = "run"
    heredocs: tuple[Heredoc, ...] = ()


class Cmd(_Command):
    kind: Literal["cmd"] = "cmd"


class Entrypoint(_Command):
    kind: Literal["entrypoint"] = "entrypoint"


class Shell(_Command):
    kind: Literal["shell"] = "shell"


class _CopyLike(_Instruction):
    form: Literal["exec", "shell"] = "shell"  # "exec" means the JSON array form
    args: tuple[Word, ...] = ()  # sources, then the destination
    heredocs: tuple[Heredoc, ...] = ()

    @property
    def sources(self) -> tuple[Word, ...]:
        return self.args[:-1]

    @property
    def dest(self) -> Word | None:
        return self.args[-1] if len(self.args) >= 2 else None


class Copy(_CopyLike):
    kind: Literal["copy"] = "copy"


class Add(_CopyLike):
    kind: Literal["add"] = "add"


class Volume(_Instruction):
    kind: Literal["volume"] = "volume"
    form: Literal["exec", "shell"] = "shell"
    args: tuple[Word, ...] = ()


class Expose(_Instruction):
    kind: Literal["expose"] = "expose"
    args: tuple[Word, ...] = ()


class Env(_Instruction):
    kind: Literal["env"] = "env"
    pairs: tuple[KeyValue, ...] = ()

    @property
    def legacy(self) -> bool:
        return any(pair.legacy for pair in self.pairs)


class Label(_Instruction):
    kind: Literal["label"] = "label"
    pairs: tuple[KeyValue, ...] = ()

    @property
    def legacy(self) -> bool:
        return any(pair.legacy for pair in self.pairs)


class Arg(_Instruction):
    kind: Literal["arg"] = "arg"
    args: tuple[Word, ...] = ()  # raw quote-aware words: NAME, NAME=, NAME=default

    @property
    def declarations(self) -> tuple[ArgDecl, ...]:
        decls = []
        for word in self.args:
            name, eq, default = word.value.partition("=")
            decls.append(ArgDecl(name=name, default=default if eq else None, word=word))
        return tuple(decls)


class Healthcheck(_Instruction):
    kind: Literal["healthcheck"] = "healthcheck"
    type: Word | None = None  # CMD, NONE, or anything (BuildKit's second stage decides)
    form: Literal["exec", "shell"] = "shell"
    args: tuple[Word, ...] = ()  # the command, as for CMD


class _SingleValue(_Instruction):
    value: Word | None = None  # the whole rest of the line, spaces included


class Maintainer(_SingleValue):
    kind: Literal["maintainer"] = "maintainer"


class User(_SingleValue):
    kind: Literal["user"] = "user"


class Workdir(_SingleValue):
    kind: Literal["workdir"] = "workdir"


class Stopsignal(_SingleValue):
    kind: Literal["stopsignal"] = "stopsignal"


class OnBuild(_Instruction):
    kind: Literal["onbuild"] = "onbuild"
    trigger: "Instruction | None" = None


class Unknown(_Instruction):
    """A keyword BuildKit does not know. Its parser accepts it; the build rejects it."""

    kind: Literal["unknown"] = "unknown"
    rest: Word | None = None  # the ignored rest of the line


class Unparsable(_Instruction):
    """An instruction BuildKit's parser rejects; `error` says why, `error_span` where."""

    kind: Literal["unparsable"] = "unparsable"
    text: str  # the logical line
    error: str
    error_span: Span


Instruction = Annotated[
    Union[
        From, Run, Cmd, Entrypoint, Shell, Copy, Add, Volume, Expose, Env, Label, Arg,
        Healthcheck, Maintainer, User, Workdir, Stopsignal, OnBuild, Unknown, Unparsable,
    ],
    Field(discriminator="kind"),
]
OnBuild.model_rebuild()


class Directive(Node):
    """A parser directive at the top of the file (``# syntax=``, ``# escape=``, ``# check=``)."""

    name: str  # lower case
    value: str
    value_span: Span


class Comment(Node):
    text: str  # without the '#' and the blanks around it
    in_continuation: bool = False


class Issue(BaseModel):
    """A problem found while parsing.

    ``stage="parse"``: BuildKit's parser rejects the file (dfkit still parses the rest).
    ``stage="instruction"``: BuildKit's instruction parser (the second stage of a build)
    rejects an instruction; the file itself parses.
    A ``warning`` (empty continuation lines) never rejects anything.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: Literal["parse", "instruction"]
    severity: Literal["error", "warning"] = "error"
    code: str  # a stable kebab-case id, e.g. "unknown-instruction"
    message: str
    span: Span


class Dockerfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    text: str
    bom: bool = False
    escape: Literal["\\", "`"] = "\\"
    directives: tuple[Directive, ...] = ()
    instructions: tuple[Instruction, ...] = ()
    comments: tuple[Comment, ...] = ()
    issues: tuple[Issue, ...] = ()

    @cached_property
    def source(self) -> SourceFile:
        return SourceFile(self.path, self.text, self.bom)

    @property
    def parse_errors(self) -> tuple[Issue, ...]:
        """What makes BuildKit's parser reject this file."""
        return tuple(i for i in self.issues if i.stage == "parse" and i.severity == "error")

    @property
    def ok(self) -> bool:
        return not self.parse_errors

    def directive(self, name: str) -> Directive | None:
        for directive in self.directives:
            if directive.name == name:
                return directive
        return None
