"""Configuration: ``[tool.dfkit]`` in pyproject.toml, or a ``.dfkit.toml``.

The closest file up from each linted Dockerfile wins (a ``.dfkit.toml`` before a
pyproject.toml with a ``[tool.dfkit]`` table, in the same directory). Unknown keys and
bad values are errors that name the file and the key. Command-line options are applied
on top.

    [tool.dfkit]
    select = ["ALL"]                 # what runs (default: every rule enabled by default)
    extend-select = ["DF512"]        # added to the selection
    ignore = ["DL3008", "security"]  # removed from it (codes, names, aliases, groups, prefixes)
    fail-on = "warning"              # error | warning | info | style | never
    builder = "buildkit"             # buildkit | classic | buildah
    trusted-registries = ["docker.io", "*.gcr.io"]
    label-schema = { maintainer = "email", "org.opencontainers.image.source" = "url" }
    strict-labels = false

    [tool.dfkit.severity]            # severity overrides
    DL3007 = "error"

    [tool.dfkit.per-file-ignores]    # glob (relative to the config file) -> selectors
    "tests/**/Dockerfile" = ["DF101"]

    [tool.dfkit.rules.untagged-base-image]   # a rule's own options
    allow = ["scratch"]
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dfkit.errors import DfkitError
from dfkit.lint.findings import Severity
from dfkit.lint.registry import default_codes, resolve, rules_by_code

FailOnValue = Literal["error", "warning", "info", "style", "never"]
BuilderValue = Literal["buildkit", "classic", "buildah"]
LabelType = Literal["text", "url", "semver", "hash", "rfc3339", "spdx", "email"]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class Settings(BaseModel):
    """What `[tool.dfkit]` may say; every key is optional."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=_kebab, populate_by_name=True)

    select: list[str] | None = None
    extend_select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    fail_on: FailOnValue = "warning"
    builder: BuilderValue = "buildkit"
    severity: dict[str, Severity] = Field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = Field(default_factory=dict)
    trusted_registries: list[str] = Field(default_factory=list)
    label_schema: dict[str, LabelType] = Field(default_factory=dict)
    strict_labels: bool = False
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("select", "extend_select", "ignore")
    @classmethod
    def _known_selectors(cls, values: list[str] | None) -> list[str] | None:
        for value in values or []:
            if resolve(value) is None:
                raise ValueError(f"unknown rule or selector {value!r}")
        return values

    @field_validator("severity")
    @classmethod
    def _known_severity_selectors(cls, values: dict[str, Severity]) -> dict[str, Severity]:
        for key in values:
            if resolve(key) is None:
                raise ValueError(f"unknown rule or selector {key!r}")
        return values


class Config:
    """Settings plus where they came from (for relative globs and error messages)."""

    def __init__(self, settings: Settings, path: Path | None) -> None:
        self.settings = settings
        self.path = path
        self.rule_options = _rule_options(settings, path)

    @property
    def root(self) -> Path | None:
        return self.path.parent if self.path else None

    def enabled_codes(
        self, *, select: list[str] | None = None, ignore: list[str] | None = None, extend_select: list[str] | None = None
    ) -> frozenset[str]:
        """The rules that run. The configuration's selection comes first; a command-line
        `--select` starts afresh (as ruff's does), then `--extend-select` and `--ignore`
        apply on top."""
        s = self.settings
        if select is not None:
            codes = _union(select)
        else:
            codes = set(default_codes()) if s.select is None else _union(s.select)
            codes |= _union(s.extend_select)
            # Rules that need configuration run when it is given.
            if s.trusted_registries:
                codes |= _union(["DL3026"])
            if s.label_schema:
                codes |= _union(["DL3049", "DL3051", "DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058"])
            if s.strict_labels:
                codes |= _union(["DL3050"])
            codes -= _union(s.ignore)
        codes |= _union(extend_select or [])
        codes -= _union(ignore or [])
        return frozenset(codes)

    def ignored_for(self, file: str) -> frozenset[str]:
        """Codes `per-file-ignores` removes for one file."""
        if not self.settings.per_file_ignores:
            return frozenset()
        path = Path(file).resolve()
        relative = str(path.relative_to(self.root)) if self.root and path.is_relative_to(self.root) else str(path)
        codes: set[str] = set()
        for pattern, selectors in self.settings.per_file_ignores.items():
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(path.name, pattern):
                codes |= _union(selectors)
        return frozenset(codes)

    def severity_of(self, code: str, default: Severity) -> Severity:
        for selector, severity in self.settings.severity.items():
            if code in (resolve(selector) or ()):
                return severity
        return default


def _union(selectors: list[str]) -> set[str]:
    codes: set[str] = set()
    for selector in selectors:
        codes |= resolve(selector) or set()
    return codes


def _rule_options(settings: Settings, path: Path | None) -> dict[str, Any]:
    """Validate each rule's options table against the rule's own Options model."""
    options: dict[str, Any] = {}
    by_code = rules_by_code()
    for selector, table in settings.rules.items():
        codes = resolve(selector)
        if not codes or len(codes) != 1:
            raise DfkitError(f"[rules.{selector}]: not one rule", path=str(path) if path else None)
        rule = by_code[next(iter(codes))]
        try:
            options[rule.code] = rule.Options.model_validate(table)
        except ValidationError as error:
            raise DfkitError(_describe(error, f"rules.{selector}"), path=str(path) if path else None) from None
    # The shortcuts at the top level feed the rules that use them.
    shortcuts = {
        "DF103": {"trusted_registries": settings.trusted_registries},
    }
    for code, values in shortcuts.items():
        if code in by_code and any(values.values()) and code not in options:
            options[code] = by_code[code].Options.model_validate(values)
    if settings.label_schema or settings.strict_labels:
        for code, rule in by_code.items():
            if "label_schema" in rule.Options.model_fields and code not in options:
                values = {"label_schema": settings.label_schema}
                if "strict" in rule.Options.model_fields:
                    values["strict"] = settings.strict_labels
                options[code] = rule.Options.model_validate(values)
    return options


def _describe(error: ValidationError, prefix: str = "") -> str:
    parts = []
    for item in error.errors():
        location = ".".join(str(p) for p in item["loc"])
        key = f"{prefix}.{location}" if prefix and location else prefix or location
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        parts.append(f"{key}: {message}")
    return "; ".join(parts)


def load_file(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise DfkitError(f"cannot read configuration: {error}", path=str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise DfkitError(f"invalid TOML: {error}", path=str(path)) from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("dfkit", {})
        prefix = "tool.dfkit"
    else:
        table, prefix = data, ""
    try:
        settings = Settings.model_validate(table)
    except ValidationError as error:
        raise DfkitError(_describe(error, prefix), path=str(path)) from None
    return Config(settings, path)


def default_config() -> Config:
    return Config(Settings(), None)
