"""DF007 forbidden-onbuild-trigger."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules._issues import syntax_issues


class ForbiddenOnbuildTrigger(Rule):
    """## What it does
    Flags ``ONBUILD ONBUILD``, ``ONBUILD FROM`` and ``ONBUILD MAINTAINER``.

    ## Why is this bad?
    BuildKit refuses these triggers: chaining ONBUILD is not allowed, and FROM and
    MAINTAINER make no sense as something to run in a child image.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ONBUILD ONBUILD RUN echo twice removed
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ONBUILD RUN echo in the child image
    ```

    ## References
    - hadolint DL3043
    - BuildKit `instructions/parse.go` (`parseOnBuild`)
    """

    code = "DF007"
    name = "forbidden-onbuild-trigger"
    severity = Severity.ERROR
    groups = ("correctness", "buildkit-errors")
    message = "{detail}"
    aliases = ("DL3043",)

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        return syntax_issues(self, ctx, frozenset({"forbidden-onbuild-trigger"}), "instruction")
