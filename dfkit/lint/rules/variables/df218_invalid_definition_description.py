"""DF218 invalid-definition-description."""

from __future__ import annotations

from collections.abc import Iterator

from dfkit.lint.context import RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.rule import Rule
from dfkit.syntax import ast


class InvalidDefinitionDescription(Rule):
    """## What it does
    Flags the comment line just above an ``ARG`` or a named ``FROM … AS name`` when it
    does not start with the argument's or the stage's name: BuildKit takes that comment
    as the definition's description, in the form ``# NAME description``. Off by default,
    as BuildKit's check is experimental.

    ## Why is this bad?
    ``docker buildx build --call=outline`` and ``--call=targets`` list build arguments
    and stages with these descriptions. A comment that is really about something else
    (``# install dependencies`` above ``ARG NODE_VERSION``) shows up as the argument's
    documentation. Start the comment with the name, or end it with an empty comment line
    (``#``): BuildKit's parser keeps the comments above an instruction across blank
    lines, although its documentation says that a blank line is enough (dfkit follows
    the parser, so a blank line does not silence this rule).

    ## Example
    ```dockerfile
    # pin the toolchain
    ARG GO_VERSION=1.22
    FROM golang:${GO_VERSION}
    ```

    ## Use instead
    ```dockerfile
    # GO_VERSION pins the toolchain
    ARG GO_VERSION=1.22
    # the application
    #
    FROM golang:${GO_VERSION} AS app
    ```

    ## References
    - BuildKit check InvalidDefinitionDescription (experimental)
    - Docker documentation, "Build checks" and `docker buildx build --call=outline`
    """

    code = "DF218"
    name = "invalid-definition-description"
    severity = Severity.WARNING
    groups = ("style",)
    targets = (ast.Arg, ast.From)
    onbuild = False
    message = "Comment for {instruction} should follow the format: `# {key} <description>`"
    aliases = ("InvalidDefinitionDescription",)
    default_enabled = False

    def check(self, node: ast.Instruction, ctx: RuleContext) -> Iterator[Finding]:
        if not node.comments:
            return
        if isinstance(node, ast.Arg):
            instruction, keys = "ARG", [decl.name for decl in node.declarations]
        elif isinstance(node, ast.From) and node.alias is not None:
            instruction, keys = "FROM", [node.alias.value.lower()]
        else:
            return
        if not keys or node.comments[-1].split(" ")[0] in keys:
            return
        above = [c for c in ctx.dockerfile.comments if c.span.end <= node.span.start]
        span = max(above, key=lambda c: c.span.start).span if above else node.keyword.span
        yield self.report(span, instruction=instruction, key=keys[0] if len(keys) == 1 else "<arg_key>")
