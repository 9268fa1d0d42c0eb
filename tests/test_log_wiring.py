"""`--log FILE`: the symptoms a log shows become answers (source "log", with evidence) in the
headless session and in the TUI, where the person can change them."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT
from tui.screens.modals import ChoiceScreen
from tui.widgets.path import PathList
from tui.widgets.prose import Prose
from tui_helpers import build, choose_first, screen_text

NAN_LOG = ROOT / "tests" / "fixtures" / "logs" / "nan_div_zero" / "keras.csv"


def test_session_jsonl_enters_log_symptoms_with_evidence(tmp_path):
    save = tmp_path / "s.json"
    proc = subprocess.run([sys.executable, "-m", "tui", "session", "--jsonl", "--log", str(NAN_LOG), "--save", str(save)],
                          cwd=ROOT, input='{"answer": "yes"}\n', capture_output=True, text=True, timeout=60)
    first = json.loads(proc.stdout.splitlines()[0])
    assert first["type"] == "ask" and first["step"] >= 2, "the log's symptoms were entered before the first ask"
    events = json.loads(save.read_text())["events"]
    from_log = [e for e in events if e["source"] == "log"]
    assert {e["id"] for e in from_log} >= {"loss_nan"}
    assert all(e["evidence"] and e["answer"] == "yes" for e in from_log)
    assert "nan" in next(e for e in from_log if e["id"] == "loss_nan")["evidence"]


def test_a_bad_log_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "log.csv"
    bad.write_bytes(b"\x00\x01garbage")
    proc = subprocess.run([sys.executable, "-m", "tui", "session", "--jsonl", "--log", str(bad)], cwd=ROOT,
                          input="", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert str(bad) in proc.stderr and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


async def test_tui_shows_log_answers_and_their_evidence(tmp_path):
    app = build(tmp_path, log=NAN_LOG)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        main = app.screen
        from_log = [e for e in main.session.events if e.source == "log"]
        assert from_log and from_log[0].id == "loss_nan"
        assert "from the log" in screen_text(app)
        await choose_first(pilot, main.query_one(PathList))
        assert isinstance(app.screen, ChoiceScreen)
        assert from_log[0].evidence in app.screen.query_one(Prose).text
        await pilot.click("#choice-no")
        await pilot.pause()
        assert main.session.given()["loss_nan"].answer == "no", "the person can override the log"


def test_tui_refuses_a_bad_log_before_the_screen_opens(tmp_path, cli):
    bad = tmp_path / "empty.csv"
    bad.write_text("", encoding="utf-8")
    code, out, err = cli("tui", "--log", str(bad), "--new")
    assert code == 1 and str(bad) in err and "Traceback" not in err
