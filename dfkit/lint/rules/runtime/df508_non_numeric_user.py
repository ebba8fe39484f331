"""DF508 non-numeric-user."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.runtime._common import builds_for_windows, lineage
from dfkit.syntax import ast


class NonNumericUser(Rule):
    """## What it does
    Flags the `USER` that the final image runs as when its user part is a name
    (`USER app`, `USER app:app`) rather than a numeric UID (`USER 10001`,
    `USER 10001:app`).

    ## Why is this bad?
    A name is resolved through the image's `/etc/passwd` when the container starts, which
    the host cannot see: Kubernetes refuses to start a pod with `runAsNonRoot: true` and
    `USER app` ("image has non-numeric user, cannot verify user is non-root"), and
    admission policies that check the UID cannot tell `app` from `root`.

    Only the effective `USER` of the final stage matters, including one inherited from
    the stage it is built on; builder stages and earlier `USER` lines are not flagged
    (hadolint 2.15 flagged every `USER`; its PR #1239 narrows DL3066 in the same way).
    A value that comes from a build argument is not judged, since `--build-arg` can make
    it numeric; a value from `ENV` is. Windows images, whose users have no numeric IDs
    (`USER ContainerUser`), are not flagged.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    RUN adduser -D -u 10001 app
    USER app
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN adduser -D -u 10001 app
    USER 10001
    ```

    ## References
    - hadolint DL3066
    - Kubernetes, "Configure a Security Context" (runAsNonRoot)
    """

    code = "DF508"
    name = "non-numeric-user"
    severity = Severity.INFO
    groups = ("security", "portability")
    message = "The image runs as user `{user}`: use a numeric UID"
    aliases = ("DL3066",)

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        final = ctx.final_stage
        if final is None or builds_for_windows(ctx, final):
            return  # Windows users are names (ContainerUser); there are no numeric UIDs
        for stage in lineage(ctx, final):
            users = [node for node in stage.instructions if isinstance(node, ast.User)]
            if users:
                yield from self._judge(users[-1], ctx)
                return

    def _judge(self, node: ast.User, ctx: RuleContext) -> Iterator[Finding]:
        word = node.value
        if word is None:
            return
        step = ctx.step_of(node)
        result = ctx.expansion(node, word.value)
        if step is None or result is None or not ctx.knows(node, result):
            return
        if any(binding.name in result.names for binding in step.args):
            return  # `--build-arg` may change it
        user = result.value.split(":", 1)[0]
        if user and not (user.isascii() and user.isdigit()):
            yield self.report(word.span, user=user)
