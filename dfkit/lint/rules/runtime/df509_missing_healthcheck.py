"""DF509 missing-healthcheck."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import lineage
from dfkit.syntax import ast


class MissingHealthcheck(Rule):
    """## What it does
    Flags a final image with no `HEALTHCHECK`: neither its stage nor the stages it is
    built on declare one. `HEALTHCHECK NONE` counts as a deliberate choice. Off by
    default.

    ## Why is this bad?
    Without a health check, Docker and Swarm only know whether the main process is
    running, not whether it still answers; a hung server stays "up". Kubernetes ignores
    the instruction and uses its own probes, which is why this rule is opt-in.

    hadolint (DL3057, also off by default) flags every stage, builder stages included;
    Trivy (DS026) and Checkov (CKV_DOCKER_2) flag a file without any `HEALTHCHECK`. Only
    the image the build produces matters here. A health check inherited from an external
    base image is not known to dfkit.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    COPY site/ /usr/share/nginx/html/
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    COPY site/ /usr/share/nginx/html/
    HEALTHCHECK --interval=30s CMD curl -fsS http://localhost/ || exit 1
    ```

    ## References
    - Dockerfile reference, "HEALTHCHECK"
    - hadolint DL3057, Trivy DS026, Checkov CKV_DOCKER_2
    """

    code = "DF509"
    name = "missing-healthcheck"
    severity = Severity.INFO
    groups = ("best-practice",)
    message = "The image built by stage `{stage}` has no HEALTHCHECK"
    aliases = ("DL3057", "DS026", "CKV_DOCKER_2")
    default_enabled = False

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        final = ctx.final_stage
        if final is None:
            return
        for stage in lineage(ctx, final):
            if any(isinstance(node, ast.Healthcheck) for node in stage.instructions):
                return
        node = final.node
        span = node.keyword.span.cover(node.image.span) if node.image is not None else node.keyword.span
        yield self.report(span, stage=final.display_name)
