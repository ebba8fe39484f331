"""The rule contract: one class per rule, its metadata as class attributes, its
documentation as its docstring.

`__init_subclass__` checks each rule when its module is imported: the code pattern, a
kebab-case name, the documentation sections, a fix title for fixable rules. A rule
reports through `self.report(span, **fields)`, which fills the `message` template.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_snake

from dfkit.lint.findings import Finding, Fix, Severity
from dfkit.source import Span

if TYPE_CHECKING:  # pragma: no cover
    from dfkit.lint.context import RuleContext
    from dfkit.syntax import ast

_CODE = re.compile(r"DF\d{3}\Z")
_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*\Z")
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "References")
FAMILIES = {
    0: "syntax",
    1: "stages",
    2: "variables",
    3: "run",
    4: "copy",
    5: "runtime",
    6: "security",
}


class FixAvailability(str, Enum):
    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class RuleOptions(BaseModel):
    """A rule's options: pydantic, unknown keys refused, written kebab-case in config."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=_kebab, populate_by_name=True)


def doc_sections(doc: str) -> dict[str, str]:
    """The `## Section` blocks of a rule docstring."""
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in _dedent(doc).splitlines():
        if line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(lines).strip("\n")
            current, lines = line[3:].strip(), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        sections[current] = "\n".join(lines).strip("\n")
    return sections


def _dedent(doc: str) -> str:
    import inspect

    return inspect.cleandoc(doc)


def code_blocks(section: str) -> list[str]:
    """The fenced ```dockerfile blocks of a documentation section."""
    return [m.group(1) for m in re.finditer(r"```dockerfile\n(.*?)```", section, re.DOTALL)]


class Rule:
    """Base class of every dfkit lint rule."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    groups: ClassVar[tuple[str, ...]] = ()
    fix: ClassVar[FixAvailability] = FixAvailability.NONE
    fix_title: ClassVar[str | None] = None
    targets: ClassVar[tuple[type, ...]] = ()  # AST node classes this rule looks at
    onbuild: ClassVar[bool] = True  # also look at the instruction inside ONBUILD
    message: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()  # hadolint, BuildKit, Trivy, Checkov ids
    default_enabled: ClassVar[bool] = True
    needs_context: ClassVar[bool] = False  # only meaningful with --context
    needs_registry: ClassVar[bool] = False  # needs a base image's config: never guessed, not run
    # The builders whose behaviour makes this a problem (empty: every builder). The rule
    # runs only when the selected builder (--builder, `builder` in config) is one of them.
    builders: ClassVar[tuple[str, ...]] = ()
    Options: ClassVar[type[RuleOptions]] = RuleOptions
    # What the documentation examples need to run (options, context, build args), in the
    # same shape as a case of the rule's case file.
    doc_case: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        problems = []
        if not _CODE.match(getattr(cls, "code", "")):
            problems.append(f"code {getattr(cls, 'code', None)!r} is not DFnnn")
        if not _NAME.match(getattr(cls, "name", "")):
            problems.append(f"name {getattr(cls, 'name', None)!r} is not kebab-case")
        if not isinstance(getattr(cls, "severity", None), Severity):
            problems.append("severity is missing")
        if not getattr(cls, "message", ""):
            problems.append("message is missing")
        sections = doc_sections(cls.__doc__ or "")
        for section in REQUIRED_SECTIONS:
            if section not in sections:
                problems.append(f"docstring lacks `## {section}`")
        if cls.fix is not FixAvailability.NONE:
            if not cls.fix_title:
                problems.append("a fixable rule needs fix_title")
            if "Fix safety" not in sections:
                problems.append("a fixable rule needs `## Fix safety`")
        if cls.Options.model_fields and "Options" not in sections:
            problems.append("a rule with options needs `## Options`")
        if problems:
            raise TypeError(f"rule {cls.__name__}: " + "; ".join(problems))

    # -- reporting -----------------------------------------------------------------

    def report(self, span: Span, *, fix: Fix | None = None, note: str | None = None, **fields: object) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=self.message.format(**fields),
            span=span,
            fix=fix,
            aliases=self.aliases,
            note=note,
        )

    def fix_text(self, **fields: object) -> str:
        return (self.fix_title or "").format(**fields)

    # -- hooks ---------------------------------------------------------------------

    def check(self, node: "ast.Instruction", ctx: "RuleContext") -> Iterator[Finding]:
        return iter(())

    def finish(self, ctx: "RuleContext") -> Iterator[Finding]:
        return iter(())

    # -- metadata ------------------------------------------------------------------

    @classmethod
    def family(cls) -> str:
        return FAMILIES.get(int(cls.code[2]), "other")

    @classmethod
    def documentation(cls) -> dict[str, str]:
        return doc_sections(cls.__doc__ or "")

    @classmethod
    def alias_by_tool(cls) -> dict[str, list[str]]:
        tools: dict[str, list[str]] = {"hadolint": [], "buildkit": [], "trivy": [], "checkov": []}
        for alias in cls.aliases:
            tools[tool_of(alias)].append(alias)
        return tools

    @classmethod
    def option_names(cls) -> list[str]:
        return [_kebab(name) for name in cls.Options.model_fields]

    @classmethod
    def snake_name(cls) -> str:
        return to_snake(cls.name.replace("-", "_"))


def tool_of(alias: str) -> str:
    if re.fullmatch(r"DL\d{4}|SC\d{4}", alias):
        return "hadolint"
    if re.fullmatch(r"DS-?\d{3,4}|AVD-DS-\d{4}", alias):
        return "trivy"
    if alias.startswith("CKV"):
        return "checkov"
    return "buildkit"
