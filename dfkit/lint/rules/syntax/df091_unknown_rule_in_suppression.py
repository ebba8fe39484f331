"""DF091 unknown-rule-in-suppression."""

from __future__ import annotations

from dfkit.lint.findings import Severity
from dfkit.lint.rule import Rule


class UnknownRuleInSuppression(Rule):
    """## What it does
    Reports a ``# dfkit ignore=`` (or ``disable=``, ``global``, ``stage``) comment that
    names no known rule code, name, alias or group.

    ## Why is this bad?
    A typo in a suppression suppresses nothing, and the finding it meant to silence
    still shows, or worse, someone believes a check is off when it is not.

    ## Example
    ```dockerfile
    # dfkit global ignore=DF9999
    FROM alpine:3.20
    ```

    ## Use instead
    ```dockerfile
    # dfkit global ignore=DF010
    FROM alpine:3.20
    RUN apk add --no-cache \\

        curl
    ```

    ## References
    - ruff RUF100 (unknown codes)
    """

    code = "DF091"
    name = "unknown-rule-in-suppression"
    severity = Severity.WARNING
    groups = ("suppression",)
    message = "Suppression names unknown rule `{rule}`"
