"""Code frames for people, in the style of rustc and ruff.

    warning[DF503]: Maintainer instruction is deprecated in favor of using label
     --> Dockerfile:2:1
      |
    1 | FROM scratch
    2 | MAINTAINER The CentOS Project <cloud-ops@centos.org>
      | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DF503 maintainer-deprecated
    3 | ADD c68-docker.tar.xz /
      |
      = fix (unsafe): Replace MAINTAINER with a LABEL

Carets are aligned in terminal cells (tabs expanded, wide characters counted twice), so
the underline sits under the span whatever the line holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from dfkit.report.records import FileReport, Record, visible

STYLES = {"error": "bold red", "warning": "bold yellow", "info": "bold blue", "style": "bold magenta"}
CONTEXT = 1  # lines shown before and after the span
MAX_SPAN_LINES = 6  # longer spans show their first and last lines
TAB = "    "


def _display(line: str) -> str:
    return visible(line.removesuffix("\r")).replace("\t", TAB)


def _cells(line: str, column: int) -> int:
    """Terminal cells before code-point `column` (1-based) of `line`."""
    return cell_len(_display(line[: column - 1]))


def frame(record: Record, lines: Sequence[str]) -> Text:
    out = Text()
    style = STYLES[record.severity]
    out.append(f"{record.severity}[{record.code}]", style=style)
    out.append(f": {record.message}\n", style="bold")
    first = max(1, record.line - CONTEXT)
    # A span that ends at column 1 of a line ends with the previous line's newline.
    last_span_line = record.end_line - 1 if record.end_column == 1 and record.end_line > record.line else record.end_line
    last = min(len(lines), last_span_line + CONTEXT)
    gutter = len(str(max(last, record.line)))
    pad = " " * gutter
    out.append(f"{pad}--> ", style="bold blue")
    out.append(f"{record.file}:{record.line}:{record.column}\n")
    out.append(f"{pad} |\n", style="bold blue")
    shown = list(range(first, last + 1))
    if last_span_line - record.line + 1 > MAX_SPAN_LINES:
        keep_head = range(first, record.line + 2)
        keep_tail = range(last_span_line - 1, last + 1)
        shown = [*keep_head, 0, *keep_tail]  # 0 stands for "..."
    for number in shown:
        if number == 0:
            out.append(f"{'.' * gutter} |\n", style="bold blue")
            continue
        text = lines[number - 1] if number - 1 < len(lines) else ""
        out.append(f"{number:>{gutter}} | ", style="bold blue")
        out.append(_display(text) + "\n")
        if record.line <= number <= last_span_line:
            start = _cells(text, record.column) if number == record.line else 0
            if number == record.end_line:
                end = _cells(text, record.end_column)
            else:
                end = cell_len(_display(text))
            width = max(1, end - start)
            out.append(f"{pad} | ", style="bold blue")
            out.append(" " * start + "^" * width, style=style)
            if number == last_span_line:
                out.append(f" {record.code} {record.name}", style=style)
            out.append("\n")
    out.append(f"{pad} |\n", style="bold blue")
    if record.fix is not None:
        kind = {"safe": "fix", "unsafe": "fix (unsafe)", "display-only": "suggestion"}[record.fix.applicability]
        out.append(f"{pad} = ", style="bold blue")
        out.append(f"{kind}: ", style="bold green")
        out.append(f"{record.fix.title}\n")
    if record.note:
        out.append(f"{pad} = ", style="bold blue")
        out.append("note: ", style="bold")
        out.append(f"{record.note}\n")
    return out


def summary(reports: Sequence[FileReport], *, unsafe: bool) -> Text:
    records = [r for report in reports for r in report.records]
    fixed = sum(report.fixed for report in reports)
    out = Text()
    if fixed:
        out.append(f"Fixed {fixed} finding{'s' * (fixed != 1)}.\n", style="bold green")
    if not records:
        if not any(report.error for report in reports):
            out.append("All checks passed!\n", style="bold green")
        return out
    files = len({r.file for r in records})
    out.append(
        f"Found {len(records)} finding{'s' * (len(records) != 1)} in {files} file{'s' * (files != 1)}.",
        style="bold",
    )
    safe = sum(1 for r in records if r.fixable())
    hidden = sum(1 for r in records if r.fix is not None and r.fix.applicability == "unsafe")
    if safe:
        out.append(f" [*] {safe} fixable with `--fix`.")
    if hidden and not unsafe:
        fixes = "fix" if hidden == 1 else "fixes"
        out.append(f" ({hidden} unsafe {fixes} available with `--fix --unsafe-fixes`.)")
    out.append("\n")
    return out


def render(
    reports: Sequence[FileReport],
    out: TextIO,
    *,
    color: bool | None = None,
    unsafe: bool = False,
    not_evaluable: Sequence[str] = (),
) -> None:
    console = Console(
        file=out,
        force_terminal=color,
        no_color=color is False,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
    )
    for report in reports:
        if not report.records:
            continue
        lines = report.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the text ends with a newline: no line after it
        for record in report.records:
            console.print(frame(record, lines), end="")
            console.print()
    console.print(summary(reports, unsafe=unsafe), end="")
    for line in not_evaluable:
        console.print(Text(f"Not evaluated: {line}", style="dim"))
