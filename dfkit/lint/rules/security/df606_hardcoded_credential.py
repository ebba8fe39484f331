"""DF606 hardcoded-credential."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.source import Span
from dfkit.syntax import ast

# Credentials with a format of their own: a match is a credential whatever the variable is called.
TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key ID", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})\b")),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("an npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("a PyPI token", re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}")),
    ("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{34,}\b")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a Stripe secret key", re.compile(r"\b[rs]k_live_[0-9A-Za-z]{24,}\b")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
)
# `scheme://user:password@host`: the password part must not be empty.
URL_PASSWORD = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*:[^\s/@]+@")


def credential_in(text: str) -> str | None:
    """What kind of credential `text` contains, or None."""
    for what, pattern in TOKEN_FORMATS:
        if pattern.search(text):
            return what
    if URL_PASSWORD.search(text):
        return "a URL with a password"
    return None


def _default_span(decl: ast.ArgDecl, ctx: RuleContext) -> Span:
    """The `default` of `NAME=default`, or the whole word when a continuation splits it."""
    span = decl.word.span
    default = Span(start=span.start + len(decl.name) + 1, end=span.end)
    return default if ctx.text(span) == decl.word.value else span


class HardcodedCredential(Rule):
    """## What it does
    Flags an `ENV` value, an `ARG` default or a `LABEL` value that contains a credential
    recognisable by its format: AWS access key IDs (`AKIA…`), GitHub (`ghp_…`,
    `github_pat_…`), GitLab, Slack, npm, PyPI and Hugging Face tokens, Google API keys,
    Stripe live keys, PEM private keys, and URLs with a password
    (`https://user:secret@host/…`). The text is checked as written, so a password taken
    from a variable (`https://ci:${TOKEN}@…`) is flagged too: the `ENV` stores it
    expanded.

    DF601 judges variable names; this rule judges values, whatever the name
    (`ENV PIP_INDEX_URL=https://user:pass@pypi.example.com/simple`).

    ## Why is this bad?
    The Dockerfile is usually in version control, and the value is stored in the image
    configuration (ENV, LABEL) or its history (ARG): the credential is readable by
    anyone with the repository or the image, and revoking it is the only remedy. Pass it
    as a build secret (`RUN --mount=type=secret`) or at run time instead.

    ## Example
    ```dockerfile
    FROM python:3.13-slim
    ENV PIP_INDEX_URL=https://deploy:s3cr3t@pypi.example.com/simple
    RUN pip install --no-cache-dir app
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.13-slim
    RUN --mount=type=secret,id=pip_index_url,env=PIP_INDEX_URL \\
        pip install --no-cache-dir app
    ```

    ## References
    - Dockerfile reference, "RUN --mount=type=secret"
    """

    code = "DF606"
    name = "hardcoded-credential"
    severity = Severity.WARNING
    groups = ("security",)
    targets = (ast.Arg, ast.Env, ast.Label)
    message = "{kind} `{name}` contains {what}"

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        kind = node.keyword.text.upper()
        if isinstance(node, ast.Arg):
            for decl in node.declarations:
                what = credential_in(decl.default or "")
                if what:
                    yield self.report(_default_span(decl, ctx), kind=kind, name=decl.name, what=what)
        elif isinstance(node, (ast.Env, ast.Label)):
            for pair in node.pairs:
                what = credential_in(pair.value.value)
                if what:
                    yield self.report(pair.value.span, kind=kind, name=pair.key.value, what=what)
