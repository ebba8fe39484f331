"""DF510 workdir-in-system-directory."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import builds_for_windows, is_absolute, rooted_in_scratch
from dfkit.semantics import resolve_workdir
from dfkit.syntax import ast

# File systems every container runtime (and BuildKit's RUN) mounts fresh over the image.
RUNTIME_MOUNTS = ("/proc", "/sys", "/dev")
# Directories the runtime itself provides inside them.
PROVIDED = frozenset({"/dev/shm", "/dev/pts", "/dev/mqueue"})


class WorkdirInSystemDirectory(Rule):
    """## What it does
    Flags a `WORKDIR` below `/proc`, `/sys` or `/dev` (other than the directories the
    runtime provides there, such as `/dev/shm`). The path is judged after expansion and
    after resolving it against the working directory.

    ## Why is this bad?
    The runtime mounts procfs, sysfs and a fresh `/dev` over these paths in every
    container, `RUN` steps included. The directory `WORKDIR` created in the image is
    hidden: under `/proc` and `/sys` it cannot be recreated, so the next `RUN` and the
    container itself fail to start in it; under `/dev` it comes back empty, without the
    files copied there.

    Trivy's DS030 also lists `/boot`, `/initrd` and `/lost+found`. Nothing is mounted
    over those, so a `WORKDIR` there works, odd as it is; dfkit does not flag them.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    WORKDIR /proc/app
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    WORKDIR /srv/app
    ```

    ## References
    - Trivy DS030
    - OCI runtime spec, "Default Filesystems"
    """

    code = "DF510"
    name = "workdir-in-system-directory"
    severity = Severity.WARNING
    groups = ("correctness",)
    targets = (ast.Workdir,)
    message = "WORKDIR `{path}` is inside `{mount}`, which the container runtime mounts over"
    aliases = ("DS030",)

    def check(self, node: ast.Workdir, ctx: RuleContext) -> Iterator[Finding]:
        word = node.value
        stage = ctx.stage_of(node)
        if word is None or stage is None or builds_for_windows(ctx, stage):
            return
        step = ctx.step_of(node)
        path = ctx.known_value(node, word.value)
        if path is None:
            return
        before = stage.workdir if ctx.in_onbuild else (step.workdir if step is not None else "")
        if not before and not is_absolute(path) and not rooted_in_scratch(ctx, stage):
            return  # relative to the base image's working directory, which is not known
        resolved = resolve_workdir(before, path)
        for mount in RUNTIME_MOUNTS:
            if resolved.startswith(mount + "/") and resolved not in PROVIDED:
                yield self.report(word.span, path=resolved, mount=mount)
