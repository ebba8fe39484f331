"""`dfkit lint`: files, formats, exit codes, fixes, configuration, cache, bad input.

Most tests run the command in-process (fast); those about start-up, imports and
parallel workers run it as a subprocess. Rules are pinned with `--select` so that
adding a rule elsewhere does not change what these tests see.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dfkit.cli import main
from tests.conftest import REPO

MIXED = "from alpine:3.20\nrun echo hi\nCOPY --frm=x a b\n"
PINNED = "DF001,DF003,DF004,DF005,DF008"  # the rules these tests look at
MIXED_CONCISE = [
    "Dockerfile:1:1: style DF008 [*] Instruction keyword `from` is not upper case",
    "Dockerfile:2:1: style DF008 [*] Instruction keyword `run` is not upper case",
    "Dockerfile:3:6: error DF004 unknown flag: --frm (did you mean --from?)",
]


@dataclass
class Result:
    code: int
    out: str
    err: str


Runner = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Runner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("DFKIT_CACHE_DIR", str(tmp_path / "cache"))

    def invoke(*args: str, stdin: bytes | None = None) -> Result:
        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# -- exit codes and selection ----------------------------------------------------------


def test_concise_findings_and_exit_1(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MIXED)
    result = run("lint", "Dockerfile", "--select", PINNED)
    assert result.out.splitlines() == MIXED_CONCISE
    assert result.code == 1


def test_clean_file_exits_0(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN echo hi\n")
    result = run("lint", "Dockerfile", "--select", PINNED)
    assert (result.code, result.out) == (0, "")


@pytest.mark.parametrize(
    ("fail_on", "code"), [("error", 1), ("warning", 1), ("style", 1), ("never", 0)]
)
def test_fail_on(run: Runner, tmp_path: Path, fail_on: str, code: int) -> None:
    write(tmp_path / "Dockerfile", MIXED)
    assert run("lint", "Dockerfile", "--select", PINNED, "--fail-on", fail_on).code == code


def test_fail_on_counts_only_what_reaches_it(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "from alpine:3.20\n")  # one style finding
    assert run("lint", "Dockerfile", "--select", "DF008").code == 0  # default: warning
    assert run("lint", "Dockerfile", "--select", "DF008", "--fail-on", "style").code == 1


def test_selectors_take_codes_names_and_aliases(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MIXED)
    by_name = run("lint", "Dockerfile", "--select", "keyword-not-uppercase")
    by_code = run("lint", "Dockerfile", "--select", "DF008")
    assert by_name.out == by_code.out != ""
    ignored = run("lint", "Dockerfile", "--select", PINNED, "--ignore", "keyword-not-uppercase,DF004")
    assert (ignored.code, ignored.out) == (0, "")
    alias = run("lint", "Dockerfile", "--select", "NoEmptyContinuation,DL1001")
    assert alias.code == 0


def test_unknown_selector_is_a_usage_error(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MIXED)
    result = run("lint", "Dockerfile", "--select", "DF008,NoSuchRule")
    assert result.code == 2
    assert result.err.startswith("--select: error: unknown rule or selector 'NoSuchRule'\n  hint: ")
    assert result.out == ""


def test_missing_file_is_exit_2_and_other_files_still_linted(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MIXED)
    result = run("lint", "nope/Dockerfile", "Dockerfile", "--select", PINNED)
    assert result.code == 2
    assert result.err.startswith("nope/Dockerfile: error: no such file")
    assert result.out.splitlines() == MIXED_CONCISE


# -- finding files ---------------------------------------------------------------------


def test_directory_search(run: Runner, tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    for name in [
        "Dockerfile", "Dockerfile.dev", "app.Dockerfile", "tool.dockerfile", "sub/Containerfile",
        "node_modules/pkg/Dockerfile", ".git/Dockerfile", "Dockerfile.dockerignore", "README.md", "dockerfile.txt",
    ]:
        write(tree / name, "from scratch\n")
    result = run("lint", "repo", "--select", "DF008", "--format", "json")
    files = [finding["file"] for finding in json.loads(result.out)]
    assert files == [
        "repo/Dockerfile", "repo/Dockerfile.dev", "repo/app.Dockerfile", "repo/tool.dockerfile",
        "repo/sub/Containerfile",
    ]


def test_stdin_with_a_filename(run: Runner) -> None:
    result = run("lint", "-", "--stdin-filename", "web/Dockerfile", "--select", PINNED, stdin=MIXED.encode())
    assert result.out.splitlines() == [line.replace("Dockerfile:", "web/Dockerfile:") for line in MIXED_CONCISE]


# -- formats ---------------------------------------------------------------------------


def test_json_format(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "a" / "Dockerfile", MIXED)
    write(tmp_path / "b.Dockerfile", "from scratch\n")
    result = run("lint", "b.Dockerfile", "a/Dockerfile", "--select", "DF008", "--format", "json")
    findings = json.loads(result.out)
    assert [(f["file"], f["line"]) for f in findings] == [("b.Dockerfile", 1), ("a/Dockerfile", 1), ("a/Dockerfile", 2)]
    assert findings[0] == {
        "code": "DF008",
        "name": "keyword-not-uppercase",
        "severity": "style",
        "message": "Instruction keyword `from` is not upper case",
        "file": "b.Dockerfile",
        "line": 1,
        "column": 1,
        "end_line": 1,
        "end_column": 5,
        "aliases": [],
        "fix": {
            "applicability": "safe",
            "title": "Write `from` as `FROM`",
            "edits": [{"content": "FROM", "line": 1, "column": 1, "end_line": 1, "end_column": 5}],
        },
    }


def test_json_of_nothing_is_an_empty_array(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM scratch\n")
    assert json.loads(run("lint", "Dockerfile", "--select", PINNED, "--format", "json").out) == []


def test_github_format_escapes(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "we,ird:dir" / "Dockerfile", "FROM scratch\nCOPY --x%y=1 a b\n")
    result = run("lint", "we,ird:dir/Dockerfile", "--select", "DF004", "--format", "github")
    assert result.out == (
        "::error title=DF004 invalid-flag,file=we%2Cird%3Adir/Dockerfile,line=2,col=6,endLine=2,endColumn=13"
        "::DF004 unknown flag: --x%25y\n"
    )


def test_github_is_the_default_under_actions(run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "Dockerfile", "from scratch\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run("lint", "Dockerfile", "--select", "DF008").out.startswith("::notice title=DF008")


def test_full_format(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\n\trun echo 日本 \\\n  more\nCOPY --frm=x a b\n")
    result = run("lint", "Dockerfile", "--select", PINNED, "--format", "full")
    assert result.out == (
        "style[DF008]: Instruction keyword `run` is not upper case\n"
        " --> Dockerfile:2:2\n"
        "  |\n"
        "1 | FROM alpine:3.20\n"
        "2 |     run echo 日本 \\\n"
        "  |     ^^^ DF008 keyword-not-uppercase\n"
        "3 |   more\n"
        "  |\n"
        "  = fix: Write `run` as `RUN`\n"
        "\n"
        "error[DF004]: unknown flag: --frm (did you mean --from?)\n"
        " --> Dockerfile:4:6\n"
        "  |\n"
        "3 |   more\n"
        "4 | COPY --frm=x a b\n"
        "  |      ^^^^^^^ DF004 invalid-flag\n"
        "  |\n"
        "\n"
        "Found 2 findings in 1 file. [*] 1 fixable with `--fix`.\n"
    )


def test_full_format_multi_line_span_and_wide_characters(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM alpine:3.20\nru\\\nn echo 日本\nHEALTHCHECK --interval=日本 CMD true\n")
    result = run("lint", "Dockerfile", "--select", "DF008,DF005", "--format", "full")
    assert result.out == (
        "style[DF008]: Instruction keyword `run` is not upper case\n"
        " --> Dockerfile:2:1\n"
        "  |\n"
        "1 | FROM alpine:3.20\n"
        "2 | ru\\\n"
        "  | ^^^\n"
        "3 | n echo 日本\n"
        "  | ^ DF008 keyword-not-uppercase\n"
        "4 | HEALTHCHECK --interval=日本 CMD true\n"
        "  |\n"
        "\n"
        "error[DF005]: time: invalid duration \"日本\"\n"
        " --> Dockerfile:4:13\n"
        "  |\n"
        "3 | n echo 日本\n"
        "4 | HEALTHCHECK --interval=日本 CMD true\n"
        "  |             ^^^^^^^^^^^^^^^ DF005 invalid-flag-value\n"
        "  |\n"
        "\n"
        "Found 2 findings in 1 file.\n"
    )


def test_statistics(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MIXED)
    result = run("lint", "Dockerfile", "--select", PINNED, "--statistics")
    assert result.out.splitlines() == [
        "2  DF008  [*] keyword-not-uppercase  (style)",
        "1  DF004      invalid-flag  (error)",
    ]


def test_output_file(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MIXED)
    result = run("lint", "Dockerfile", "--select", PINNED, "-o", "report.txt")
    assert result.out == ""
    assert (tmp_path / "report.txt").read_text().splitlines() == MIXED_CONCISE
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_output_file_in_a_missing_directory_is_exit_2(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MIXED)
    result = run("lint", "Dockerfile", "-o", "missing/report.txt")
    assert result.code == 2
    assert result.err.startswith("missing/report.txt: error: cannot write")
    assert not (tmp_path / "missing").exists()


# -- fixes -----------------------------------------------------------------------------


def test_fix_writes_the_file_and_reports_what_remains(run: Runner, tmp_path: Path) -> None:
    path = write(tmp_path / "Dockerfile", MIXED)
    path.chmod(0o640)
    result = run("lint", "Dockerfile", "--select", PINNED, "--fix")
    assert path.read_text() == "FROM alpine:3.20\nRUN echo hi\nCOPY --frm=x a b\n"
    assert result.out.splitlines() == [MIXED_CONCISE[2].replace("3:6", "3:6")]
    assert result.code == 1
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".dfkit")] == []


def test_fix_keeps_bom_and_crlf(run: Runner, tmp_path: Path) -> None:
    path = write(tmp_path / "Dockerfile", b"\xef\xbb\xbffrom alpine:3.20\r\nrun echo \\\r\n  hi\r\n")
    run("lint", "Dockerfile", "--select", "DF008", "--fix")
    assert path.read_bytes() == b"\xef\xbb\xbfFROM alpine:3.20\r\nRUN echo \\\r\n  hi\r\n"


def test_diff_changes_nothing(run: Runner, tmp_path: Path) -> None:
    path = write(tmp_path / "Dockerfile", MIXED)
    result = run("lint", "Dockerfile", "--select", PINNED, "--diff")
    assert path.read_text() == MIXED
    assert result.out == (
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,3 +1,3 @@\n"
        "-from alpine:3.20\n-run echo hi\n+FROM alpine:3.20\n+RUN echo hi\n COPY --frm=x a b\n"
    )
    assert result.err == "Would fix 2 findings in 1 file.\n"
    assert result.code == 1


def test_fix_from_stdin_prints_the_fixed_text(run: Runner) -> None:
    result = run("lint", "-", "--select", "DF008", "--fix", stdin=b"from scratch\n")
    assert result.out == "FROM scratch\n"
    assert result.code == 0


# -- configuration ---------------------------------------------------------------------


def test_config_is_found_upwards(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.dfkit]\nselect = ["DF001", "DF004", "DF008"]\nignore = ["DF004"]\nfail-on = "style"\n')
    write(tmp_path / "svc" / "Dockerfile", MIXED)
    result = run("lint", "svc/Dockerfile")
    assert [line.split(": ", 1)[1][:18] for line in result.out.splitlines()] == ["style DF008 [*] In"] * 2
    assert result.code == 1  # fail-on = style from the file


def test_dfkit_toml_wins_over_pyproject(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.dfkit]\nselect = ["DF004"]\n')
    write(tmp_path / ".dfkit.toml", 'select = ["DF008"]\n')
    write(tmp_path / "Dockerfile", MIXED)
    assert {line.split()[2] for line in run("lint", "Dockerfile").out.splitlines()} == {"DF008"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('selct = ["DF0"]\n', ".dfkit.toml: error: selct: unknown key"),
        ('fail-on = "sometimes"\n', ".dfkit.toml: error: fail-on: "),
        ('select = ["DF008", "NoSuchRule"]\n', ".dfkit.toml: error: select: "),
        ("select = [\n", ".dfkit.toml: error: invalid TOML"),
        ('[rules.DF008]\nbogus = 1\n', ".dfkit.toml: error: rules.DF008.bogus: unknown key"),
    ],
)
def test_bad_config_is_exit_2_naming_file_and_key(run: Runner, tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path / ".dfkit.toml", text)
    write(tmp_path / "Dockerfile", MIXED)
    result = run("lint", "Dockerfile")
    assert result.code == 2
    assert result.err.startswith(str(tmp_path / message)) or result.err.startswith(message), result.err
    assert result.out == ""


def test_per_file_ignores_and_severity(run: Runner, tmp_path: Path) -> None:
    write(
        tmp_path / ".dfkit.toml",
        'select = ["DF001", "DF004", "DF008"]\n[per-file-ignores]\n"legacy/*" = ["keyword-not-uppercase"]\n[severity]\nDF008 = "error"\n',
    )
    write(tmp_path / "legacy" / "Dockerfile", "from scratch\n")
    write(tmp_path / "Dockerfile", "from scratch\n")
    result = run("lint", "legacy/Dockerfile", "Dockerfile")
    assert result.out.splitlines() == ["Dockerfile:1:1: error DF008 [*] Instruction keyword `from` is not upper case"]


def test_config_show(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / ".dfkit.toml", 'ignore = ["DF008"]\ntrusted-registries = ["ghcr.io"]\n')
    result = run("config", "--show", "--format", "json")
    data = json.loads(result.out)
    assert data["config_file"].endswith(".dfkit.toml")
    assert data["settings"]["trusted-registries"] == ["ghcr.io"]
    assert "DF008" in data["disabled"] and "DF001" in data["enabled"]
    text = run("config", "--show").out
    assert text.splitlines()[0] == f"# configuration: {tmp_path / '.dfkit.toml'}"


# -- pragmas ---------------------------------------------------------------------------


def test_pragmas_and_no_pragmas(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM scratch\n# dfkit ignore=DF008\nrun true\n# dfkit ignore=DF004\nRUN true\n")
    plain = run("lint", "Dockerfile", "--select", "DF008,DF004,DF090")
    assert plain.out.splitlines() == ["Dockerfile:4:1: warning DF090 Suppression of `DF004` (dfkit) is unused"]
    audit = run("lint", "Dockerfile", "--select", "DF008,DF004,DF090", "--no-pragmas")
    assert audit.out.splitlines() == ["Dockerfile:3:1: style DF008 [*] Instruction keyword `run` is not upper case"]


# -- the cache -------------------------------------------------------------------------


def test_cache_hit_gives_the_same_output_and_misses_on_change(run: Runner, tmp_path: Path) -> None:
    path = write(tmp_path / "Dockerfile", MIXED)
    first = run("lint", "Dockerfile", "--select", PINNED, "--format", "json")
    entries = list((tmp_path / "cache").rglob("*"))
    assert any(p.is_file() and len(p.name) == 64 for p in entries)
    assert (tmp_path / "cache" / "CACHEDIR.TAG").is_file()
    second = run("lint", "Dockerfile", "--select", PINNED, "--format", "json")
    assert second.out == first.out
    path.write_text(MIXED.replace("run", "RUN"))
    third = run("lint", "Dockerfile", "--select", PINNED, "--format", "json")
    assert len(json.loads(third.out)) == 2
    write(tmp_path / ".dfkit.toml", '[severity]\nDF004 = "info"\n')
    fourth = run("lint", "Dockerfile", "--select", PINNED, "--format", "json")
    assert [f["severity"] for f in json.loads(fourth.out)] == ["style", "info"]


def test_cache_hit_imports_no_parser(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MIXED)
    code = (
        "import sys\nfrom dfkit.cli import main\n"
        "status = main(['lint', 'Dockerfile', '--select', 'DF001,DF003,DF004,DF005,DF008'])\n"
        "print(status, sorted(m for m in ('lark', 'pydantic', 'rich', 'dfkit.syntax') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "DFKIT_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert first.stdout.splitlines()[-1] == "1 ['dfkit.syntax', 'lark', 'pydantic']"
    second = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert second.stdout.splitlines()[-1] == "1 []"
    assert second.stdout.splitlines()[:-1] == first.stdout.splitlines()[:-1] == MIXED_CONCISE


def test_no_cache_writes_nothing(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MIXED)
    run("lint", "Dockerfile", "--no-cache")
    assert not (tmp_path / "cache").exists()


# -- many files, in parallel -----------------------------------------------------------


def test_parallel_output_equals_serial(tmp_path: Path) -> None:
    for index in range(12):
        write(tmp_path / f"s{index:02d}" / "Dockerfile", MIXED.replace("hi", f"hi{index}"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-m", "dfkit", "lint", ".", "--select", PINNED, "--no-cache", "--format", "json"]
    serial = subprocess.run([*args, "--jobs", "1"], cwd=tmp_path, env=env, capture_output=True, text=True)
    parallel = subprocess.run([*args, "--jobs", "2"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert serial.returncode == parallel.returncode == 1
    assert parallel.stdout == serial.stdout
    assert len(json.loads(serial.stdout)) == 36


# -- bad input -------------------------------------------------------------------------


def test_binary_file_is_exit_2_with_position(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", b"FROM scratch\nRU\x00N x\n")
    result = run("lint", "Dockerfile")
    assert result.code == 2
    assert result.err == "Dockerfile:2:3: error: binary file (NUL byte), not a Dockerfile\n"
    assert "Traceback" not in result.err


def test_invalid_utf8_is_linted(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", b"from scratch\nCOPY --\xff=1 a b\n")
    result = run("lint", "Dockerfile", "--select", PINNED, "--format", "json")
    findings = json.loads(result.out)
    assert [(f["line"], f["column"], f["code"]) for f in findings] == [(1, 1, "DF008"), (2, 6, "DF004")]
    assert findings[1]["message"] == "unknown flag: --\\xff"


def test_bom_and_crlf_positions(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", b"\xef\xbb\xbfFROM scratch\r\n  run true\r\n")
    result = run("lint", "Dockerfile", "--select", "DF008")
    assert result.out == "Dockerfile:2:3: style DF008 [*] Instruction keyword `run` is not upper case\n"


def test_unterminated_heredoc_and_broken_json(run: Runner, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", 'FROM scratch\nCMD ["a", "b"\nRUN <<EOF\necho hi\n')
    result = run("lint", "Dockerfile", "--format", "json")
    assert result.code == 1
    assert "Traceback" not in result.err
    codes = [(f["line"], f["code"]) for f in json.loads(result.out)]
    assert (3, "DF001") in codes


def test_huge_file(run: Runner, tmp_path: Path) -> None:
    body = "FROM alpine:3.20\n" + "".join(f"RUN echo {i}\n" for i in range(20000))
    write(tmp_path / "Dockerfile", body + "run echo last\n")
    result = run("lint", "Dockerfile", "--select", "DF008", "--no-cache")
    assert result.out == "Dockerfile:20002:1: style DF008 [*] Instruction keyword `run` is not upper case\n"


# -- rules and docs --------------------------------------------------------------------


def test_rules_listing(run: Runner) -> None:
    rows = json.loads(run("rules", "--format", "json").out)
    by_code = {row["code"]: row for row in rows}
    assert by_code["DF008"]["name"] == "keyword-not-uppercase"
    assert by_code["DF008"]["fixable"] is True
    assert by_code["DF010"]["aliases"] == ["NoEmptyContinuation"]
    assert [row["code"] for row in rows] == sorted(by_code)
    text = run("rules", "--select", "DF008,NoEmptyContinuation").out.splitlines()
    assert [line.split() for line in text] == [
        ["DF008", "keyword-not-uppercase", "style", "[*]"],
        ["DF010", "empty-continuation", "warning", "[*]", "NoEmptyContinuation"],
    ]


def test_rule_documentation_by_alias(run: Runner) -> None:
    out = run("rule", "NoEmptyContinuation").out
    assert out.startswith("# DF010 ")
    assert "## What it does" in out
    missing = run("rule", "DF9999")
    assert missing.code == 2 and "unknown rule" in missing.err
