"""DF106 duplicate-stage-name."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.stages._common import valid_stage_name


class DuplicateStageName(Rule):
    """## What it does
    Flags a stage whose name (compared in lower case) an earlier stage already has.

    ## Why is this bad?
    BuildKit does not refuse the file, but the two stages now share one name and each
    reference picks one of them by a rule few people know: `FROM <name>` takes the
    latest stage of that name defined *before* it, while `COPY --from=<name>`,
    `RUN --mount=…,from=<name>` and `--target` take the *last* one in the file, even
    when it comes after the `COPY` (which then fails with "cannot copy from stage").
    A copy-pasted stage usually means one of them was meant to have another name.

    hadolint (DL3024), Trivy (DS012) and Checkov (CKV_DOCKER_11) call it an error; for
    BuildKit it is a warning, and the build goes on.

    ## Example
    ```dockerfile
    FROM node:22 AS build
    RUN npm ci
    FROM node:22 AS build
    RUN npm run build
    ```

    ## Use instead
    ```dockerfile
    FROM node:22 AS deps
    RUN npm ci
    FROM deps AS build
    RUN npm run build
    ```

    ## References
    - BuildKit check DuplicateStageName, hadolint DL3024, Trivy DS012, Checkov CKV_DOCKER_11
    """

    code = "DF106"
    name = "duplicate-stage-name"
    severity = Severity.WARNING
    groups = ("correctness",)
    message = 'Duplicate stage name "{name}", stage names should be unique'
    aliases = ("DuplicateStageName", "DL3024", "DS012", "CKV_DOCKER_11")

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        seen: set[str] = set()
        for stage in ctx.semantics.stages:
            alias = stage.node.alias
            if stage.name is None or alias is None or not valid_stage_name(stage.name):
                continue  # an invalid name is DF108's: BuildKit stops before this check
            if stage.name in seen:
                yield self.report(alias.span, name=stage.name)
            seen.add(stage.name)
