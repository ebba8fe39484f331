"""The rule set itself: registry, file layout, documentation, and executable docs."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
import yaml

from dfkit.lint import rules as rules_package
from dfkit.lint.registry import all_rules, resolve
from dfkit.lint.rule import FixAvailability, Rule, code_blocks
from dfkit.syntax import parse
from tests.lint.harness import lint_one, make_context, make_linter

CASES = Path(__file__).parent / "cases"


def rule_modules() -> dict[str, str]:
    found = {}
    for family in pkgutil.iter_modules(rules_package.__path__):
        if not family.ispkg:
            continue
        package = importlib.import_module(f"dfkit.lint.rules.{family.name}")
        for module in pkgutil.iter_modules(package.__path__):
            if module.name.startswith("_"):
                continue  # a family's shared helpers, not a rule
            found[module.name] = f"dfkit.lint.rules.{family.name}.{module.name}"
    return found


def test_all_rules_matches_the_files_on_disk() -> None:
    modules = rule_modules()
    declared = {}
    for module_name, dotted in modules.items():
        module = importlib.import_module(dotted)
        classes = [
            v for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, Rule) and v is not Rule and v.__module__ == dotted
        ]
        assert len(classes) == 1, f"{dotted} must define exactly one rule"
        rule = classes[0]
        assert module_name == f"{rule.code.lower()}_{rule.name.replace('-', '_')}", module_name
        assert rule.family() == dotted.split(".")[3], f"{rule.code} is filed under the wrong family"
        declared[rule.code] = rule
    assert set(declared) == {r.code for r in all_rules()}
    assert list(all_rules()) == sorted(all_rules(), key=lambda r: r.code)


def test_codes_names_and_aliases_are_unique() -> None:
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    for rule in rules:
        assert resolve(rule.code) == {rule.code}
        assert resolve(rule.name) == {rule.code}


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_has_a_case_file(rule: type[Rule]) -> None:
    path = CASES / f"{rule.code}.yaml"
    assert path.is_file(), f"missing {path}"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["rule"] == rule.code
    cases = data["cases"]
    assert any("pass" in c for c in cases), "needs a passing case"
    if rule.needs_registry:
        return  # never runs: it would need the base image's config from a registry
    assert any("fail" in c for c in cases), "needs a failing case"
    if rule.fix is not FixAvailability.NONE:
        assert any("fixed" in c for c in cases), "a fixable rule needs a case with `fixed`"
    if rule.targets and rule.onbuild:
        assert any("ONBUILD" in c.get("fail", "") for c in cases), "needs a failing ONBUILD case"
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_documented_examples_behave(rule: type[Rule], tmp_path: Path) -> None:
    docs = rule.documentation()
    example = code_blocks(docs["Example"])
    use_instead = code_blocks(docs["Use instead"])
    assert example, "## Example needs a ```dockerfile block"
    assert use_instead, "## Use instead needs a ```dockerfile block"
    case = dict(getattr(rule, "doc_case", {}) or {})
    context = make_context(tmp_path, case.get("context"))
    if rule.needs_registry:  # never guessed: reported as not evaluable, never as a finding
        for text in example:
            linter = make_linter(rule.code, case)
            result = linter.lint(parse(text), context)
            assert not result.findings and result.not_evaluable == [rule.code]
        return
    for text in example:
        assert lint_one(rule.code, text, case, context).findings, f"the Example must make {rule.code} fire"
    for text in use_instead:
        found = lint_one(rule.code, text, case, context).findings
        assert not found, f"the Use instead must not make {rule.code} fire: {[f.message for f in found]}"


def test_messages_state_the_problem() -> None:
    for rule in all_rules():
        assert not rule.message.endswith("."), f"{rule.code}: messages carry no final period"
        if rule.fix_title:
            assert re.match(r"[A-Z]", rule.fix_title), f"{rule.code}: fix titles are imperative"
