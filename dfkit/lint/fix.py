"""Applying fixes: non-overlapping text edits, repeated until nothing changes.

Fixes are text edits on spans, so comments, continuation lines and heredocs that a fix
does not touch stay byte for byte. A round applies every fix whose edits overlap no
edit already taken; the file is then parsed and linted again, up to `MAX_ROUNDS`. A
round whose result would not parse is thrown away (and its fixes are not offered
again), so fixing never makes a file BuildKit rejects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from dfkit.lint.findings import Applicability, Edit, Finding, Fix

MAX_ROUNDS = 10


def applicable(fix: Fix | None, unsafe: bool) -> bool:
    if fix is None:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


def apply_edits(text: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """Apply the fixes whose edits do not overlap earlier ones; return (text, applied)."""
    taken: list[Edit] = []
    applied = 0
    for fix in fixes:
        edits = sorted(fix.edits, key=lambda e: (e.span.start, e.span.end))
        if any(_overlaps(edit, other) for edit in edits for other in taken):
            continue
        taken.extend(edits)
        applied += 1
    out: list[str] = []
    cursor = 0
    for edit in sorted(taken, key=lambda e: (e.span.start, e.span.end)):
        out.append(text[cursor : edit.span.start])
        out.append(edit.text)
        cursor = edit.span.end
    out.append(text[cursor:])
    return "".join(out), applied


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.span.start == a.span.end or b.span.start == b.span.end:
        # insertions at the same point would be ambiguous; inside a replaced span, too
        return b.span.start <= a.span.start < b.span.end or a.span.start <= b.span.start < a.span.end or (
            a.span.start == b.span.start
        )
    return a.span.start < b.span.end and b.span.start < a.span.end


@dataclass
class FixResult:
    text: str
    rounds: int
    applied: int
    remaining: list[Finding]


def fix_loop(
    text: str,
    lint: Callable[[str], tuple[list[Finding], bool]],
    *,
    unsafe: bool = False,
) -> FixResult:
    """Fix `text` until stable. `lint(text)` returns the findings and whether it parses."""
    findings, _ = lint(text)
    applied_total = 0
    rejected: set[tuple[str, int, int]] = set()
    rounds = 0
    for rounds in range(1, MAX_ROUNDS + 1):
        fixes: Sequence[Fix] = [
            f.fix for f in findings
            if applicable(f.fix, unsafe) and (f.code, f.span.start, f.span.end) not in rejected
        ]  # type: ignore[misc]
        if not fixes:
            break
        candidate, applied = apply_edits(text, fixes)
        if applied == 0 or candidate == text:
            break
        new_findings, parses = lint(candidate)
        if not parses:
            rejected |= {(f.code, f.span.start, f.span.end) for f in findings if applicable(f.fix, unsafe)}
            continue
        text, findings = candidate, new_findings
        applied_total += applied
    return FixResult(text=text, rounds=rounds, applied=applied_total, remaining=findings)
