"""DF602 tls-verification-disabled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.lint.rules.security._common import assignments
from dfkit.syntax import ast


@dataclass(frozen=True, slots=True)
class Switch:
    """An environment variable that turns TLS verification off, as the tool reads it."""

    disables: Callable[[str], bool]
    effect: str


SWITCHES: dict[str, Switch] = {
    "NODE_TLS_REJECT_UNAUTHORIZED": Switch(lambda v: v == "0", "makes Node.js accept any TLS certificate"),
    "PYTHONHTTPSVERIFY": Switch(lambda v: v == "0", "makes Python's HTTPS clients skip certificate verification"),
    "NPM_CONFIG_STRICT_SSL": Switch(lambda v: v == "false", "makes npm accept any TLS certificate"),
    # git only asks whether the variable is set: `GIT_SSL_NO_VERIFY=false` disables verification too.
    "GIT_SSL_NO_VERIFY": Switch(lambda v: True, "makes git skip TLS certificate verification"),
    "PIP_TRUSTED_HOST": Switch(bool, "makes pip trust these hosts without TLS verification"),
    "UV_INSECURE_HOST": Switch(bool, "makes uv trust these hosts without TLS verification"),
    "GOINSECURE": Switch(bool, "makes go fetch these modules without TLS verification or checksums"),
    "CONDA_SSL_VERIFY": Switch(lambda v: v.lower() == "false", "makes conda skip TLS certificate verification"),
}
# npm reads its `npm_config_*` variables whatever their case.
_CASE_INSENSITIVE = frozenset({"NPM_CONFIG_STRICT_SSL"})


def switch_for(name: str) -> Switch | None:
    upper = name.upper()
    if upper in _CASE_INSENSITIVE:
        return SWITCHES[upper]
    return SWITCHES.get(name)


class TlsVerificationDisabled(Rule):
    """## What it does
    Flags an `ENV` or stage `ARG` that turns off TLS certificate verification for a
    tool: `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`,
    `NPM_CONFIG_STRICT_SSL=false`, `GIT_SSL_NO_VERIFY` (set to anything),
    `PIP_TRUSTED_HOST`, `UV_INSECURE_HOST`, `GOINSECURE` and `CONDA_SSL_VERIFY=false`.

    The value is the one a build sees, after expansion. An ARG without a value sets
    nothing; an `ENV` reading a variable that is not set is not judged.

    ## Why is this bad?
    Without verification anyone on the network path (a proxy, a compromised mirror, a
    coffee-shop router) can serve the packages and code the build installs. An `ARG`
    does this for every `RUN` of the stage; an `ENV` also ships the setting in the image,
    so the application keeps accepting forged certificates at run time.

    When a corporate proxy re-signs TLS traffic, install its CA certificate instead
    (`COPY proxy-ca.crt /usr/local/share/ca-certificates/` and `update-ca-certificates`,
    `NODE_EXTRA_CA_CERTS`, `PIP_CERT`, `REQUESTS_CA_BUNDLE`).

    Checkov matches these by regular expression over the whole line; dfkit reads each
    pair after expansion, as the builder sets it, and knows that git disables
    verification for any value, `GIT_SSL_NO_VERIFY=false` included.

    ## Example
    ```dockerfile
    FROM node:22-alpine
    ENV NODE_TLS_REJECT_UNAUTHORIZED=0
    RUN npm ci
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-alpine
    COPY proxy-ca.crt /usr/local/share/ca-certificates/proxy-ca.crt
    ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/proxy-ca.crt
    RUN npm ci
    ```

    ## References
    - Checkov CKV2_DOCKER_5, CKV2_DOCKER_6, CKV2_DOCKER_12, CKV2_DOCKER_14, CKV2_DOCKER_16
    - git `http.c` (`GIT_SSL_NO_VERIFY`), PEP 493 (`PYTHONHTTPSVERIFY`), uv `--allow-insecure-host`
    """

    code = "DF602"
    name = "tls-verification-disabled"
    severity = Severity.WARNING
    groups = ("security",)
    targets = (ast.Arg, ast.Env)
    message = "{kind} `{name}={value}` {effect}"
    aliases = ("CKV2_DOCKER_5", "CKV2_DOCKER_6", "CKV2_DOCKER_12", "CKV2_DOCKER_14", "CKV2_DOCKER_16")

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        assert isinstance(node, (ast.Arg, ast.Env))
        for assignment in assignments(node, ctx):
            switch = switch_for(assignment.name)
            if switch is None or assignment.value is None or not switch.disables(assignment.value):
                continue
            yield self.report(
                assignment.span,
                kind=assignment.kind,
                name=assignment.name,
                value=assignment.value,
                effect=switch.effect,
            )
