"""`nn-triage report`: formats, output files (never overwritten without --force), bad input."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import ROOT, run_cli

SESSIONS = ROOT / "tests" / "fixtures" / "sessions"
GOLDEN = ROOT / "tests" / "golden"
FOUND = str(SESSIONS / "found-from-log.json")


def problems(err: str) -> str:
    """stderr without the note that a fixture session was recorded on an older knowledge version."""
    return "".join(line for line in err.splitlines(keepends=True) if not line.startswith("nn-triage: note:"))


def expected(name: str, lang: str, fmt: str) -> str:
    """What the library renders for a fixture session on the current shipped graph: the command
    must print exactly that (the golden files themselves are checked in test_report_golden.py)."""
    from engine.loader import load_or_raise
    from engine.render import render
    from engine.report import build_report
    from engine.session import Session, read_session_file

    data = read_session_file(SESSIONS / f"{name}.json")
    return render(build_report(Session.from_file(data, load_or_raise()), saved=data, lang=lang), fmt)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_stdout_is_what_the_library_renders(cli, fmt):
    code, out, err = cli("report", FOUND, "--format", fmt)
    assert code == 0, err
    assert out == expected("found-from-log", "en", fmt)
    assert problems(err) == ""


def test_lang_option_and_session_language(cli):
    code, out, _ = cli("report", FOUND, "--format", "md", "--lang", "ja")
    assert code == 0 and out == expected("found-from-log", "ja", "md")
    code, out, err = cli("report", str(SESSIONS / "quit-revised.json"), "--format", "md")
    assert code == 0 and out == expected("quit-revised", "ja", "md")
    assert "q_uses_mixed_precision" in err and "kept" in err, "orphans are noted on stderr"


def test_output_file_is_written_and_never_overwritten_without_force(cli, tmp_path):
    out = tmp_path / "sub" / "report.html"
    code, stdout, err = cli("report", FOUND, "-o", str(out))
    assert code == 0 and stdout == "" and problems(err) == ""
    assert out.read_text(encoding="utf-8") == expected("found-from-log", "en", "html"), \
        "the format follows the .html suffix"
    out.write_text("keep me", encoding="utf-8")
    code, stdout, err = cli("report", FOUND, "--format", "md", "-o", str(out))
    assert code == 1 and stdout == ""
    assert err.strip() == f"nn-triage: {out} already exists; add --force to overwrite it"
    assert out.read_text(encoding="utf-8") == "keep me"
    code, _, err = cli("report", FOUND, "--format", "md", "-o", str(out), "--force")
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == expected("found-from-log", "en", "md")
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html"], "no temporary file left"


def test_format_from_suffix_and_default(cli, tmp_path):
    code, _, _ = cli("report", FOUND, "-o", str(tmp_path / "r.json"))
    assert code == 0 and json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["version"] == 1
    code, out, _ = cli("report", FOUND)
    assert code == 0 and out.startswith("# nn-triage report")


def test_schema_is_published_and_validates_the_json_report(cli, tmp_path):
    code, out, err = cli("report", "--schema")
    assert code == 0 and problems(err) == ""
    schema = json.loads(out)
    assert schema["title"] == "nn-triage report" and "version" in schema["properties"]
    report = json.loads(expected("quit-revised", "en", "json"))
    jsonschema.validate(report, schema)
    target = tmp_path / "report.schema.json"
    assert cli("report", "--schema", "-o", str(target))[0] == 0
    assert json.loads(target.read_text(encoding="utf-8")) == schema
    code, _, err = cli("report", "--schema", "-o", str(target))
    assert code == 1 and "already exists" in err


@pytest.mark.parametrize("content, message", [
    ("{not json", r"s.json:1:2: not a valid session file"),
    ('{"version": 1, "events": [{"seq": 1, "id": "loss_nan", "answer": "maybe"}]}', r"events.0.answer"),
    ('{"version": 7, "events": []}', r"version 7 is newer"),
    ("", r"s.json:1:1: not a valid session file"),
    ("\xff\xfe", r"cannot read the session file|not a valid session file"),
])
def test_bad_session_file_gets_one_clear_line(cli, tmp_path, content, message):
    path = tmp_path / "s.json"
    if content == "\xff\xfe":
        path.write_bytes(b"\xff\xfe\x00garbage")
    else:
        path.write_text(content, encoding="utf-8")
    code, out, err = cli("report", str(path), "--format", "md")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nn-triage: ") and str(path) in lines[0]
    assert __import__("re").search(message, lines[0])


def test_missing_session_file(cli, tmp_path):
    code, out, err = cli("report", str(tmp_path / "nope.json"))
    assert code == 1 and out == "" and "no such session file" in err and len(problems(err).strip().splitlines()) == 1


def test_usage_errors(cli):
    code, _, err = cli("report")
    assert code == 2 and "give a saved session file" in err
    code, _, err = cli("report", FOUND, "--format", "pdf")
    assert code == 2 and "invalid choice" in err
    code, _, err = cli("report", FOUND, "--schema")
    assert code == 2 and "--schema takes no session file" in err


def test_output_to_a_folder_or_an_unwritable_place(cli, tmp_path):
    code, _, err = cli("report", FOUND, "-o", str(tmp_path), "--force")
    assert code == 1 and "is a folder" in err
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = cli("report", FOUND, "--format", "md", "-o", str(blocker / "r.md"))
    assert code == 1 and problems(err).startswith("nn-triage: could not write") and len(problems(err).strip().splitlines()) == 1


def test_knowledge_layers_and_version_note(cli, tmp_path):
    layer = tmp_path / "team"
    layer.mkdir()
    (layer / "t.yaml").write_text(
        "nodes:\n  - id: learning_rate_wrong\n    kind: reason\n    title: {en: Team title <b>, ja: チーム}\n",
        encoding="utf-8")
    code, out, err = cli("report", FOUND, "--format", "md", "--knowledge", str(layer))
    assert code == 0
    assert "Team title &lt;b&gt;" in out
    assert "note:" in err and "recorded with knowledge version" in err
    assert "Recorded with knowledge version" in out


def test_broken_knowledge_layer(cli, tmp_path):
    layer = tmp_path / "bad"
    layer.mkdir()
    (layer / "x.yaml").write_text("nodes: [\n", encoding="utf-8")
    code, out, err = cli("report", FOUND, "--knowledge", str(layer))
    assert code == 1 and out == "" and "x.yaml" in err and "error" in err


def test_real_process_writes_utf8_and_exit_codes():
    done = run_cli("report", FOUND, "--format", "md", "--lang", "ja")
    assert done.returncode == 0 and done.stdout == expected("found-from-log", "ja", "md")
    done = run_cli("report", str(SESSIONS / "nope.json"))
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_report_command_does_not_import_textual():
    from test_import_hygiene import _modules_after

    mods = _modules_after("from tui.cli import main\nimport contextlib, io\n"
                          "with contextlib.redirect_stdout(io.StringIO()):\n"
                          f"    main(['report', {FOUND!r}, '--format', 'html'])")
    assert "textual" not in mods and "rich" not in mods
    assert "jinja2" in mods, "the probe really rendered HTML"
