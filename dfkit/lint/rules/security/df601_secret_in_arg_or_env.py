"""DF601 secret-in-arg-or-env."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.security._common import Assignment, assignments
from dfkit.syntax import ast

# BuildKit's words, plus `passphrase`; a name is split into words at `_` (`DB_PASSWORD`).
SECRET_WORDS = frozenset(
    {"apikey", "auth", "credential", "credentials", "key", "passphrase", "password", "pword", "passwd", "secret", "token"}
)
# BuildKit's: the variable names a public thing, a file holding the secret, or a version.
ALLOWED_WORDS = frozenset({"public", "file", "version"})
_BOOLEAN = frozenset({"true", "false", "yes", "no", "on", "off"})
_PATH = re.compile(r"(?:/|\./|\.\./|~/|[A-Za-z]:[\\/])")
_URL_WITHOUT_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@:]*@)?[^/@:]*(?::[0-9]*)?(?:[/?#]|\Z)")
# One or more OpenPGP key IDs or fingerprints (16, 40 or 64 hex digits), as `gpg --recv-keys` takes them.
_KEY_ID = r"(?:0x)?(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})"
_FINGERPRINTS = re.compile(rf"{_KEY_ID}(?:[\s,]+{_KEY_ID})*")


def secret_words(name: str) -> frozenset[str]:
    """The secret-looking words of a variable name, or none when an allowed word clears it."""
    words = frozenset(name.lower().split("_"))
    return frozenset() if words & ALLOWED_WORDS else words & SECRET_WORDS


def holds_no_secret(assignment: Assignment, words: frozenset[str]) -> bool:
    """Whether the value shows that the variable holds no secret itself."""
    value = assignment.value
    if assignment.kind == "ENV" and value == "" and assignment.literal:
        return True  # `ENV DB_PASSWORD=`: a placeholder for `docker run -e`
    if not value:
        return False  # unknown, or an ARG that waits for `--build-arg`
    value = value.strip()
    return (
        value.lower() in _BOOLEAN  # `ALLOW_EMPTY_PASSWORD=no`: a setting about secrets
        or _PATH.match(value) is not None  # where the secret is read from
        or _URL_WITHOUT_PASSWORD.match(value) is not None  # where a (public) key is fetched from
        or (words == {"key"} and _FINGERPRINTS.fullmatch(value) is not None)  # a public signing key
    )


class SecretInArgOrEnv(Rule):
    """## What it does
    Flags an `ARG` or `ENV` whose name says it holds a secret (`GITHUB_TOKEN`,
    `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, `api_key`), unless its value shows it does
    not: an `ENV` written empty, a path (the `*_FILE` convention), a URL without a
    password, a yes/no setting, or, for a `*_KEY`, OpenPGP fingerprints.

    A name is read as BuildKit reads it: split at `_`, it contains one of the words
    `apikey`, `auth`, `credential(s)`, `key`, `password`, `passwd`, `pword`, `secret`,
    `token` (dfkit adds `passphrase`), and none of `public`, `file`, `version`. Global
    ARGs are not checked: only FROM lines see them.

    ## Why is this bad?
    An `ENV` value is stored in the image configuration: anyone who can pull the image
    reads it with `docker inspect`. A build argument is recorded in the image history of
    every `RUN` that sees it, in the build cache, and in the provenance attestation
    BuildKit attaches by default. Secret mounts (`RUN --mount=type=secret`) exist for
    this: the secret is available to one command and stored nowhere.

    hadolint (DL3064) matches substrings instead, so `ARG USERNAME=vscode` (a Linux
    account) and `ENV TOKENIZERS_PARALLELISM=false` fire; BuildKit flags
    `ENV GPG_KEY=<fingerprint>` in many official images, and `ENV REDIS_PASSWORD=""`.

    ## Example
    ```dockerfile
    FROM node:22-alpine
    ARG NPM_TOKEN
    RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-alpine
    RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN \\
        echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
    ```

    ## References
    - BuildKit check SecretsUsedInArgOrEnv
    - Dockerfile reference, "RUN --mount=type=secret"
    - hadolint DL3064, Trivy DS031
    """

    code = "DF601"
    name = "secret-in-arg-or-env"
    severity = Severity.WARNING
    groups = ("security",)
    targets = (ast.Arg, ast.Env)
    message = "Do not use ARG or ENV instructions for sensitive data ({kind} {name})"
    aliases = ("SecretsUsedInArgOrEnv", "DL3064", "DS031")

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, (ast.Arg, ast.Env))
        for assignment in assignments(node, ctx):
            words = secret_words(assignment.name)
            if words and not holds_no_secret(assignment, words):
                quoted = json.dumps(assignment.name, ensure_ascii=False)  # Go's %q, as BuildKit prints it
                yield self.report(assignment.key_span, kind=assignment.kind, name=quoted)
