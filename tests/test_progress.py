"""The build's progress views, without buildah: what a CI log and a terminal show."""

from __future__ import annotations

import io
import re

from rich.console import Console

from dfkit.backend.progress import TAIL_LINES, PlainProgress, RichProgress, StepLabel, choose

RUN = StepLabel(0, "build", 2, 3, "RUN make")
COPY = StepLabel(1, "stage-1", 1, 2, "COPY --from=build /out /")


def test_plain_numbers_steps_like_buildkit() -> None:
    out = io.StringIO()
    with PlainProgress(out) as progress:
        progress.started(RUN, cached=False)
        progress.started(COPY, cached=True)
        progress.output(RUN, "cc -o app app.c")
        progress.finished(RUN, 1.25)
        progress.finished(COPY, 0.0)
        progress.note("exporting to oci:out")
    lines = out.getvalue().splitlines()
    assert lines[0] == "#1 [build 2/3] RUN make"
    assert lines[1:3] == ["#2 [stage-1 1/2] COPY --from=build /out /", "#2 CACHED"]
    assert re.fullmatch(r"#1 \d+\.\d{3} cc -o app app\.c", lines[3])
    assert lines[4:] == ["#1 DONE 1.2s", "#2 DONE 0.0s", "#- exporting to oci:out"]


def test_plain_marks_a_failed_step() -> None:
    out = io.StringIO()
    progress = PlainProgress(out)
    progress.started(RUN, cached=False)
    progress.finished(RUN, 0.5, failed=True)
    assert out.getvalue().splitlines()[-1] == "#1 ERROR 0.5s"


def test_rich_shows_running_steps_with_their_output_tail() -> None:
    console = Console(file=io.StringIO(), width=100, force_terminal=False, color_system=None)
    progress = RichProgress(console)
    progress.started(RUN, cached=False)
    for number in range(TAIL_LINES + 3):
        progress.output(RUN, f"line {number}")
    console.print(progress)
    view = console.file.getvalue()  # type: ignore[attr-defined]
    assert "[build 2/3] RUN make" in view
    shown = re.findall(r"line (\d+)", view)
    assert shown == [str(n) for n in range(3, TAIL_LINES + 3)]  # only the tail


def test_rich_prints_done_and_cached_steps_once_each() -> None:
    console = Console(file=io.StringIO(), width=100, force_terminal=False, color_system=None)
    progress = RichProgress(console)
    progress.started(COPY, cached=True)
    progress.started(RUN, cached=False)
    progress.finished(RUN, 2.0, failed=True)
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines == ["CACHED [stage-1 1/2] COPY --from=build /out /", "ERROR  [build 2/3] RUN make 2.0s"]
    console.print(progress)  # nothing is running any more: the live part is empty
    assert console.file.getvalue().splitlines() == lines  # type: ignore[attr-defined]


def test_auto_is_plain_off_a_terminal() -> None:
    assert isinstance(choose("auto", io.StringIO()), PlainProgress)
    assert isinstance(choose("rich", io.StringIO()), RichProgress)
