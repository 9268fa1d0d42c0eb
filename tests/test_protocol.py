"""`nn-triage session --jsonl`: the protocol of PRODUCT.md, over a real process and in-process."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from conftest import ROOT
from engine.protocol import Conversation, run
from engine.session import Session


def converse(kb, model, lines, **kw):
    out = io.StringIO()
    run(Conversation(Session(kb, model, **kw)), io.StringIO("".join(json.dumps(l) + "\n" if not isinstance(l, str) else l + "\n" for l in lines)), out)
    return [json.loads(l) for l in out.getvalue().splitlines()]


def test_first_ask_then_exactly_one_reply_per_line(kb, model):
    replies = converse(kb, model, [{"answer": "yes", "id": "loss_nan"}, {"why": True}, "garbage", {"answer": "no"}])
    assert [r["type"] for r in replies] == ["ask", "ask", "why", "error", "ask", "done"]
    first = replies[0]
    assert first["step"] == 1 and set(first["node"]) >= {"id", "kind", "ref", "text", "answers"}
    assert first["node"]["answers"] in (["yes", "no", "unknown"], ["found", "ok", "skip"])
    for item in first["ranked"]:
        assert set(item) == {"id", "ref", "score"} and 0 <= item["score"] <= 1
    assert replies[-1] == {**replies[-1], "type": "done", "outcome": "quit"}


def test_bad_lines_get_an_error_and_lose_nothing(kb, model):
    replies = converse(kb, model, [
        {"answer": "yes", "id": "loss_nan"},
        "{not json",
        "[1, 2]",
        {"answer": "maybe"},
        {"answer": "yes", "id": "loss_nna"},
        {"answer": 3},
        {"frobnicate": True},
    ])
    errors = [r for r in replies if r["type"] == "error"]
    assert len(errors) == 6
    assert "not JSON" in errors[0]["message"]
    assert "did you mean 'loss_nan'" in errors[3]["message"]
    assert "unknown request" in errors[5]["message"]
    assert replies[-1]["type"] == "done" and replies[-1]["steps"] == 1, "the one good answer is kept"


def test_found_ends_the_session(kb, model):
    replies = converse(kb, model, [{"answer": "found", "id": "learning_rate_wrong"}])
    assert replies[-1]["type"] == "done"
    assert replies[-1]["outcome"] == "found"
    assert replies[-1]["found"]["id"] == "learning_rate_wrong" and replies[-1]["found"]["ref"] == "4.10"


def test_undo_why_and_save(kb, model, tmp_path):
    target = tmp_path / "mid.json"
    replies = converse(kb, model, [{"answer": "yes", "id": "loss_nan"}, {"undo": True}, {"undo": True},
                                   {"save": str(target)}, {"quit": True}])
    assert [r["type"] for r in replies] == ["ask", "ask", "ask", "error", "ask", "done"]
    assert replies[2]["step"] == 1 and replies[4]["saved"] == str(target)
    assert json.loads(target.read_text())["version"] == 1


def test_why_explains_the_pending_ask(kb, model):
    replies = converse(kb, model, [{"answer": "yes", "id": "loss_nan"}, {"why": True}])
    why = replies[2]
    assert why["pending"]["node"] == replies[1]["node"]["id"]
    assert why["pending"]["text"]
    assert why["suspects"] and all("factors" in s for s in why["suspects"])


def test_japanese_texts(kb, model):
    replies = converse(kb, model, [], lang="ja")
    assert any("\u3040" <= ch <= "\u30ff" for ch in replies[0]["node"]["text"])


def test_real_process_with_save_file_rewritten_after_every_answer(tmp_path):
    save = tmp_path / "live.json"
    proc = subprocess.Popen([sys.executable, "-m", "tui", "session", "--jsonl", "--save", str(save)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, bufsize=1)
    first = json.loads(proc.stdout.readline())
    assert first["type"] == "ask"
    counts = []
    for line in ({"answer": "yes", "id": "loss_nan"}, {"answer": "yes", "id": "nan_early"}, {"answer": "no", "id": "custom_loss"}):
        proc.stdin.write(json.dumps(line) + "\n")
        proc.stdin.flush()
        reply = json.loads(proc.stdout.readline())
        assert reply["type"] == "ask"
        counts.append(len(json.loads(save.read_text())["events"]))
    assert counts == [1, 2, 3]
    proc.stdin.close()
    done = json.loads(proc.stdout.readline())
    assert done["type"] == "done" and done["outcome"] == "quit"
    assert proc.wait(timeout=30) == 0
    assert "Traceback" not in proc.stderr.read()


def test_resume_continues_where_it_stopped(tmp_path):
    save = tmp_path / "s.json"
    subprocess.run([sys.executable, "-m", "tui", "session", "--jsonl", "--save", str(save)], cwd=ROOT,
                   input='{"answer": "yes", "id": "loss_nan"}\n', capture_output=True, text=True, check=True)
    proc = subprocess.run([sys.executable, "-m", "tui", "session", "--jsonl", "--resume", str(save)], cwd=ROOT,
                          input="", capture_output=True, text=True)
    first = json.loads(proc.stdout.splitlines()[0])
    assert first["type"] == "ask" and first["step"] == 2


def test_corrupt_resume_file_is_one_line_on_stderr(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{\"version\": 1, \"events\": [", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "tui", "session", "--jsonl", "--resume", str(bad)], cwd=ROOT,
                          input="", capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "bad.json:1:" in proc.stderr and "Traceback" not in proc.stderr


def test_session_without_jsonl_is_a_usage_error(cli):
    code, out, err = cli("session")
    assert code == 2 and "--jsonl" in err


def test_a_huge_line_is_refused_without_reading_it_whole(kb, model):
    from engine.protocol import MAX_LINE

    huge = '{"say": "' + "x" * (3 * MAX_LINE) + '"}'
    replies = converse(kb, model, [huge, {"answer": "yes", "id": "loss_nan"}])
    assert [r["type"] for r in replies] == ["ask", "error", "ask", "done"]
    assert "line too long" in replies[1]["message"]
    assert replies[-1]["steps"] == 1
