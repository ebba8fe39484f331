"""DF401 add-instead-of-copy."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Edit, Finding, Fix, Severity
from dfkit.lint.rule import FixAvailability, Rule
from dfkit.lint.rules.copy._common import context_matches, is_archive_file, listed_context, looks_like_archive, sources
from dfkit.lint.rules.runtime._common import keyword_like
from dfkit.syntax import ast

COPY_FLAGS = frozenset({"chown", "chmod", "link", "exclude"})


class AddInsteadOfCopy(Rule):
    """## What it does
    Flags an `ADD` whose sources are all local files or directories: no URL, no git
    repository, no archive, no inline here-document.

    ## Why is this bad?
    `ADD` does more than copy. It downloads URLs, clones git repositories, and extracts
    any local file that turns out to be a tar archive (plain or compressed), deciding by
    the file's *content*, not its name. For a plain file `COPY` says what is meant, and
    it cannot start extracting the day the file happens to be a tarball.

    `ADD` stays the right tool for a local archive that should be unpacked
    (`ADD rootfs.tar.xz /`): names with an archive extension are not flagged, and with
    a build context dfkit reads the files and leaves alone an `ADD` of a file that is an
    archive whatever its name. Checkov's CKV_DOCKER_4 flags every `ADD`, Trivy's DS005
    every `ADD` whose text lacks `.tar`, so both also flag the legitimate cases.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ADD app.py /srv/
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    COPY app.py /srv/
    ADD rootfs.tar.xz /
    ```

    ## Fix safety
    The fix rewrites the keyword and is offered when every flag is also a `COPY` flag
    (`--chown`, `--chmod`, `--link`, `--exclude`). It is safe when a build context
    shows that no source is an archive, and unsafe otherwise: without the files, dfkit
    cannot rule out a tarball whose name has no archive extension, which `ADD` extracts
    and `COPY` does not.

    ## References
    - Dockerfile reference, "ADD" and "COPY"
    - hadolint DL3020, Trivy DS005, Checkov CKV_DOCKER_4
    """

    code = "DF401"
    name = "add-instead-of-copy"
    severity = Severity.WARNING
    groups = ("best-practice",)
    fix = FixAvailability.SOMETIMES
    fix_title = "Replace `ADD` with `COPY`"
    targets = (ast.Add,)
    message = "Use `COPY` instead of `ADD` for local `{sources}`"
    aliases = ("DL3020", "DS005", "CKV_DOCKER_4")

    def check(self, node: ast.Add, ctx: RuleContext) -> Iterator[Finding]:
        if node.heredocs or node.flag("unpack") is not None:
            return
        found = list(sources(ctx, node))
        paths = [s.value for s in found if s.kind == "local" and s.value is not None]
        if not found or len(paths) != len(found) or any(looks_like_archive(path) for path in paths):
            return
        proven = False
        context = listed_context(ctx, node)
        if context is not None:
            files = [context.root / match for path in paths for match in context_matches(context, path)]
            if any(is_archive_file(file) for file in files):
                return
            proven = True
        fix = None
        keyword = node.keyword
        if ctx.text(keyword.span) == keyword.text and all(flag.name in COPY_FLAGS for flag in node.flags):
            edit = Edit.replace(keyword.span, keyword_like(keyword, "COPY"))
            fix = (Fix.safe if proven else Fix.unsafe)(self.fix_text(), edit)
        yield self.report(keyword.span, fix=fix, sources=" ".join(s.word.value for s in found))
