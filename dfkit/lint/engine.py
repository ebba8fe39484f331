"""The lint engine: one pass over the AST (and the semantics, computed once) per file.

Each rule says which node types it looks at (`targets`); the engine hands it every such
instruction in file order, the instruction inside each ONBUILD too (unless the rule
opts out), then calls every rule's `finish`. Pragmas, per-file ignores and severity
overrides are applied to the result; unused and unknown pragmas become findings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dfkit.lint import pragmas as pragma_mod
from dfkit.lint.config import Config, default_config
from dfkit.lint.context import LintOptions, RuleContext
from dfkit.lint.findings import Finding, Severity
from dfkit.lint.registry import all_rules, resolve
from dfkit.lint.rule import Rule
from dfkit.syntax import ast

UNUSED_PRAGMA = "DF090"
UNKNOWN_PRAGMA_RULE = "DF091"


@dataclass
class LintResult:
    findings: list[Finding]
    dockerfile: ast.Dockerfile
    not_evaluable: list[str] = field(default_factory=list)  # rules that need what we do not have


class Linter:
    """The selected rules, instantiated once and reused for many files."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        extend_select: list[str] | None = None,
        options: LintOptions | None = None,
        pragmas: bool = True,
    ) -> None:
        self.config = config or default_config()
        self.options = options or LintOptions(builder=self.config.settings.builder)
        self.use_pragmas = pragmas
        self.enabled = self.config.enabled_codes(select=select, ignore=ignore, extend_select=extend_select)
        builder = self.options.builder
        self.rules: list[Rule] = [
            cls() for cls in all_rules() if cls.code in self.enabled and (not cls.builders or builder in cls.builders)
        ]
        self.by_type: dict[type, list[Rule]] = defaultdict(list)
        self.finishers: list[Rule] = []
        for rule in self.rules:
            for target in rule.targets:
                self.by_type[target].append(rule)
            if type(rule).finish is not Rule.finish:
                self.finishers.append(rule)

    def lint(self, dockerfile: ast.Dockerfile, build_context: object | None = None) -> LintResult:
        ctx = RuleContext(dockerfile, self.options, self.config.rule_options, build_context)  # type: ignore[arg-type]
        findings: list[Finding] = []
        not_evaluable: list[str] = []
        skipped = {
            rule.code
            for rule in self.rules
            if rule.needs_registry or (rule.needs_context and build_context is None)
        }
        by_type = self.by_type
        for node in dockerfile.instructions:
            for rule in by_type.get(type(node), ()):
                if rule.code not in skipped:
                    findings.extend(rule.check(node, ctx))
            trigger = getattr(node, "trigger", None)
            if trigger is not None:
                ctx.in_onbuild, ctx.onbuild_node = True, node  # type: ignore[assignment]
                for rule in by_type.get(type(trigger), ()):
                    if rule.onbuild and rule.code not in skipped:
                        findings.extend(rule.check(trigger, ctx))
                ctx.in_onbuild, ctx.onbuild_node = False, None
        for rule in self.finishers:
            if rule.code in skipped:
                continue
            findings.extend(rule.finish(ctx))
        not_evaluable.extend(sorted(skipped))
        return LintResult(self._post(findings, dockerfile), dockerfile, not_evaluable)

    def _post(self, findings: list[Finding], dockerfile: ast.Dockerfile) -> list[Finding]:
        config = self.config
        ignored = config.ignored_for(dockerfile.path) if config.settings.per_file_ignores else frozenset()
        if ignored:
            findings = [f for f in findings if f.code not in ignored]
        error_mode = False
        if self.use_pragmas:
            collected = pragma_mod.collect(dockerfile)
            findings = pragma_mod.apply(findings, collected, resolve)
            error_mode = any(p.error_mode for p in collected)
            findings.extend(self._pragma_findings(collected))
        findings = [self._adjust(f, error_mode) for f in findings]
        findings.sort(key=lambda f: f.sort_key)
        return _dedupe(findings)

    def _adjust(self, finding: Finding, error_mode: bool) -> Finding:
        severity = self.config.severity_of(finding.code, finding.severity)
        if error_mode and any(_is_buildkit(a) for a in finding.aliases):
            severity = Severity.ERROR  # `# check=error=true`
        if severity is not finding.severity:
            return finding.model_copy(update={"severity": severity})
        return finding

    def _pragma_findings(self, collected: Sequence[pragma_mod.Pragma]) -> Iterable[Finding]:
        from dfkit.lint.registry import rules_by_code

        by_code = rules_by_code()
        if UNKNOWN_PRAGMA_RULE in self.enabled:
            rule = by_code[UNKNOWN_PRAGMA_RULE]()
            for pragma, code in pragma_mod.unresolved(collected):
                yield rule.report(pragma.span, rule=code)
        if UNUSED_PRAGMA in self.enabled:
            rule = by_code[UNUSED_PRAGMA]()
            for pragma, code in pragma_mod.unused(collected, self.enabled):
                yield rule.report(pragma.span, rule=code, tool=pragma.tool)


def _is_buildkit(alias: str) -> bool:
    from dfkit.lint.rule import tool_of

    return tool_of(alias) == "buildkit"


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, int, int, str]] = set()
    out = []
    for finding in findings:
        key = (finding.code, finding.span.start, finding.span.end, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def lint_text(
    text: str | bytes,
    *,
    path: str = "Dockerfile",
    linter: Linter | None = None,
    build_context: object | None = None,
) -> LintResult:
    from dfkit.syntax import parse

    linter = linter or Linter()
    return linter.lint(parse(text, path=path), build_context)
