"""What a build shows while it runs: every step, cached or run, its time and its output.

`PlainProgress` writes one line per event, in the shape of BuildKit's `--progress plain`
(`#3 [base 2/3] RUN make`, `#3 0.41 output...`, `#3 DONE 1.2s`, `#3 CACHED`), for CI logs.
`RichProgress` keeps a live view on a terminal: the steps running now with their elapsed
time and the tail of their output, and a line for each step once it is done. Both are
called from the threads that build stages concurrently.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, TextIO

TAIL_LINES = 6


@dataclass(frozen=True)
class StepLabel:
    """A step as progress names it: `[stage number/total] instruction`."""

    stage: int
    stage_name: str
    number: int  # from 1, within the stage
    total: int
    text: str  # the instruction's first line

    def __str__(self) -> str:
        return f"[{self.stage_name} {self.number}/{self.total}] {self.text}"


class Progress(Protocol):
    def started(self, step: StepLabel, *, cached: bool) -> None: ...
    def output(self, step: StepLabel, line: str) -> None: ...
    def finished(self, step: StepLabel, seconds: float, *, failed: bool = False) -> None: ...
    def note(self, text: str) -> None: ...
    def __enter__(self) -> Progress: ...
    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None: ...


class QuietProgress:
    """Shows nothing (for the API and the tests)."""

    def started(self, step: StepLabel, *, cached: bool) -> None:
        pass

    def output(self, step: StepLabel, line: str) -> None:
        pass

    def finished(self, step: StepLabel, seconds: float, *, failed: bool = False) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def __enter__(self) -> QuietProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        pass


class PlainProgress:
    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out if out is not None else sys.stderr
        self._lock = threading.Lock()
        self._numbers: dict[StepLabel, int] = {}
        self._started: dict[StepLabel, float] = {}
        self._begin = time.monotonic()

    def started(self, step: StepLabel, *, cached: bool) -> None:
        with self._lock:
            number = self._numbers[step] = len(self._numbers) + 1
            self._started[step] = time.monotonic()
            self._write(f"#{number} {step}")
            if cached:
                self._write(f"#{number} CACHED")

    def output(self, step: StepLabel, line: str) -> None:
        with self._lock:
            self._write(f"#{self._numbers[step]} {time.monotonic() - self._started[step]:.3f} {line}")

    def finished(self, step: StepLabel, seconds: float, *, failed: bool = False) -> None:
        with self._lock:
            self._write(f"#{self._numbers[step]} {'ERROR' if failed else 'DONE'} {seconds:.1f}s")

    def note(self, text: str) -> None:
        with self._lock:
            self._write(f"#- {text}")

    def _write(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        pass


class RichProgress:
    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self._console = console if console is not None else Console(stderr=True)
        self._lock = threading.Lock()
        self._running: dict[StepLabel, _Running] = {}
        self._live = Live(self, console=self._console, refresh_per_second=8, transient=True)

    def started(self, step: StepLabel, *, cached: bool) -> None:
        if cached:
            self._console.print(f"[cyan]CACHED[/] {_escape(str(step))}", highlight=False)
            return
        from rich.spinner import Spinner

        with self._lock:
            self._running[step] = _Running(time.monotonic(), deque(maxlen=TAIL_LINES), Spinner("dots"))

    def output(self, step: StepLabel, line: str) -> None:
        with self._lock:
            if step in self._running:
                self._running[step].tail.append(line)

    def finished(self, step: StepLabel, seconds: float, *, failed: bool = False) -> None:
        with self._lock:
            self._running.pop(step, None)
        status = "[red]ERROR[/] " if failed else "[green]DONE[/]  "
        self._console.print(f"{status} {_escape(str(step))} [dim]{seconds:.1f}s[/]", highlight=False)

    def note(self, text: str) -> None:
        self._console.print(f"[dim]{_escape(text)}[/]", highlight=False)

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        rows: list[Any] = []
        now = time.monotonic()
        with self._lock:
            running = [(step, state.start, list(state.tail), state.spinner) for step, state in self._running.items()]
        for step, start, tail, spinner in running:
            spinner.update(text=Text(f"{step}  {now - start:.1f}s", overflow="ellipsis", no_wrap=True))
            rows.append(spinner)
            rows.extend(Text(f"    {line}", style="dim", overflow="ellipsis", no_wrap=True) for line in tail)
        return Group(*rows)

    def __enter__(self) -> RichProgress:
        self._live.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._live.__exit__(kind, error, tb)


@dataclass
class _Running:
    start: float
    tail: deque[str]
    spinner: Any  # rich's Spinner: it keeps its own frame from refresh to refresh


def choose(mode: str, stream: TextIO | None = None) -> Progress:
    """`auto`: the live view on a terminal, plain lines otherwise."""
    out = stream if stream is not None else sys.stderr
    if mode == "rich" or mode == "auto" and out.isatty():
        return RichProgress()
    return PlainProgress(out)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
