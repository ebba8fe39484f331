"""DF121 copy-from-untagged-image."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.stages._common import image_ref, is_bare_name, is_stage_index, sources
from dfkit.syntax import ast


class CopyFromUntaggedImage(Rule):
    """## What it does
    Flags `COPY --from=<image>` and `RUN --mount=…,from=<image>` naming an image with
    neither a tag nor a digest, or with the `latest` tag and no digest.

    A bare name (`--from=busybox`) is left alone, since it may be a stage of the image
    that runs an `ONBUILD` trigger or a named build context (`--build-context busybox=…`);
    a name with a registry or a path (`ghcr.io/org/tool`, `org/tool`) is an image.

    ## Why is this bad?
    Like an untagged `FROM`, it pulls whatever the registry serves today: the files
    copied into the image change from one build to the next, unseen.

    hadolint's DL3022 reports such references as unknown stages instead, and nothing
    checks their tag.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY --from=ghcr.io/astral-sh/uv /uv /bin/uv
    RUN --mount=from=example/tools:latest,source=/bin/jq,target=/usr/bin/jq jq --version
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY --from=ghcr.io/astral-sh/uv:0.4.30 /uv /bin/uv
    RUN --mount=from=example/tools:1.2,source=/bin/jq,target=/usr/bin/jq jq --version
    COPY --from=busybox /bin/busybox /bin/busybox
    ```

    ## References
    - Dockerfile reference, "COPY --from"
    """

    code = "DF121"
    name = "copy-from-untagged-image"
    severity = Severity.WARNING
    groups = ("best-practice",)
    targets = (ast.Copy, ast.Run)
    message = "Image `{image}` {problem}"

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        for source in sources(ctx, node):
            value = source.value
            if "$" in value or is_stage_index(value) or is_bare_name(value):
                continue
            ref = image_ref(value)
            if ref is None or ref.digest is not None:
                continue
            if ref.tag is None:
                yield self.report(source.span, image=value, problem="has no tag or digest")
            elif ref.tag == "latest":
                yield self.report(source.span, image=value, problem="uses the `latest` tag")
