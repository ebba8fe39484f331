"""The bud backend: the Dockerfile handed to `buildah bud`, its steps mapped onto the plan.

`buildah bud --layers --format docker --isolation chroot --pull=never` builds what
buildah builds, so the plan it answers to is the `buildah` builder's, and it is the
reference the driven backend is tested against. buildah 1.28 lacks some of the
Dockerfile (heredocs, `COPY --link`, `--parents`, `--exclude`, `ADD --checksum`, git
sources): those are refused up front, naming the line, rather than left to fail halfway.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from dfkit.backend.buildah import BackendError, BudStep, Buildah, parse_steps
from dfkit.backend.driven import BuildOptions
from dfkit.backend.image import export_oci, oci_ref
from dfkit.backend.progress import Progress, QuietProgress, StepLabel
from dfkit.backend.result import BuildResult, StepFailed, StepOutcome, StepStatus
from dfkit.errors import DfkitError
from dfkit.plan import model as m

_HEREDOC = re.compile(r"<<-?[\"']?[A-Za-z_]")


def check_supported(plan: m.BuildPlan) -> None:
    if plan.builder != "buildah":
        raise DfkitError(
            f"the bud backend builds buildah's image, not {plan.builder}'s", path=plan.file, hint="--builder buildah"
        )
    for stage in plan.stages:
        for step in stage.steps if stage.needed else ():
            missing = _missing_in_buildah(step)
            if missing:
                raise DfkitError(
                    f"{missing}: buildah 1.28 cannot build it", path=plan.file, line=step.line, hint="--backend driven"
                )


def build(
    plan: m.BuildPlan,
    buildah: Buildah,
    dockerfile: Path,
    context: Path,
    options: BuildOptions,
    progress: Progress | None = None,
) -> BuildResult:
    check_supported(plan)
    progress = progress or QuietProgress()
    label = StepLabel(-1, "buildah", 1, 1, f"bud --layers {dockerfile}")
    started = time.perf_counter()
    progress.started(label, cached=False)
    last = plan.stages[-1].index if plan.stages else None
    try:
        result = buildah.bud(
            dockerfile,
            context,
            options.tag,
            target=plan.target if plan.target_index != last else None,
            build_args=plan.build_args,
            no_cache=options.no_cache,
            secrets=options.secrets,
            on_output=lambda line: progress.output(label, line),
        )
    except BackendError as error:
        progress.finished(label, time.perf_counter() - started, failed=True)
        raise _failed(plan, error) from None
    progress.finished(label, result.seconds)
    if options.output:
        progress.note(f"exporting to {options.output}")
        with tempfile.TemporaryDirectory(prefix="dfkit-export-") as workdir:
            export_oci(buildah, result.image_id, options.output, oci_ref(options.tag), Path(workdir))
    return BuildResult(result.image_id, options.tag, tuple(outcomes(plan, result.steps)), result.seconds)


def outcomes(plan: m.BuildPlan, steps: tuple[BudStep, ...]) -> list[StepOutcome]:
    """The plan's steps, each with the bud step that ran it (a base's triggers first, in order)."""
    found = []
    for stage in plan.stages:
        if not stage.needed:
            continue
        ran = [step for step in steps if step.stage == stage.index and step.number > 1]
        triggers = iter(step for step in ran if step.trigger)
        own = {step.index: step for step in ran if not step.trigger}
        position = 0
        for planned in stage.steps:
            if planned.onbuild_from is not None:
                bud_step = next(triggers, None)
            else:
                position += 1
                bud_step = own.get(position)
            status: StepStatus
            if not planned.creates_layer:
                status = "config"
            else:
                status = "cached" if bud_step is not None and bud_step.cached else "built"
            image = bud_step.image_id if bud_step is not None else None
            found.append(StepOutcome(stage.index, planned.index, status, image, 0.0))
    return found


def _missing_in_buildah(step: m.StepPlan) -> str | None:
    spec = step.copy_spec
    if spec is not None:
        kinds = {source.kind for source in spec.sources}
        if "heredoc" in kinds:
            return f"{step.instruction} <<heredoc"
        if spec.link:
            return f"{step.instruction} --link"
        if spec.parents:
            return f"{step.instruction} --parents"
        if spec.excludes:
            return f"{step.instruction} --exclude"
        if spec.checksum is not None:
            return f"{step.instruction} --checksum"
        if "git" in kinds:
            return f"{step.instruction} of a git repository"
    if step.run is not None and _HEREDOC.search(step.original):
        return "RUN <<heredoc"
    return None


def _failed(plan: m.BuildPlan, error: BackendError) -> DfkitError:
    """A failing bud, pinned on the plan step that failed: the last one it started."""
    steps = parse_steps(error.stdout)
    if steps:
        failing = steps[-1]
        stage = next((s for s in plan.stages if s.index == failing.stage), None)
        planned = _planned(stage, failing) if stage is not None else None
        if planned is not None:
            return StepFailed(
                f"{planned.instruction} failed: {error.message.partition('failed: ')[2] or error.message}",
                path=plan.file,
                step=planned,
                output="\n".join(failing.output) or error.stderr,
                hint=error.hint,
            )
    return error


def _planned(stage: m.StagePlan, step: BudStep) -> m.StepPlan | None:
    own = [s for s in stage.steps if s.onbuild_from is None]
    triggers = [s for s in stage.steps if s.onbuild_from is not None]
    if step.trigger:
        return triggers[step.number - 2] if 0 <= step.number - 2 < len(triggers) else None
    assert step.index is not None
    return own[step.index - 1] if 0 < step.index <= len(own) else None
