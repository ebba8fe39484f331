"""What a build reports back: the image, and what happened to each step of the plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from dfkit.errors import DfkitError
from dfkit.plan import model as m

# built: executed and committed; cached: its committed image was reused; config: it only
# changes the image's configuration, which the final image carries (nothing to execute).
StepStatus = Literal["built", "cached", "config"]


@dataclass(frozen=True)
class StepOutcome:
    stage: int
    step: int  # StepPlan.index
    status: StepStatus
    image: str | None  # the image committed for (or reused by) the step; None for config
    seconds: float


@dataclass(frozen=True)
class BuildResult:
    image_id: str  # full hex
    tag: str
    steps: tuple[StepOutcome, ...]
    seconds: float
    external: Mapping[str, str] = field(default_factory=dict)  # each external image used: reference -> ID

    def status(self, stage: int, step: int) -> StepStatus:
        return next(o.status for o in self.steps if (o.stage, o.step) == (stage, step))

    def built(self) -> list[tuple[int, int]]:
        """The (stage, step) pairs that were executed, in plan order."""
        return sorted((o.stage, o.step) for o in self.steps if o.status == "built")


class StepFailed(DfkitError):
    """A step of the build failed: exit 1, with the step's output and its Dockerfile span."""

    exit_code = 1

    def __init__(self, message: str, *, path: str, step: m.StepPlan, output: str = "", hint: str | None = None) -> None:
        super().__init__(message, path=path, line=step.line, hint=hint)
        self.step = step
        self.output = output

    def __str__(self) -> str:
        text = f"{self.location}: error: {self.message}"
        lines = self.output.rstrip("\n").splitlines()
        text += "".join(f"\n  | {line}" for line in lines)
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text
