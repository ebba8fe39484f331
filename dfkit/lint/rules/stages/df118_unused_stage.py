"""DF118 unused-stage."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.stages._common import unused_stages

_VARIABLE = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


class UnusedStage(Rule):
    """## What it does
    Flags a named stage that is not the last stage (the default target) and that no
    other stage uses through `FROM`, `COPY --from` or a mount's `from=`. A `FROM` built
    from variables counts as a use of every stage its variable parts could produce
    (`FROM base-${TARGETARCH}` uses `base-amd64` and `base-arm64`).

    Off by default: a Dockerfile with several targets (`dev`, `test`, `release`, built
    with `--target`) has such stages on purpose. Enable it for files with one product.

    ## Why is this bad?
    A plain `docker build` never builds the stage: it is either an alternative target
    that deserves a comment, or leftover code that still costs review time and CI
    minutes under `--check` and `bake`.

    ## Example
    ```dockerfile
    FROM golang:1.23 AS build
    RUN go build -o /app .
    FROM golang:1.23 AS lint
    RUN go vet ./...
    FROM alpine:3.20
    COPY --from=build /app /app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23 AS build
    RUN go build -o /app .
    FROM alpine:3.20
    COPY --from=build /app /app
    ```

    ## References
    - BuildKit: stages the target does not need are not built
    """

    code = "DF118"
    name = "unused-stage"
    severity = Severity.INFO
    groups = ("maintainability",)
    message = "Stage `{name}` is not the final stage and no other stage uses it"
    default_enabled = False

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        patterns = [
            re.compile(".*".join(re.escape(part) for part in _VARIABLE.split(stage.node.image.value)))
            for stage in ctx.semantics.stages
            if stage.node.image is not None and "$" in stage.node.image.value
        ]
        for stage in unused_stages(ctx):
            alias = stage.node.alias
            if stage.name is None or alias is None:
                continue
            if any(pattern.fullmatch(stage.name) for pattern in patterns):
                continue
            yield self.report(alias.span, name=alias.value)
