"""DF102 latest-tag."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.syntax import ast


class LatestTag(Rule):
    """## What it does
    Flags a `FROM` image whose tag is `latest`, after `ARG` values are expanded, unless
    a digest pins it as well (`image:latest@sha256:…` is pinned; the tag is only a label).

    ## Why is this bad?
    `latest` is not a version: it is whatever was pushed last. The base image changes
    under the Dockerfile without any change to it, so builds are not reproducible and
    upgrades (a new major version of the distribution, say) arrive unannounced.

    ## Example
    ```dockerfile
    FROM ubuntu:latest
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    FROM ubuntu:latest@sha256:2e863c44b718727c860746568e1d54afd13b2fa71b160f5cd9058fc436217b30
    ```

    ## References
    - hadolint DL3007, Trivy DS001, Checkov CKV_DOCKER_7
    """

    code = "DF102"
    name = "latest-tag"
    severity = Severity.WARNING
    groups = ("best-practice",)
    targets = (ast.From,)
    onbuild = False  # FROM is not allowed in ONBUILD
    message = "Base image `{image}` uses the `latest` tag"
    aliases = ("DL3007", "DS001", "CKV_DOCKER_7")

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, ast.From)
        stage, word = ctx.stage_of(node), node.image
        if stage is None or word is None or stage.base.image is None:
            return
        ref = stage.base.image
        if ref.tag == "latest" and ref.digest is None and ctx.known_value(node, word.value) is not None:
            yield self.report(word.span, image=stage.base.text)
