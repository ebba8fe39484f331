"""Dockerfile text -> AST, agreeing with BuildKit's parser on every input.

`parse` drives the three pieces: the scanner (physical lines to logical instruction
lines), the lark grammar (one logical line to a tree) and the transformer (tree to AST
node). A line that BuildKit's parser would reject becomes an `Unparsable` node plus a
parse-stage `Issue`; the rest of the file is parsed all the same. BuildKit's second-stage
checks are then computed over the typed instructions (`dfkit.syntax.checks`).

This package is the only one in dfkit that imports lark.
"""

from __future__ import annotations

from lark import LarkError

from dfkit.source import Span, decode
from dfkit.syntax import ast, grammar
from dfkit.syntax.heredocs import HeredocError, markers_in_line
from dfkit.syntax.scanner import LogicalLine, Scanner
from dfkit.syntax.text import ASCII_SPACE, trim_space_bounds
from dfkit.syntax.transform import LineBuilder, LineError

__all__ = ["parse"]

_HEREDOC_KINDS = frozenset({"run", "copy", "add"})


def parse(source: str | bytes, path: str = "Dockerfile") -> ast.Dockerfile:
    """Parse a Dockerfile. Never raises for bad input: problems become `issues`."""
    if isinstance(source, bytes):
        text, bom = decode(source)
    else:
        bom = source.startswith("\ufeff")
        text = source[1:] if bom else source

    scanner = Scanner(text)
    instructions: list[ast.Instruction] = []
    issues: list[ast.Issue] = []
    while True:
        line = scanner.next_instruction()
        if line is None:
            break
        node = _parse_line(line, scanner.escape, issues)
        if not isinstance(node, ast.Unparsable):
            node = _attach_heredocs(node, line, scanner, issues)
        if line.empty_continuation_lines:
            empty = line.empty_continuation_lines[0]
            issues.append(
                ast.Issue(
                    stage="parse",
                    severity="warning",
                    code="empty-continuation",
                    message=f"Empty continuation line found in: {line.text}",
                    span=Span(start=empty, end=empty),
                )
            )
        instructions.append(node)

    for problem in scanner.issues:
        issues.append(
            ast.Issue(
                stage="parse",
                code="line-too-long" if problem.message.startswith("dockerfile line") else "invalid-directive",
                message=problem.message,
                span=Span(start=problem.start, end=problem.end),
            )
        )
    if not instructions:
        # BuildKit reports this after the last line it read.
        end = len(text.rstrip("\r\n")) if text.endswith("\n") else len(text)
        issues.append(
            ast.Issue(stage="parse", code="no-instructions", message="file with no instructions", span=Span(start=end, end=end))
        )

    directives = tuple(
        ast.Directive(
            name=d.name,
            value=d.value,
            span=Span(start=d.start, end=d.end),
            value_span=Span(start=d.value_start, end=d.value_start + len(d.value)),
        )
        for d in scanner.directives
    )
    comments = tuple(
        ast.Comment(text=c.text, in_continuation=c.in_continuation, span=Span(start=c.start, end=c.end))
        for c in scanner.comments
    )

    from dfkit.syntax.checks import instruction_issues

    issues.extend(instruction_issues(instructions))
    issues.sort(key=lambda issue: (issue.span.start, issue.span.end))
    return ast.Dockerfile(
        path=str(path),
        text=text,
        bom=bom,
        escape=scanner.escape,  # type: ignore[arg-type]
        directives=directives,
        instructions=tuple(instructions),
        comments=comments,
        issues=tuple(issues),
    )


def _keyword_of(line: LogicalLine, start: int, text: str) -> ast.Keyword:
    end = 0
    while end < len(text) and text[end] not in ASCII_SPACE:
        end += 1
    return ast.Keyword(
        text=text[:end],
        span=Span(start=line.source_offset(start), end=line.source_end(start + end) if end else line.source_offset(start)),
    )


