"""The labelled fixture logs, scored with ../shared/tools/score_logs.py (recall and false alarms).

score_logs.py normally runs `nn-triage analyze` once per file; here its `analyze` step calls our
command line in-process (same arguments, same JSON), which keeps the 150 files to about a second.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys

import pytest
import yaml

from conftest import ROOT

LABELS = ROOT / "tests" / "fixtures" / "logs" / "labels.yaml"
SCORER = ROOT.parent / "shared" / "tools" / "score_logs.py"
VOCAB = set(yaml.safe_load((ROOT / "knowledge" / "vocabulary.yaml").read_text())["symptoms"])


def _runs() -> list[dict]:
    return yaml.safe_load(LABELS.read_text())["runs"]


def test_labels_are_well_formed():
    runs = _runs()
    ids = [r["id"] for r in runs]
    assert len(ids) == len(set(ids))
    for run in runs:
        expected, absent = set(run["expected_symptoms"]), set(run["absent_symptoms"])
        assert expected <= VOCAB and absent <= VOCAB and not expected & absent, run["id"]
        assert set(run.get("not_visible_in_keras_csv", [])) <= expected
        assert isinstance(run["holdout"], bool) and run.get("fault")
        for rel in run["files"].values():
            assert (LABELS.parent / rel).exists(), rel
    assert 0 < sum(r["holdout"] for r in runs) < len(runs)
    healthy = [r for r in runs if r["id"].startswith("healthy")]
    assert healthy and all(not r["expected_symptoms"] for r in healthy)


def _in_process(cmd, path, classes, timeout):
    from tui.cli import main

    args = ["analyze", str(path), "--format", "json"] + (["--classes", str(classes)] if classes else [])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    if code != 0:
        return None, err.getvalue().strip()
    return {s["id"] for s in json.loads(out.getvalue())["symptoms"]}, ""


@pytest.fixture
def scorer(monkeypatch):
    if not SCORER.exists():
        pytest.skip("../shared/tools/score_logs.py is not beside this checkout")
    spec = importlib.util.spec_from_file_location("score_logs", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "analyze", _in_process)
    if not _has_tensorboard():   # without the extra the event folders cannot be read: score the rest
        kept = [dict(r, files={k: v for k, v in r["files"].items() if k != "tensorboard"}) for r in _runs()]
        labels = ROOT / "tests" / "fixtures" / "logs" / ".labels-no-tensorboard.yaml"
        labels.write_text(yaml.safe_dump({"runs": kept}))
        yield module, labels
        labels.unlink()
        return
    yield module, LABELS


def _has_tensorboard() -> bool:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


def test_every_expected_symptom_found_and_no_false_alarm(scorer, monkeypatch, capsys):
    module, labels = scorer
    monkeypatch.setattr(sys, "argv", ["score_logs.py", str(labels), "--json"])
    assert module.main() == 0
    report = json.loads(capsys.readouterr().out)
    summary = report["summary"]
    problems = [r for r in report["rows"] if r.get("error") or r.get("missed") or r.get("false_alarms")]
    assert problems == []
    assert summary["unreadable"] == 0 and summary["missed"] == 0 and summary["false_alarms"] == 0
    assert summary["recall"] == 1.0 and summary["precision"] == 1.0
    assert summary["files"] == (150 if _has_tensorboard() else 120)
    assert summary["found"] == (245 if _has_tensorboard() else 191)
