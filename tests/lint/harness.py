"""Running one rule on one text: the machinery of the case files and doc examples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dfkit.buildcontext import BuildContext
from dfkit.lint.config import Config, Settings
from dfkit.lint.context import LintOptions
from dfkit.lint.engine import Linter
from dfkit.lint.findings import Finding
from dfkit.lint.fix import FixResult, fix_loop
from dfkit.syntax import parse


@dataclass
class Run:
    findings: list[Finding]
    source: Any


def make_context(tmp: Path, spec: dict[str, Any] | None) -> BuildContext | None:
    """A build context from a case: ``{files: {path: content}, dockerignore: text}``."""
    if spec is None:
        return None
    root = tmp / "context"
    root.mkdir(parents=True, exist_ok=True)
    for name, content in (spec.get("files") or {}).items():
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content or "", encoding="utf-8")
    if spec.get("dockerignore") is not None:
        (root / ".dockerignore").write_text(spec["dockerignore"], encoding="utf-8")
    return BuildContext.open(root)


def make_linter(code: str, case: dict[str, Any]) -> Linter:
    settings = Settings.model_validate(case.get("config") or {})
    config = Config(settings, None)
    if case.get("options"):
        from dfkit.lint.registry import rules_by_code

        config.rule_options[code] = rules_by_code()[code].Options.model_validate(case["options"])
    options = LintOptions(
        build_args=dict(case.get("build_args") or {}),
        target=case.get("target"),
        builder=case.get("builder", settings.builder),
    )
    # The rule under test, plus the companions a case's config names in `extend-select`
    # (a command-line style selection: it replaces the config's own).
    selection = [code, *settings.extend_select]
    return Linter(config, select=selection, options=options, pragmas=case.get("pragmas", True))


def lint_one(code: str, text: str, case: dict[str, Any], context: BuildContext | None) -> Run:
    linter = make_linter(code, case)
    dockerfile = parse(text)
    result = linter.lint(dockerfile, context)
    return Run([f for f in result.findings if f.code == code], dockerfile.source)


def fix_one(code: str, text: str, case: dict[str, Any], context: BuildContext | None, unsafe: bool) -> FixResult:
    linter = make_linter(code, case)

    def run(candidate: str) -> tuple[list[Finding], bool]:
        dockerfile = parse(candidate)
        findings = [f for f in linter.lint(dockerfile, context).findings if f.code == code]
        return findings, dockerfile.ok

    return fix_loop(text, run, unsafe=unsafe)
