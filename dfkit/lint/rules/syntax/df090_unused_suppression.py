"""DF090 unused-suppression."""

from __future__ import annotations

from dfkit.lint.findings import Severity
from dfkit.lint.rule import Rule


class UnusedSuppression(Rule):
    """## What it does
    Reports a rule named in a suppression comment (dfkit's, hadolint's or BuildKit's
    ``# check=skip=``) that suppressed nothing.

    ## Why is this bad?
    A stale suppression hides the next real problem of that kind at that place, and
    tells readers about a problem that is not there.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    # dfkit ignore=DF008
    RUN echo already upper case
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN echo already upper case
    ```

    ## References
    - ruff RUF100; sqlfluff's unused noqa
    """

    code = "DF090"
    name = "unused-suppression"
    severity = Severity.WARNING
    groups = ("suppression",)
    message = "Suppression of `{rule}` ({tool}) is unused"
    doc_case = {"config": {"extend-select": ["DF008"]}}
