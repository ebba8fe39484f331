"""A plan as people and other tools read it: a rich tree, Graphviz dot, Mermaid."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from dfkit.plan import model as m

SHORT = 12  # hex digits of a cache key shown in the tree


def short(key: str) -> str:
    return key.split(":", 1)[-1][:SHORT]


def _node_id(stage: int, step: int) -> str:
    return f"s{stage}_{step}"


def _stage_title(stage: m.StagePlan) -> str:
    name = stage.name or f"stage {stage.index}"
    return f"{name} (FROM {stage.base.name})"


def _label(step: m.StepPlan) -> str:
    text = step.original if len(step.original) <= 60 else step.original[:57] + "..."
    return f"{step.line}: {text}"


def _escape_dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _last_node(stage: m.StagePlan) -> str:
    return _node_id(stage.index, len(stage.steps) - 1) if stage.steps else f"s{stage.index}_from"


def _copy_edges(plan: m.BuildPlan) -> Iterator[tuple[m.StagePlan, m.StagePlan, str, str]]:
    """(source stage, target stage, the node depending, edge kind) for every edge."""
    by_index = {stage.index: stage for stage in plan.stages}
    for edge in plan.graph.edges:
        source, target = by_index.get(edge.source), by_index.get(edge.target)
        if source is None or target is None or not source.needed or not target.needed:
            continue
        if edge.kind == "from":
            yield source, target, f"s{target.index}_from", edge.kind
            continue
        node = next((s for s in target.steps if s.line == edge.line), None)
        if node is not None:
            yield source, target, _node_id(target.index, node.index), edge.kind


def to_dot(plan: m.BuildPlan) -> str:
    lines = ["digraph build {", "  rankdir=TB;", '  node [fontname="monospace", fontsize=10];']
    for stage in plan.stages:
        if not stage.needed:
            continue
        lines.append(f"  subgraph cluster_{stage.index} {{")
        lines.append(f'    label="{_escape_dot(_stage_title(stage))}";')
        lines.append(f'    s{stage.index}_from [label="FROM {_escape_dot(stage.base.name)}", shape=plaintext];')
        previous = f"s{stage.index}_from"
        for step in stage.steps:
            shape = "box, style=bold" if step.creates_layer else "ellipse, style=dashed"
            label = _escape_dot(_label(step))
            lines.append(f'    {_node_id(stage.index, step.index)} [label="{label}", shape={shape}];')
            lines.append(f"    {previous} -> {_node_id(stage.index, step.index)};")
            previous = _node_id(stage.index, step.index)
        lines.append("  }")
    for source, _, node, kind in _copy_edges(plan):
        lines.append(f'  {_last_node(source)} -> {node} [style=dotted, label="{kind}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(plan: m.BuildPlan) -> str:
    lines = ["flowchart TD"]
    for stage in plan.stages:
        if not stage.needed:
            continue
        title = _stage_title(stage).replace('"', "#quot;")
        lines.append(f'  subgraph stage{stage.index}["{title}"]')
        lines.append(f'    s{stage.index}_from(["FROM {stage.base.name}"])')
        previous = f"s{stage.index}_from"
        for step in stage.steps:
            label = _label(step).replace('"', "#quot;")
            node = _node_id(stage.index, step.index)
            lines.append(f'    {node}["{label}"]' if step.creates_layer else f'    {node}(["{label}"])')
            lines.append(f"    {previous} --> {node}")
            previous = node
        lines.append("  end")
    for source, _, node, kind in _copy_edges(plan):
        lines.append(f"  {_last_node(source)} -. {kind} .-> {node}")
    return "\n".join(lines) + "\n"


def print_tree(plan: m.BuildPlan, out: TextIO) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.tree import Tree

    invalid = set(plan.invalidated)
    target = plan.target if plan.target is not None else "-"
    root = Tree(f"[bold]{escape(plan.file)}[/bold]  builder [cyan]{plan.builder}[/cyan]  target [cyan]{escape(target)}[/cyan]")
    for stage in plan.stages:
        title = escape(_stage_title(stage))
        if not stage.needed:
            root.add(f"[dim]{title}  skipped (not needed for the target)[/dim]")
            continue
        branch = root.add(f"[bold magenta]{title}[/bold magenta]")
        for step in stage.steps:
            mark = "[green]layer [/green]" if step.creates_layer else "[dim]config[/dim]"
            text = escape(_label(step))
            extra = f"  [dim]{short(step.cache_key)}[/dim]"
            if step.onbuild_from:
                extra += f"  [blue](ONBUILD of {escape(step.onbuild_from)})[/blue]"
            if not step.reproducible:
                extra += "  [yellow]not reproducible[/yellow]"
            if (stage.index, step.index) in invalid:
                extra += "  [bold red]rebuilt[/bold red]"
            leaf = branch.add(f"{mark} {text}{extra}")
            for note in step.notes:
                leaf.add(f"[yellow]{escape(note)}[/yellow]")
    if plan.image is not None:
        image = plan.image
        summary = root.add(f"[bold]image[/bold]: {image.layers} layer(s), {len(image.history)} history entries")
        if not image.base_known:
            summary.add(f"[yellow]built on {escape(image.base_image or '?')}: its config and layers are not known[/yellow]")
        config = image.config.model_dump(exclude_none=True)
        for key, value in config.items():
            if value in ("", [], {}):
                continue
            summary.add(f"{key}: {escape(str(value))}")
    console = Console(file=out, highlight=False)
    if not console.is_terminal:
        console = Console(file=out, highlight=False, width=160)
    console.print(root)
