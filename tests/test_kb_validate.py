"""`kb validate`: the shipped graph is clean, and each kind of broken file is caught at the right spot.

Every file in tests/fixtures/broken/ starts with `# expect: LINE:COL: message`; layered over the
shipped graph it must produce exactly that one problem, and `kb validate` must exit 1 printing it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from engine.loader import display_path, load_knowledge
from engine.problems import KnowledgeError, Severity
from engine.yamlsource import MAX_BYTES

BROKEN = ROOT / "tests" / "fixtures" / "broken"
FIXTURES = sorted(BROKEN.glob("*.yaml"))


def _expectation(path: Path) -> tuple[int, int, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# expect: (\d+):(\d+): (.+)", first)
    assert match, f"{path.name} has no '# expect: LINE:COL: message' header"
    return int(match[1]), int(match[2]), match[3]


def test_shipped_graph_is_clean():
    result = load_knowledge()
    assert [str(p) for p in result.problems] == []
    assert result.kb is not None


def test_clean_run_says_what_it_checked(cli):
    code, out, err = cli("kb", "validate")
    assert code == 0, out + err
    assert re.search(r"ok: \d+ files, 19 symptoms, \d+ context facts, \d+ questions, 37 reasons, 7 strategies", out)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_broken_fixture_is_reported_at_its_position(fixture: Path):
    line, col, message = _expectation(fixture)
    result = load_knowledge([fixture])
    mine = [p for p in result.problems if Path(p.path).resolve() == fixture.resolve()]
    assert len(mine) == 1, [str(p) for p in result.problems]
    problem = mine[0]
    assert (problem.line, problem.col) == (line, col), str(problem)
    assert message in problem.message, str(problem)
    others = [str(p) for p in result.problems if p not in mine]
    assert others == [], "only the fixture may cause problems"


@pytest.mark.parametrize("fixture", FIXTURES[:3] + FIXTURES[-3:], ids=lambda p: p.stem)
def test_cli_prints_gnu_style_and_exits_1(fixture: Path, cli):
    line, col, message = _expectation(fixture)
    code, out, err = cli("kb", "validate", str(fixture))
    assert code == 1
    assert f"{display_path(fixture)}:{line}:{col}: " in out
    assert message in out
    assert "Traceback" not in out + err


def test_errors_make_the_graph_unusable_but_warnings_do_not():
    unreachable = load_knowledge([BROKEN / "unreachable.yaml"])
    assert all(p.severity == Severity.WARNING for p in unreachable.problems)
    assert unreachable.kb is not None and "test_reason" in unreachable.kb.nodes
    typo = load_knowledge([BROKEN / "unknown_edge_id.yaml"])
    assert typo.kb is None


def test_load_or_raise_names_the_file():
    from engine.loader import load_or_raise

    with pytest.raises(KnowledgeError) as info:
        load_or_raise([BROKEN / "wrong_type.yaml"])
    assert "wrong_type.yaml:10:12" in str(info.value)


def test_vocabulary_is_required_of_every_graph(tmp_path):
    (tmp_path / "tiny.yaml").write_text(
        "nodes:\n  - id: loss_nan\n    kind: symptom\n    title: {en: NaN, ja: NaN}\n", encoding="utf-8")
    result = load_knowledge([tmp_path], shipped=False)
    vocab = [p for p in result.problems if p.code == "vocabulary"]
    assert any("no reason with ref '3.2'" in p.message for p in vocab)
    assert any(p.path.endswith("vocabulary.yaml") and p.line > 1 for p in vocab)
    assert not any("'loss_nan'" in p.message for p in vocab)


def test_a_50_mb_file_is_refused_without_parsing(tmp_path, cli):
    big = tmp_path / "big.yaml"
    with big.open("w") as fh:
        fh.write("nodes:\n")
        chunk = "  - {id: q_x, kind: question, title: {en: x, ja: x}}\n" * 1000
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    assert big.stat().st_size > MAX_BYTES
    code, out, err = cli("kb", "validate", str(tmp_path))
    assert code == 1
    size = big.stat().st_size / 1e6
    assert f"{big}:1:1: the file is {size:.1f} MB; knowledge files are limited to 4 MB" in out


def test_binary_garbage_is_named_not_a_traceback(tmp_path, cli):
    (tmp_path / "junk.yaml").write_bytes(b"nodes:\n  - id: a\n\xff\xfe\x00garbage")
    code, out, err = cli("kb", "validate", str(tmp_path))
    assert code == 1
    assert f"{tmp_path / 'junk.yaml'}:3:1: the file is not valid UTF-8 text" in out


def test_missing_folder_is_one_clear_error(cli, tmp_path):
    code, out, err = cli("kb", "validate", str(tmp_path / "nope"))
    assert code == 1
    assert "no such knowledge folder or file" in out


def test_usage_error_exits_2(cli):
    code, out, err = cli("kb", "dump", "--format", "png")
    assert code == 2
    assert "invalid choice" in err


def test_json_output_lists_problems(cli):
    import json

    code, out, _ = cli("kb", "validate", "--json", str(BROKEN / "unknown_key.yaml"))
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert any(p["line"] == 10 and p["col"] == 5 and p["code"] == "schema" for p in data["problems"])


def test_real_process_has_no_traceback_on_bad_yaml():
    proc = subprocess.run([sys.executable, "-m", "tui", "kb", "validate", str(BROKEN / "python_tag.yaml")],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
