"""DF101 untagged-base-image."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.syntax import ast


class UntaggedBaseImage(Rule):
    """## What it does
    Flags a `FROM` image that has neither a tag nor a digest, after `ARG` values are
    expanded. `scratch`, earlier stages, and images whose name comes from an `ARG`
    without a default (unknowable until `--build-arg` is given) are left alone.

    ## Why is this bad?
    An image without a tag means `:latest`: whatever the registry serves on the day of
    the build. Two builds of the same commit can get different bases, a rebuild can break
    without any change in the repository, and nobody can tell which base an image was
    made from.

    hadolint (DL3006) cannot expand `ARG`s: it stays silent on `FROM ${BASE}` whatever
    `BASE` holds, while dfkit reads the default. Trivy (DS001) and Checkov (CKV_DOCKER_7)
    report this together with `:latest` (DF102).

    ## Example
    ```dockerfile
    ARG BASE=debian
    FROM ${BASE}
    FROM alpine AS tools
    ```

    ## Use instead
    ```dockerfile
    ARG BASE=debian:12.7
    FROM ${BASE}
    FROM alpine:3.20@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d AS tools
    ARG VARIANT
    FROM node:${VARIANT}
    FROM tools
    FROM scratch
    ```

    ## References
    - hadolint DL3006, Trivy DS001, Checkov CKV_DOCKER_7
    - Dockerfile reference, "FROM"
    """

    code = "DF101"
    name = "untagged-base-image"
    severity = Severity.WARNING
    groups = ("best-practice",)
    targets = (ast.From,)
    onbuild = False  # FROM is not allowed in ONBUILD
    message = "Base image `{image}` has no tag or digest"
    aliases = ("DL3006", "DS001", "CKV_DOCKER_7")

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.From)
        stage, word = ctx.stage_of(node), node.image
        if stage is None or word is None or stage.base.image is None:
            return
        ref = stage.base.image
        if ref.tag is None and ref.digest is None and ctx.known_value(node, word.value) is not None:
            yield self.report(word.span, image=stage.base.text)
