"""`nn-triage analyze`: exit codes, the JSON contract, the text rendering, no traceback."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import ROOT, run_cli
from engine.logs import LOG_SYMPTOMS

FIX = ROOT / "tests" / "fixtures" / "logs"
VOCAB = set(yaml.safe_load((ROOT / "knowledge" / "vocabulary.yaml").read_text())["symptoms"])


def test_json_contract(cli):
    path = FIX / "lr_high_nan_mse" / "lightning" / "metrics.csv"
    code, out, err = cli("analyze", str(path), "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert {"file", "format", "rows", "series", "symptoms"} <= set(data)
    assert data["file"] == str(path) and data["format"] == "lightning_csv" and data["rows"] == 96
    assert data["series"] == ["train_loss_step", "grad_2.0_norm_total", "lr-SGD", "epoch", "step", "val_loss",
                              "val_acc", "train_loss_epoch", "train_acc_epoch"]
    assert all(isinstance(s, str) for s in data["series"])
    ids = [s["id"] for s in data["symptoms"]]
    assert {"loss_nan", "loss_diverging", "gradients_exploding"} <= set(ids) and set(ids) <= VOCAB
    for s in data["symptoms"]:
        assert {"id", "evidence", "step"} <= set(s)
        assert isinstance(s["evidence"], str) and s["evidence"]
        assert s["step"] is None or isinstance(s["step"], (int, float))
        assert 0.5 <= s["confidence"] <= 1
    nan = next(s for s in data["symptoms"] if s["id"] == "loss_nan")
    assert nan["step"] == 20 and nan["epoch"] == 0 and nan["series"] == "train_loss_step"
    assert set(data["checked"]) | set(data["not_checked"]) | set(ids) == set(LOG_SYMPTOMS)


def test_json_is_strict_even_for_infinite_values(cli):
    code, out, _ = cli("analyze", str(FIX / "lr_high_nan_mse" / "tb" if _has_tb() else
                                      FIX / "lr_high_nan_mse" / "hf.jsonl"), "--format", "json")
    assert code == 0
    json.loads(out, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def _has_tb() -> bool:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


def test_classes_option_changes_what_can_be_judged(cli):
    path = str(FIX / "frozen" / "fastai.csv")
    _, out, _ = cli("analyze", path, "--format", "json")
    assert "acc_at_chance" in json.loads(out)["not_checked"]
    _, out, _ = cli("analyze", path, "--format", "json", "--classes", "10")
    data = json.loads(out)
    assert "acc_at_chance" in [s["id"] for s in data["symptoms"]] and data["classes"] == 10


def test_column_option(cli, tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("it,objective\n" + "".join(f"{i},{2.3}\n" for i in range(30)))
    code, _, err = cli("analyze", str(p))
    assert code == 1 and "--column loss=COLUMN" in err
    code, out, _ = cli("analyze", str(p), "--column", "loss=objective", "--column", "step=it", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["roles"] == {"loss": "objective"} and data["x_unit"] == "step"
    assert [s["id"] for s in data["symptoms"]] == ["loss_flat"]


@pytest.mark.parametrize("args, words", [
    (["--column", "loss"], "--column wants ROLE=COLUMN"),
    (["--column", "speed=x"], "unknown role 'speed'"),
    (["--classes", "1"], "--classes must be at least 2"),
    (["--format", "xml"], "invalid choice"),
])
def test_usage_errors_exit_2(cli, args, words):
    code, out, err = cli("analyze", str(FIX / "frozen" / "keras.csv"), *args)
    assert code == 2 and out == "" and words in err


def test_bad_input_exits_1_with_one_line(cli, tmp_path):
    p = tmp_path / "cut.csv"
    p.write_text("epoch,loss\n0,2.3\n1,")
    code, out, err = cli("analyze", str(p))
    assert code == 1 and out == ""
    assert err == (f"nn-triage: {p}:3: truncated line: the file ends after an empty last field, in the "
                   "middle of a row\n")


def test_no_traceback_in_a_real_process(tmp_path):
    garbage = tmp_path / "g.csv"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    for args in ([str(garbage)], [str(tmp_path / "missing.csv")], [str(tmp_path)]):
        proc = run_cli("analyze", *args)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith("nn-triage: ") and proc.stderr.count("\n") == 1


def test_text_output_has_a_plot_sparklines_and_evidence(cli):
    code, out, _ = cli("analyze", str(FIX / "lr_high_diverge" / "keras.csv"), "--classes", "10")
    assert code == 0
    assert "keras_csv, 30 rows" in out
    assert "┤" in out and "•" in out and "○" in out and "(log scale)" in out
    assert "▁" in out                              # accuracy sparklines
    assert "Symptoms detected" in out and "loss_diverging at epoch" in out
    assert "Checked, not seen:" in out and "Not checkable from this log:" in out


def test_text_output_of_a_healthy_run(cli):
    code, out, _ = cli("analyze", str(FIX / "healthy_adam" / "keras.csv"), "--classes", "10")
    assert code == 0 and "No symptom detected." in out


def test_text_output_marks_non_finite_values(cli):
    _, out, _ = cli("analyze", str(FIX / "nan_div_zero" / "hf.jsonl"))
    assert "! not finite" in out


def test_control_characters_from_the_log_never_reach_the_terminal(cli, tmp_path):
    p = tmp_path / "evil.csv"
    p.write_text('epoch,"loss\x1b]0;pwned\x07",val_loss\n' + "".join(f"{i},2.3,2.3\n" for i in range(10)))
    code, out, _ = cli("analyze", str(p), "--column", "loss=loss\x1b]0;pwned\x07")
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "loss?]0;pwned?" in out
    _, js, _ = cli("analyze", str(p), "--column", "loss=loss\x1b]0;pwned\x07", "--format", "json")
    assert "\x1b" not in js and "\\u001b" in js


def test_analyze_does_not_import_textual_or_rich():
    probe = ("import sys, io, contextlib\nfrom tui.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    main(['analyze', {str(FIX / 'frozen' / 'keras.csv')!r}])\n"
             "print('textual' in sys.modules, 'rich' in sys.modules)")
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False False"
