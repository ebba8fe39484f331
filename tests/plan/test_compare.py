"""`dfkit plan --compare-builders`: the differences between builders, with their cause."""

from __future__ import annotations

import json
import subprocess
import sys

from dfkit.plan.compare import compare
from dfkit.plan.planner import plan
from dfkit.syntax import parse
from tests.conftest import REPO


def differences(text: str) -> list[tuple[int, str, dict[str, str]]]:
    dockerfile = parse(text)
    plans = {b: plan(dockerfile, builder=b) for b in ("buildkit", "classic", "buildah")}
    return [(d.line, d.aspect, d.values) for d in compare(plans)]


def test_identical_images_have_no_difference() -> None:
    assert differences('FROM scratch\nWORKDIR /app\nENV A=1\nCMD ["x"]\n') == [
        (2, "layer", {"buildkit": "commits a layer", "classic": "commits a layer", "buildah": "no layer"}),
    ]
    assert differences('FROM alpine:3.20\nENV A=1\nCMD ["x"]\n') == []


def test_each_difference_names_its_instruction() -> None:
    text = (
        "FROM scratch\n"
        'SHELL ["/bin/bash", "-c"]\n'
        "EXPOSE 80-81\n"
        "CMD serve\n"
        "VOLUME /data\n"
        "RUN touch /data/x\n"
        "ONBUILD RUN true\n"
    )
    found = {(line, aspect): values for line, aspect, values in differences(text)}
    assert found[(1, "WorkingDir")] == {"buildkit": '"/"', "classic": "(unset)", "buildah": "(unset)"}
    assert found[(3, "ExposedPorts")]["buildah"] == "{80-81/tcp}"
    assert found[(3, "ExposedPorts")]["buildkit"] == "{80/tcp, 81/tcp}"
    assert found[(4, "Cmd")]["buildah"] == '["/bin/sh", "-c", "serve"]'
    assert found[(6, "files")]["classic"] == "writes into a VOLUME are discarded"
    assert found[(7, "history")]["buildkit"] == "no history entry"


def test_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dfkit", "plan", str(REPO / "fixtures/plan/workdir-chain/Dockerfile"), "--compare-builders", "--format", "json"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {row["aspect"] for row in rows} == {"layer"}
    assert rows[0] == {
        "line": 4, "instruction": "WORKDIR $BASE", "aspect": "layer",
        "values": {"buildkit": "commits a layer", "classic": "commits a layer", "buildah": "no layer"},
    }
