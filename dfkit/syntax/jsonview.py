"""The JSON view of a parsed Dockerfile (`dfkit parse --format json`, `dfkit schema ast`).

The AST itself works in character offsets; this view is for people and other tools, so
it speaks in 1-based lines and columns (end column exclusive) and keeps only what a
consumer needs: every instruction's kind, keyword as written, flags, arguments (BuildKit's
value nodes), heredocs with their raw bodies, and the problems found.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dfkit.source import SourceFile, Span
from dfkit.syntax import ast
from dfkit.syntax.text import replace_escaped_bytes


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SpanOut(_Out):
    start_line: int
    start_column: int
    end_line: int
    end_column: int = Field(description="exclusive")


class FlagOut(_Out):
    name: str
    value: str | None = Field(description="null for a bare boolean flag such as --link")
    span: SpanOut


class WordOut(_Out):
    value: str
    span: SpanOut


class PairOut(_Out):
    key: WordOut
    value: WordOut
    legacy: bool = Field(description="written as `KEY value` instead of `KEY=value`")


class HeredocOut(_Out):
    name: str
    content: str = Field(description="the raw body as BuildKit reads it, final newline included")
    chomp: bool = Field(description="written <<-: leading tabs are stripped when used")
    expand: bool = Field(description="false when the delimiter was quoted")
    fd: int
    span: SpanOut = Field(description="the marker on the instruction line")
    body: SpanOut


class InstructionOut(_Out):
    kind: str = Field(description="the lower-case instruction, `unknown` or `unparsable`")
    keyword: str = Field(description="as written")
    span: SpanOut
    flags: list[FlagOut] = []
    form: Literal["exec", "shell"] | None = None
    arguments: list[WordOut] = Field(default=[], description="BuildKit's value nodes")
    pairs: list[PairOut] | None = None
    heredocs: list[HeredocOut] | None = None
    healthcheck_type: WordOut | None = None
    trigger: "InstructionOut | None" = None
    comments: list[str] = []
    error: str | None = None


class DirectiveOut(_Out):
    name: str
    value: str
    span: SpanOut


class IssueOut(_Out):
    stage: Literal["parse", "instruction"]
    severity: Literal["error", "warning"]
    code: str
    message: str
    span: SpanOut


class FileOut(_Out):
    """`dfkit parse --format json` for one file."""

    file: str
    escape: str
    directives: list[DirectiveOut]
    instructions: list[InstructionOut]
    issues: list[IssueOut]


def span_out(source: SourceFile, span: Span) -> SpanOut:
    start = source.position(span.start)
    end = source.end_position(span)
    return SpanOut(start_line=start.line, start_column=start.column, end_line=end.line, end_column=end.column)


def _text(value: str) -> str:
    return replace_escaped_bytes(value)


def _word(source: SourceFile, word: ast.Word) -> WordOut:
    return WordOut(value=_text(word.value), span=span_out(source, word.span))


def instruction_out(source: SourceFile, node: ast.Instruction) -> InstructionOut:
    data: dict = {
        "kind": node.kind,
        "keyword": _text(node.keyword.text),
        "span": span_out(source, node.span),
        "flags": [
            FlagOut(name=_text(f.name), value=None if f.value is None else _text(f.value), span=span_out(source, f.span))
            for f in node.flags
        ],
        "comments": [_text(c) for c in node.comments],
    }
    form = getattr(node, "form", None)
    if form is not None:
        data["form"] = form
    args = getattr(node, "args", None)
    if args is not None:
        data["arguments"] = [_word(source, w) for w in args]
    match node:
        case ast.Env(pairs=pairs) | ast.Label(pairs=pairs):
            data["pairs"] = [
                PairOut(key=_word(source, p.key), value=_word(source, p.value), legacy=p.legacy) for p in pairs
            ]
        case ast.Maintainer(value=v) | ast.User(value=v) | ast.Workdir(value=v) | ast.Stopsignal(value=v):
            data["arguments"] = [_word(source, v)] if v is not None else []
        case ast.Healthcheck(type=t):
            data["healthcheck_type"] = _word(source, t) if t is not None else None
        case ast.OnBuild(trigger=trigger):
            data["trigger"] = instruction_out(source, trigger) if trigger is not None else None
        case ast.Unparsable(error=error):
            data["error"] = error
    heredocs = getattr(node, "heredocs", None)
    if heredocs is not None:
        data["heredocs"] = [
            HeredocOut(
                name=_text(h.name),
                content=_text(h.content),
                chomp=h.chomp,
                expand=h.expand,
                fd=h.fd,
                span=span_out(source, h.span),
                body=span_out(source, h.body),
            )
            for h in heredocs
        ]
    return InstructionOut(**data)


def file_out(dockerfile: ast.Dockerfile, name: str | None = None) -> FileOut:
    source = dockerfile.source
    return FileOut(
        file=name if name is not None else dockerfile.path,
        escape=dockerfile.escape,
        directives=[
            DirectiveOut(name=d.name, value=_text(d.value), span=span_out(source, d.span)) for d in dockerfile.directives
        ],
        instructions=[instruction_out(source, node) for node in dockerfile.instructions],
        issues=[
            IssueOut(
                stage=i.stage, severity=i.severity, code=i.code, message=_text(i.message), span=span_out(source, i.span)
            )
            for i in dockerfile.issues
        ],
    )


def schema() -> dict:
    return FileOut.model_json_schema()
