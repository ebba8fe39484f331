"""Where the builders would make different images from one Dockerfile, and why.

`dfkit plan --compare-builders` plans the build for BuildKit, the classic builder and
buildah, then reports every difference in the images they would make (a step that
commits a layer for one and not another, a history entry one writes and another does
not, a config field, a RUN whose writes one builder discards), each with the
instruction responsible for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dfkit.plan import model as m
from dfkit.plan.builders import BUILDERS

# Which instructions set each config field (the last one in the stage chain decides).
SETTERS: dict[str, tuple[str, ...]] = {
    "Env": ("ENV",),
    "Cmd": ("CMD", "ENTRYPOINT"),
    "Entrypoint": ("ENTRYPOINT",),
    "WorkingDir": ("WORKDIR",),
    "User": ("USER",),
    "ExposedPorts": ("EXPOSE",),
    "Volumes": ("VOLUME",),
    "Labels": ("LABEL",),
    "StopSignal": ("STOPSIGNAL",),
    "Healthcheck": ("HEALTHCHECK",),
    "Shell": ("SHELL",),
    "OnBuild": ("ONBUILD",),
}


@dataclass(frozen=True)
class Difference:
    line: int
    instruction: str  # the Dockerfile text responsible
    aspect: str  # "layer", "history", "files" or a config field
    values: dict[str, str]  # builder -> what it does or stores

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "instruction": self.instruction, "aspect": self.aspect, "values": self.values}


def compare(plans: Mapping[str, m.BuildPlan]) -> list[Difference]:
    names = list(plans)
    first = plans[names[0]]
    differences: list[Difference] = []
    for index, stage in enumerate(first.stages):
        if not stage.needed:
            continue
        for position, step in enumerate(stage.steps):
            steps = {name: plans[name].stages[index].steps[position] for name in names}
            differences.extend(_step_differences(step, steps))
    differences.extend(_config_differences(plans))
    return sorted(differences, key=lambda d: (d.line, d.aspect))


def _step_differences(step: m.StepPlan, steps: Mapping[str, m.StepPlan]) -> list[Difference]:
    found = []
    layers = {name: "commits a layer" if s.creates_layer else "no layer" for name, s in steps.items()}
    if len(set(layers.values())) > 1:
        found.append(Difference(step.line, step.original, "layer", layers))
    history = {name: "history entry" if s.history is not None else "no history entry" for name, s in steps.items()}
    if len(set(history.values())) > 1:
        found.append(Difference(step.line, step.original, "history", history))
    discarded = {
        name: "writes into a VOLUME are discarded" if not BUILDERS[name].volume_keeps_run_writes else "kept"
        for name in steps
    }
    if step.instruction == "RUN" and any("volume" in note for s in steps.values() for note in s.notes):
        if len(set(discarded.values())) > 1:
            found.append(Difference(step.line, step.original, "files", discarded))
    return found


def _config_differences(plans: Mapping[str, m.BuildPlan]) -> list[Difference]:
    images = {name: plan.image for name, plan in plans.items()}
    if any(image is None for image in images.values()):
        return []
    first = next(iter(plans.values()))
    chain = _chain(first)
    found = []
    configs = {name: image.config.model_dump(mode="json") for name, image in images.items() if image is not None}
    for field in SETTERS:
        values = {name: _show(config.get(field)) for name, config in configs.items()}
        if len(set(values.values())) <= 1:
            continue
        line, text = _responsible(chain, SETTERS[field])
        found.append(Difference(line, text, field, values))
    return found


def _chain(plan: m.BuildPlan) -> list[m.StagePlan]:
    """The target stage and the stages it is built on, root first."""
    if plan.target_index is None:
        return []
    by_index = {stage.index: stage for stage in plan.stages}
    chain = [by_index[plan.target_index]]
    while chain[-1].base.kind == "stage" and chain[-1].base.stage is not None:
        chain.append(by_index[chain[-1].base.stage])
    return list(reversed(chain))


def _responsible(chain: Sequence[m.StagePlan], keywords: tuple[str, ...]) -> tuple[int, str]:
    for stage in reversed(chain):
        for step in reversed(stage.steps):
            if step.instruction in keywords:
                return step.line, step.original
    root = chain[0] if chain else None
    return (root.line, f"FROM {root.base.name}") if root is not None else (1, "")


def _show(value: Any) -> str:
    if value in (None, [], {}, ""):
        return "(unset)"
    if isinstance(value, dict) and all(v == {} for v in value.values()):
        return "{" + ", ".join(value) + "}"
    return json.dumps(value, ensure_ascii=False)


def render_text(file: str, differences: Sequence[Difference]) -> str:
    if not differences:
        return f"{file}: BuildKit, the classic builder and buildah make the same image\n"
    lines = [f"{file}: the image differs between builders"]
    for difference in differences:
        lines.append(f"  {difference.line}: {difference.instruction}")
        groups: dict[str, list[str]] = {}
        for name, value in difference.values.items():
            groups.setdefault(value, []).append(name)
        shown = "; ".join(f"{', '.join(names)}: {value}" for value, names in groups.items())
        lines.append(f"      {difference.aspect}: {shown}")
    return "\n".join(lines) + "\n"
