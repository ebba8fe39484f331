"""One JSON array of findings over all files, in a stable order."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from dfkit.report.records import FileReport


def render(reports: Iterable[FileReport], out: TextIO) -> None:
    findings = [record.to_json() for report in reports for record in report.records]
    out.write(json.dumps(findings, indent=2, ensure_ascii=False) + "\n")
