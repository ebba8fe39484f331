"""The command line: exit codes, messages, formats, and bad input without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

CENTOS = REPO / "fixtures" / "centos68" / "Dockerfile"


def dfkit(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("DFKIT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "dfkit", *args],
        input=stdin.decode("utf-8", "surrogateescape") if stdin is not None else None,
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=env,
        timeout=120,
    )


def test_version_imports_nothing_heavy() -> None:
    code = (
        "import sys; from dfkit.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('lark', 'pydantic', 'rich') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.splitlines() == ["dfkit 0.1.0", "[]"]


def test_parse_dump_of_the_centos_fixture() -> None:
    result = dfkit("parse", str(CENTOS), "--format", "dump")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        '(from "scratch")\n'
        '(maintainer "The CentOS Project <cloud-ops@centos.org>")\n'
        '(add "c68-docker.tar.xz" "/")\n'
        '(label "name" "\\"CentOS Base Image\\"" "=" "vendor" "\\"CentOS\\"" "=" "license" "\\"GPLv2\\"" "=" '
        '"build-date" "\\"2016-06-02\\"" "=")\n'
        '(cmd "/bin/bash")\n'
    )


def test_parse_json_shape() -> None:
    result = dfkit("parse", str(CENTOS), "--format", "json")
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert set(document) == {"file", "escape", "directives", "instructions", "issues"}
    label = document["instructions"][3]
    assert label["kind"] == "label"
    assert label["keyword"] == "LABEL"
    assert label["span"] == {"start_line": 4, "start_column": 1, "end_line": 7, "end_column": 28}
    assert label["pairs"][3]["key"]["value"] == "build-date"
    assert document["instructions"][4]["form"] == "exec"


def test_parse_json_heredocs() -> None:
    result = dfkit("parse", "-", "--format", "json", stdin=b"FROM x\nRUN <<EOF\necho hi\nEOF\n")
    document = json.loads(result.stdout)
    assert document["file"] == "<stdin>"
    assert document["instructions"][1]["heredocs"][0] | {"span": None, "body": None} == {
        "name": "EOF",
        "content": "echo hi\n",
        "chomp": False,
        "expand": True,
        "fd": 0,
        "span": None,
        "body": None,
    }


def test_parse_json_validates_against_the_published_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(dfkit("schema", "ast").stdout)
    document = json.loads(dfkit("parse", str(CENTOS), "--format", "json").stdout)
    jsonschema.validate(document, schema)


def test_parse_tree() -> None:
    result = dfkit("parse", str(CENTOS), "--format", "tree")
    assert result.returncode == 0
    assert "LABEL" in result.stdout and "build-date" in result.stdout


def test_rejected_input_exits_2_with_location(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM x\nENV PATH\n")
    result = dfkit("parse", str(path), "--format", "dump")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"{path}:2:5: error: ENV must have two arguments\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "1:1: error: file with no instructions"),
        (b"# just a comment\n", "1:17: error: file with no instructions"),
        (b'FROM x\nCMD [ "echo", [ "nested json" ] ]\n', "2:5: error: when using JSON array syntax"),
        (b"FROM x\nRUN <<EOF\necho\n", "2:5: error: unterminated heredoc"),
        (b"FROM x\nRUN " + b"a" * 70_000 + b"\n", "2:1: error: dockerfile line greater than max allowed size of 65535"),
    ],
    ids=["empty", "comments-only", "nested-json", "unterminated-heredoc", "70kb-line"],
)
def test_input_buildkit_rejects(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(content)
    result = dfkit("parse", str(path), "--format", "dump")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = dfkit("parse", str(path))
    assert result.returncode == 2
    assert result.stderr == f"{path}:3:1: error: binary file (NUL byte), not a Dockerfile\n"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = dfkit("parse", str(tmp_path / "nope"))
    assert (missing.returncode, missing.stderr) == (2, f"{tmp_path / 'nope'}: error: no such file\n")
    directory = dfkit("parse", str(tmp_path))
    assert directory.returncode == 2
    assert "is a directory" in directory.stderr


def test_usage_error_exits_2() -> None:
    result = dfkit("parse", "--format", "yaml", str(CENTOS))
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbfFROM x\r\nRUN a\r\n",
        b"FROM x\nRUN echo \xff\xc3\n",
        b"FROM x\nRUN a \\\n" + b"  b \\\n" * 20_000 + b"  c\n",
        b'FROM x\nCMD ["broken", \n',
    ],
    ids=["bom-crlf", "invalid-utf8", "20000-continuation-lines", "broken-json"],
)
def test_odd_but_valid_input_parses(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(content)
    result = dfkit("parse", str(path), "--format", "dump")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('(from "x")')


def test_several_files_and_partial_failure(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("ENV a\n")
    result = dfkit("parse", str(CENTOS), str(bad), "--format", "json")
    assert result.returncode == 2
    documents = json.loads(result.stdout)
    assert [d["file"] for d in documents] == [str(CENTOS), str(bad)]


@pytest.mark.parametrize(
    ("content", "arguments", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", [], "{path}:3:1: error: binary file (NUL byte), not a Dockerfile\n"),
        (b"FROM x\nRUN <<EOF\necho\n", [], "{path}:2:5: error: unterminated heredoc\n"),
        (b"FROM scratch\nCOPY nothere /\n", [], "{path}:2:1: error: COPY failed: 'nothere' not found in the build context\n"),
        (b"FROM scratch\n", ["--target", "nope"], '{path}: error: target stage "nope" could not be found\n'),
        (
            b"FROM scratch\n", ["-t", "Bad:Tag"],
            "dfkit build: error: -t Bad:Tag: not an image name ([host[:port]/]path[:tag], the path in lower case)\n",
        ),
    ],
    ids=["binary", "unterminated-heredoc", "missing-source", "unknown-target", "invalid-tag"],
)
def test_build_refuses_bad_input_before_building(tmp_path: Path, content: bytes, arguments: list[str], message: str) -> None:
    """Each refused before buildah is even looked for: exit 2, one located line, nothing written."""
    path = tmp_path / "Dockerfile"
    path.write_bytes(content)
    archive = tmp_path / "image.tar"
    result = dfkit("build", str(path), "-t", "localhost/x", *arguments, "--output", f"oci-archive:{archive}")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == message.format(path=path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]
