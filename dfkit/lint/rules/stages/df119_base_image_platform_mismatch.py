"""DF119 base-image-platform-mismatch."""

from __future__ import annotations

from dfkit.lint.findings import Severity
from dfkit.lint.rule import Rule
from dfkit.syntax import ast


class BaseImagePlatformMismatch(Rule):
    """## What it does
    Would flag a base image whose manifest offers no variant for the platform the stage
    is built for, such as an `amd64`-only image in an `arm64` build.

    ## Why is this bad?
    The builder falls back to whatever platform the image has, and the first `RUN` fails
    with `exec format error`, or worse, runs slowly under emulation without anyone
    noticing.

    dfkit never guesses this: knowing which platforms an image offers needs its manifest
    from a registry, which a linter must not fetch. The rule is listed as *not evaluable*
    in every lint result and stands here so that `--select InvalidBaseImagePlatform` and
    BuildKit's `check=skip` directives naming it are understood.

    ## Example
    ```dockerfile
    # built with --platform linux/arm64
    FROM example.com/amd64-only:1.0
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=linux/amd64 example.com/amd64-only:1.0
    ```

    ## References
    - BuildKit check InvalidBaseImagePlatform
    """

    code = "DF119"
    name = "base-image-platform-mismatch"
    severity = Severity.WARNING
    groups = ("correctness",)
    targets = (ast.From,)
    message = "Base image {image} was pulled with platform {actual!r}, expected {expected!r} for current build"
    aliases = ("InvalidBaseImagePlatform",)
    needs_registry = True
