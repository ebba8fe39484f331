"""Rich trees for people: `dfkit parse --format tree`."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from dfkit.syntax import ast


def _label(node: ast.Instruction, source) -> str:  # type: ignore[no-untyped-def]
    start = source.position(node.span.start).line
    end = source.end_position(node.span).line
    lines = f"{start}" if start == end else f"{start}-{end}"
    text = f"[dim]{lines:>7}[/dim]  [bold cyan]{escape(node.keyword.text) or '(empty)'}[/bold cyan]"
    if node.kind == "unparsable":
        return text + f"  [bold red]{escape(node.error)}[/bold red]"  # type: ignore[union-attr]
    if node.kind == "unknown":
        return text + "  [yellow](unknown instruction)[/yellow]"
    form = getattr(node, "form", None)
    if form == "exec":
        text += "  [magenta]exec[/magenta]"
    return text


def _add(tree: Tree, node: ast.Instruction, source) -> None:  # type: ignore[no-untyped-def]
    branch = tree.add(_label(node, source))
    for flag in node.flags:
        branch.add(f"[green]--{escape(flag.name)}[/green]" + (f"=[green]{escape(flag.value)}[/green]" if flag.value is not None else ""))
    match node:
        case ast.Env(pairs=pairs) | ast.Label(pairs=pairs):
            for pair in pairs:
                legacy = " [dim](legacy form)[/dim]" if pair.legacy else ""
                branch.add(f"{escape(pair.key.value)} = {escape(repr(pair.value.value))}{legacy}")
        case ast.OnBuild(trigger=trigger) if trigger is not None:
            _add(branch, trigger, source)
            return
        case ast.Maintainer(value=value) | ast.User(value=value) | ast.Workdir(value=value) | ast.Stopsignal(
            value=value
        ) if value is not None:
            branch.add(escape(repr(value.value)))
        case ast.Healthcheck(type=kind) if kind is not None:
            branch.add(f"type {escape(kind.value)}")
    for word in getattr(node, "args", ()):
        branch.add(escape(repr(word.value)))
    for heredoc in getattr(node, "heredocs", ()):
        quoted = "" if heredoc.expand else " (quoted: no expansion)"
        lines = heredoc.content.count("\n")
        branch.add(f"[blue]heredoc {escape(heredoc.name)}[/blue] {lines} line(s){quoted}")


def print_parse_tree(dockerfile: ast.Dockerfile, name: str, console: Console | None = None) -> None:
    console = console or Console()
    source = dockerfile.source
    tree = Tree(f"[bold]{escape(name)}[/bold]")
    for directive in dockerfile.directives:
        tree.add(f"[dim]# {escape(directive.name)}={escape(directive.value)}[/dim]")
    for node in dockerfile.instructions:
        _add(tree, node, source)
    console.print(tree)
