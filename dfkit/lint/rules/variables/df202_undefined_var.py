"""DF202 undefined-var."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.variables._common import reference_span


class UndefinedVar(Rule):
    """## What it does
    Flags ``$NAME`` in an instruction the builder expands itself (``ENV``, ``ARG``,
    ``LABEL``, ``COPY``, ``ADD``, ``WORKDIR``, ``USER``, ``EXPOSE``, ``VOLUME``,
    ``STOPSIGNAL``, ``RUN --mount`` options, heredoc bodies of ``COPY``) when no ``ARG``
    or ``ENV`` before it in the stage defines ``NAME``. A close name is suggested.

    ## Why is this bad?
    An undefined variable expands to the empty string without any error:
    ``COPY app /opt/$APP_VERSON/`` copies to ``/opt/``. It is usually a typo, a global
    ``ARG`` that the stage forgot to redeclare, or an ``ENV`` set in another stage.

    Like BuildKit, ``${NAME:-default}`` counts too: the default hides the typo as well.
    Shell-form ``RUN``, ``CMD`` and ``ENTRYPOINT`` are not expanded by the builder (the
    shell does it, at build or at run time) and are not checked. A stage built on an
    external image is checked only for names that image cannot define: BuildKit looks
    the name up in the pulled image's ``ENV``, which a linter does not fetch, so such
    names are left alone rather than guessed.

    ## Example
    ```dockerfile
    FROM scratch
    ARG VERSION=1.2.3
    COPY app.tar.gz /opt/app-$VERISON/
    ```

    ## Use instead
    ```dockerfile
    FROM scratch
    ARG VERSION=1.2.3
    COPY app.tar.gz /opt/app-$VERSION/
    ```

    ## References
    - BuildKit check UndefinedVar
    - Dockerfile reference, "Environment replacement" and "Scope"
    """

    code = "DF202"
    name = "undefined-var"
    severity = Severity.WARNING
    groups = ("correctness",)
    message = "{detail}"
    aliases = ("UndefinedVar",)

    def finish(self, ctx: RuleContext) -> Iterator[Finding]:
        for issue in ctx.semantics.issues:
            if issue.code == "undefined-var" and issue.span is not None and issue.name is not None:
                yield self.report(reference_span(ctx, issue.span, issue.name), detail=issue.message)
