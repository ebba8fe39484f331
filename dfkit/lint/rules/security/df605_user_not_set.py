"""DF605 user-not-set."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.security._common import image_chain
from dfkit.lint.rules.security.df604_runs_as_root import effective_user


class UserNotSet(Rule):
    """## What it does
    Flags an image that never says which user it runs as: neither the final (or
    `--target`) stage nor any stage it is built `FROM` has a `USER` (one run by an
    `ONBUILD` of such a stage counts). The image then runs as its base image's user.

    dfkit does not contact registries, so it cannot know that user: an image built on
    `scratch` certainly runs as root, as do most official images (`debian`, `python`,
    `node`), but some bases set a user of their own (`gcr.io/distroless/*:nonroot`,
    Bitnami images). Hence the rule is off by default and only informs; enable it to
    require that every image states its user.

    ## Why is this bad?
    Running as root by default is the usual way containers end up with more power than
    they need (see DF604). Stating the user in the Dockerfile makes the choice visible
    and survives a base image that changes its default.

    ## Example
    ```dockerfile
    FROM node:22-alpine
    COPY . /app
    CMD ["node", "/app/server.js"]
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-alpine
    COPY . /app
    USER node
    CMD ["node", "/app/server.js"]
    ```

    ## References
    - Trivy DS002, Checkov CKV_DOCKER_3 (both look for any USER anywhere in the file)
    """

    code = "DF605"
    name = "user-not-set"
    severity = Severity.INFO
    groups = ("security",)
    message = "No stage of the image sets USER: it runs as {who}"
    aliases = ("DS002", "CKV_DOCKER_3")
    default_enabled = False

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        chain = image_chain(ctx)
        if not chain or effective_user(ctx) is not None:
            return
        root = chain[-1]
        if root.base.kind == "scratch":
            who = "root (the image is built FROM scratch)"
        else:
            who = f"the user of its base image `{root.base.text}` (root unless that image sets one)"
        final = chain[0].node
        yield self.report(final.image.span if final.image is not None else final.keyword.span, who=who)
