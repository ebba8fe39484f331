"""DF109 from-platform-constant."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.semantics import PlatformError, parse_platform
from dfkit.syntax import ast


class FromPlatformConstant(Rule):
    """## What it does
    Flags `FROM --platform=<constant>`, such as `--platform=linux/amd64`, in a stage
    whose name does not mention that operating system or architecture. Values built from
    variables (`$BUILDPLATFORM`, `linux/${ARCH}`) are not constants and pass; so does
    `FROM --platform=linux/arm64 … AS build-arm64`, which is clearly meant for one
    platform.

    ## Why is this bad?
    A constant platform pins the stage to one architecture whatever `--platform` the
    build asks for: a multi-platform build then produces images whose binaries are all
    built for, and run as, that one platform, and an arm64 host emulates amd64 for every
    `RUN`. Use `$BUILDPLATFORM` for stages that cross-compile and leave the target
    platform to the build.

    hadolint's DL3029 fires on every `--platform` that does not mention
    `BUILDPLATFORM` or `TARGETPLATFORM`, variables included (`linux/${ARCH}`), and
    ignores the stage-name exemption.

    ## Example
    ```dockerfile
    FROM --platform=linux/amd64 golang:1.23 AS build
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=$BUILDPLATFORM golang:1.23 AS build
    FROM --platform=linux/arm64 alpine:3.20 AS runtime-arm64
    ```

    ## References
    - BuildKit check FromPlatformFlagConstDisallowed, hadolint DL3029
    """

    code = "DF109"
    name = "from-platform-constant"
    severity = Severity.WARNING
    groups = ("portability",)
    targets = (ast.From,)
    onbuild = False  # FROM is not allowed in ONBUILD
    message = 'FROM --platform flag should not use constant value "{platform}"'
    aliases = ("FromPlatformFlagConstDisallowed", "DL3029")

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.From)
        flag = node.flag("platform")
        if flag is None or not flag.value:
            return
        expansion = ctx.expansion(node, flag.value)
        if expansion is None or expansion.names:
            return
        try:
            platform = parse_platform(expansion.value)
        except PlatformError:
            return  # DF114 reports it
        stage = ctx.stage_of(node)
        name = stage.name if stage is not None and stage.name else ""
        if platform.os in name or platform.architecture in name:
            return
        yield self.report(flag.span, platform=expansion.value)
