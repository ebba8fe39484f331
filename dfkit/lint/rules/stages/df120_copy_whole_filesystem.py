"""DF120 copy-whole-filesystem."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator

from pydantic import Field

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule, RuleOptions
from dfkit.lint.rules.stages._common import image_ref, root_image, scratch_rooted
from dfkit.semantics.model import CopyX
from dfkit.syntax import ast


class Options(RuleOptions):
    overlay_images: list[str] = Field(default_factory=lambda: ["tonistiigi/xx"])


class CopyWholeFilesystem(Rule):
    """## What it does
    Flags `COPY --from=<x> / /`: the whole root of another stage or image copied onto
    the root of a stage that already has a filesystem. Paths are judged relative to the
    working directory, so `COPY --from=x . /` counts too; a path built from a variable
    (which the base image or a `--build-arg` may set) is not judged.

    Not flagged: a target stage built on `scratch` (`FROM scratch` then
    `COPY --from=build / /` flattens an image into one layer, on purpose), a source
    stage built on `scratch` (it holds a few files, not an operating system), and the
    images listed in `overlay-images`, made to be copied this way (`tonistiigi/xx`).
    hadolint's DL3067 flags all of them.

    ## Why is this bad?
    The copy lays one operating system over another: `/etc/passwd`, the package
    database, `/etc/os-release` and every library come from the source, while the
    metadata (`ENV`, `USER`, `WORKDIR`) comes from the target. The result is a hybrid
    nobody tested, and usually a much larger layer than the few files that were needed.

    ## Example
    ```dockerfile
    FROM debian:12 AS build
    RUN apt-get update && apt-get install -y --no-install-recommends make
    FROM ubuntu:24.04
    COPY --from=build / /
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12 AS build
    RUN apt-get update && apt-get install -y --no-install-recommends make
    FROM ubuntu:24.04
    COPY --from=build /usr/bin/make /usr/bin/make
    FROM scratch
    COPY --from=build / /
    FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.6.1 AS xx
    FROM golang:1.23
    COPY --from=xx / /
    ```

    ## Options
    - `overlay-images` (list of glob patterns, default `["tonistiigi/xx"]`): images,
      written as on Docker Hub (`tonistiigi/xx`) or with their registry, whose whole
      filesystem is meant to be copied onto another.

    ## References
    - hadolint DL3067
    """

    code = "DF120"
    name = "copy-whole-filesystem"
    severity = Severity.WARNING
    groups = ("correctness", "best-practice")
    targets = (ast.Copy,)
    onbuild = False  # the trigger runs in a stage of another build: nothing to judge here
    message = "`COPY` lays the whole filesystem of `{source}` over this stage's"
    aliases = ("DL3067",)
    Options = Options

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.Copy)
        flag, step, stage = node.flag("from"), ctx.step_of(node), ctx.stage_of(node)
        if flag is None or step is None or stage is None or not isinstance(step.expanded, CopyX):
            return
        copy, dest = step.expanded, node.dest
        # Only literal paths: a variable the base image or a --build-arg may set is no root.
        if dest is None or "$" in dest.value or copy.dest_resolved != "/":
            return
        pairs = zip(node.sources, copy.sources, strict=False)
        words = [word for word, source in pairs if "$" not in word.value and _is_root(source)]
        if not words:
            return
        stages = ctx.semantics.stages
        if scratch_rooted(stage, stages):
            return
        if copy.source_stage is not None:
            source_stage = stages[copy.source_stage]
            if scratch_rooted(source_stage, stages):
                return
            image = root_image(source_stage, stages)
        else:
            image = image_ref(copy.source_image or "")
        if image is not None:
            patterns = ctx.options_for(self).overlay_images
            names = (image.familiar_name, image.repository)
            if any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in patterns):
                return
        yield self.report(words[0].span, source=flag.value)


def _is_root(source: str) -> bool:
    """`/`, `.`, `./`, `/.`: the whole root of the source."""
    return posixpath.normpath("/" + source.lstrip("/")) == "/"