def _parse_line(line: LogicalLine, escape: str, issues: list[ast.Issue]) -> ast.Instruction:
    start, end = trim_space_bounds(line.text)
    text = line.text[start:end]
    span = Span(start=line.start, end=line.end)
    if not text:
        # A line that is only continuation characters: BuildKit makes an instruction
        # with an empty keyword of it.
        keyword = ast.Keyword(text="", span=Span(start=line.start, end=line.start))
        return ast.Unknown(keyword=keyword, span=span, comments=line.comments)
    builder = LineBuilder(line, start, text, escape, line.comments, span)
    try:
        return builder.build(grammar.parser(escape).parse(text))
    except LineError as error:
        message, code, error_span = error.message, error.code, builder.span(error.start, error.end)
    except LarkError as error:  # the grammar accepts every line; this would be a dfkit bug
        message, code = f"internal parser error: {error}", "internal-error"
        error_span = span
    issues.append(ast.Issue(stage="parse", code=code, message=message, span=error_span))
    return ast.Unparsable(
        keyword=_keyword_of(line, start, text),
        span=span,
        comments=line.comments,
        text=line.text,
        error=message,
        error_span=error_span,
    )


def _attach_heredocs(
    node: ast.Instruction, line: LogicalLine, scanner: Scanner, issues: list[ast.Issue]
) -> ast.Instruction:
    target = node.trigger if isinstance(node, ast.OnBuild) else node
    if target is None or target.kind not in _HEREDOC_KINDS or target.form == "exec":  # type: ignore[union-attr]
        return node
    try:
        markers = markers_in_line(line.text)
    except HeredocError as error:
        error_span = Span(start=line.source_offset(error.start), end=line.source_end(error.end))
        return _unparsable(node, line, error.message, "invalid-heredoc", error_span, issues)
    if not markers:
        return node
    heredocs = []
    end = line.end
    for marker in markers:
        marker_span = Span(start=line.source_offset(marker.start), end=line.source_end(marker.end))
        body = scanner.read_heredoc(marker.name, marker.chomp)
        if not body.terminated:
            unterminated = node.model_copy(update={"span": Span(start=node.span.start, end=len(scanner.text))})
            return _unparsable(unterminated, line, "unterminated heredoc", "unterminated-heredoc", marker_span, issues)
        heredocs.append(
            ast.Heredoc(
                name=marker.name,
                content=body.content,
                chomp=marker.chomp,
                expand=marker.expand,
                fd=marker.fd,
                span=marker_span,
                body=Span(start=body.start, end=_without_final_newline(scanner.text, body.start, body.end)),
                terminator=Span(start=body.terminator_start, end=body.terminator_end),
            )
        )
        end = body.terminator_end
    target = target.model_copy(update={"heredocs": tuple(heredocs), "span": Span(start=target.span.start, end=end)})
    if isinstance(node, ast.OnBuild):
        return node.model_copy(update={"trigger": target, "span": Span(start=node.span.start, end=end)})
    return target


def _unparsable(
    node: ast.Instruction, line: LogicalLine, message: str, code: str, error_span: Span, issues: list[ast.Issue]
) -> ast.Unparsable:
    issues.append(ast.Issue(stage="parse", code=code, message=message, span=error_span))
    return ast.Unparsable(
        keyword=node.keyword,
        flags=node.flags,
        span=node.span,
        comments=node.comments,
        text=line.text,
        error=message,
        error_span=error_span,
    )


def _without_final_newline(text: str, start: int, end: int) -> int:
    """The end of a heredoc body without the line break of its last line."""
    if end > start and text[end - 1] == "\n":
        end -= 1
        if end > start and text[end - 1] == "\r":
            end -= 1
    return end


def original_lines(dockerfile: ast.Dockerfile) -> dict[int, str]:
    """BuildKit's `Node.Original` of every instruction, by the instruction's start offset:
    the logical line (continuations joined, comment lines dropped), which builders such
    as buildah write into an image's history."""
    by_start = {node.span.start: node for node in dockerfile.instructions}
    scanner = Scanner(dockerfile.text)
    out: dict[int, str] = {}
    while (line := scanner.next_instruction()) is not None:
        out[line.start] = line.text
        node = by_start.get(line.start)
        target = getattr(node, "trigger", None) or node
        for heredoc in getattr(target, "heredocs", ()):
            scanner.read_heredoc(heredoc.name, heredoc.chomp)  # step over the body, as parse did
    return {start: text for start, text in out.items() if start in by_start}
