"""DF103 untrusted-registry."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule, RuleOptions
from dfkit.lint.rules.stages._common import (
    image_ref,
    is_bare_name,
    is_stage_index,
    normalize_registry,
    registry_allowed,
    sources,
)
from dfkit.source import Span
from dfkit.syntax import ast


class Options(RuleOptions):
    trusted_registries: list[str] = Field(default_factory=list)


class UntrustedRegistry(Rule):
    """## What it does
    With a list of trusted registries configured, flags every image pulled from another
    registry: the base image of `FROM`, and the image named by `COPY --from` or
    `RUN --mount=…,from=`. Without a list, it reports nothing.

    Registries are compared the way the builder resolves them: `alpine` and
    `library/alpine` come from `docker.io`, and so do `index.docker.io/…` and
    `registry-1.docker.io/…` (`hub.docker.com` in the list means Docker Hub too).
    `scratch` and stage names are never registries. A name in an `ONBUILD` trigger that
    could be a stage of the image that will run it is left alone.

    ## Why is this bad?
    Organisations mirror, scan and sign the images they allow. An image from anywhere
    else bypasses that: it may be unscanned, untrusted, or gone tomorrow.

    ## Example
    ```dockerfile
    FROM quay.io/prometheus/busybox:1.36
    COPY --from=ghcr.io/astral-sh/uv:0.4.30 /uv /bin/uv
    ```

    ## Use instead
    ```dockerfile
    FROM registry.example.com/prometheus/busybox:1.36 AS base
    COPY --from=docker.io/library/alpine:3.20 /etc/alpine-release /
    FROM base
    COPY --from=base /bin/sh /bin/sh
    ```

    ## Options
    - `trusted-registries` (list of glob patterns, default empty): the registries images
      may come from, such as `docker.io` or `*.gcr.io`. The top-level
      `trusted-registries` setting fills it and enables the rule.

    ## References
    - hadolint DL3026 (FROM only, with `trustedRegistries`)
    """

    code = "DF103"
    name = "untrusted-registry"
    severity = Severity.WARNING
    groups = ("security",)
    targets = (ast.From, ast.Copy, ast.Run)
    message = "Image `{image}` comes from `{registry}`, which is not a trusted registry"
    aliases = ("DL3026",)
    default_enabled = False
    Options = Options
    doc_case = {"options": {"trusted-registries": ["docker.io", "registry.example.com"]}}

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        patterns = ctx.options_for(self).trusted_registries
        if not patterns:
            return
        if isinstance(node, ast.From):
            stage, word = ctx.stage_of(node), node.image
            if stage is not None and word is not None and stage.base.image is not None:
                if ctx.known_value(node, word.value) is not None:
                    yield from self._judge(stage.base.text, word.span, patterns)
            return
        for source in sources(ctx, node):
            value = source.value
            if value == "scratch" or is_stage_index(value) or "$" in value:
                continue
            if ctx.in_onbuild:
                if is_bare_name(value):
                    continue  # may name a stage of the image that runs the trigger
            elif ctx.semantics.stage_by_name(value) is not None:
                continue
            yield from self._judge(value, source.span, patterns)

    def _judge(self, image: str, span: Span, patterns: list[str]) -> Iterator[Finding]:
        ref = image_ref(image)
        if ref is not None and not registry_allowed(ref.domain, patterns):
            yield self.report(span, image=image, registry=normalize_registry(ref.domain))
