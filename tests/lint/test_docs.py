"""`docs/rules/` is generated from the rules' docstrings and must match them."""

from __future__ import annotations

from dfkit.lint.docs import generated_docs
from dfkit.lint.registry import all_rules
from tests.conftest import REPO


def test_docs_rules_are_fresh() -> None:
    directory = REPO / "docs" / "rules"
    expected = generated_docs(all_rules())
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in directory.glob("*.md")}
    stale = sorted(name for name in expected.keys() | on_disk.keys() if expected.get(name) != on_disk.get(name))
    assert stale == [], "docs/rules is stale: run `dfkit rules --write-docs docs/rules`"
