"""Reading training logs: every format, NaN/Inf spellings, column roles, streaming storage."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from engine.logs import LogError, analyze_path
from engine.logs.columns import classify
from engine.logs.series import SeriesBuilder

FIX = ROOT / "tests" / "fixtures" / "logs"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# formats, on the committed fixtures


@pytest.mark.parametrize("rel, fmt, roles", [
    ("healthy_adam/keras.csv", "keras_csv",
     {"loss": "loss", "val_loss": "val_loss", "acc": "accuracy", "val_acc": "val_accuracy", "lr": "learning_rate"}),
    ("healthy_adam/lightning/metrics.csv", "lightning_csv",
     {"loss": "train_loss_step", "loss_epoch": "train_loss_epoch", "val_loss": "val_loss",
      "acc": "train_acc_epoch", "val_acc": "val_acc", "lr": "lr-Adam", "grad_norm": "grad_2.0_norm_total"}),
    ("healthy_adam/fastai.csv", "fastai_csv",
     {"loss": "train_loss", "val_loss": "valid_loss", "val_acc": "accuracy"}),
    ("healthy_adam/hf.jsonl", "jsonl",
     {"loss": "loss", "val_loss": "eval_loss", "val_acc": "eval_accuracy", "lr": "learning_rate",
      "grad_norm": "grad_norm"}),
])
def test_each_text_format_is_recognised_with_its_columns(rel, fmt, roles):
    a = analyze_path(FIX / rel, classes=10)
    assert a.format == fmt
    assert a.roles == roles
    assert a.rows > 0 and a.series
    assert a.symptoms == []   # a healthy run reports nothing, in every format


def test_keras_csv_positions_are_epochs_and_lightning_positions_are_steps():
    k = analyze_path(FIX / "overfit" / "keras.csv", classes=10)
    assert k.x_unit == "epoch" and k.rows == 150
    d = k.get("val_much_worse_than_train")
    assert d.step == 149 and d.epoch == 149 and "epoch 149" in d.evidence
    lt = analyze_path(FIX / "lr_high_nan_mse" / "lightning" / "metrics.csv")
    assert lt.x_unit == "step"
    nan = lt.get("loss_nan")
    assert nan.step == 20 and nan.epoch == 0 and "step 20 (epoch 0)" in nan.evidence


def test_lightning_sparse_rows_are_not_read_as_nan(tmp_path):
    """Blank cells mean "not logged at this step", never NaN."""
    p = write(tmp_path / "metrics.csv",
              "train_loss_step,epoch,step,val_loss\n2.3,0,0,\n2.2,0,1,\n,0,1,2.25\n2.0,1,2,\n,1,2,2.1\n")
    a = analyze_path(p)
    assert a.format == "lightning_csv"
    assert "loss_nan" not in a.ids and "loss_nan" in a.checked


@pytest.mark.parametrize("spelling", ["nan", "NaN", "NAN", "-nan", "inf", "-inf", "Infinity", "-Infinity", "+inf"])
def test_nan_and_inf_as_frameworks_print_them(tmp_path, spelling):
    p = write(tmp_path / "log.csv", "epoch,loss,val_loss\n0,2.3,2.3\n1,1.5,1.6\n2," + spelling + ",2.0\n")
    d = analyze_path(p).get("loss_nan")
    assert d is not None and d.step == 2 and "epoch 2" in d.evidence


def test_json_lines_nan_infinity_and_string_numbers(tmp_path):
    p = write(tmp_path / "log.jsonl", '{"step": 0, "loss": 2.3}\n{"step": 1, "loss": "1.9"}\n'
                                      '{"step": 2, "loss": NaN}\n{"step": 3, "loss": Infinity}\n')
    d = analyze_path(p).get("loss_nan")
    assert d.step == 2 and "2 of 4 values are not finite" in d.evidence


def test_generic_csv_semicolon_tabs_bom_crlf_and_quotes(tmp_path):
    body = "iteration;train_loss;valid_loss\r\n" + "".join(f"{i};{2.3 - i * 0.01};{2.3 - i * 0.008}\r\n"
                                                            for i in range(40))
    a = analyze_path(write(tmp_path / "a.csv", "\ufeff" + body))
    assert a.roles["loss"] == "train_loss" and a.rows == 40 and a.x_unit == "step"
    tsv = "step\tloss\n" + "".join(f"{i}\t{1.0 / (i + 1)}\n" for i in range(30))
    assert analyze_path(write(tmp_path / "b.tsv", tsv)).roles["loss"] == "loss"
    quoted = '"step","loss","note"\n' + "".join(f'{i},{2.0 - i * 0.01},"a, b"\n' for i in range(30))
    a = analyze_path(write(tmp_path / "c.csv", quoted))
    assert a.rows == 30 and a.roles == {"loss": "loss"}


def test_csv_without_step_or_epoch_counts_rows(tmp_path):
    a = analyze_path(write(tmp_path / "a.csv", "loss\n" + "\n".join(str(2.3) for _ in range(20)) + "\n"))
    assert a.x_unit == "row"
    assert "row 19" in a.get("loss_flat").evidence


def test_json_documents_trainer_state_and_keras_history(tmp_path):
    hist = {"loss": [2.0 - 0.05 * i for i in range(30)], "val_loss": [2.1 - 0.04 * i for i in range(30)],
            "accuracy": [0.3 + 0.02 * i for i in range(30)], "val_accuracy": [0.3 + 0.015 * i for i in range(30)]}
    a = analyze_path(write(tmp_path / "history.json", json.dumps(hist)))
    assert a.format == "keras_history_json" and a.rows == 30 and a.x_unit == "epoch"
    state = {"log_history": [{"loss": 2.3 - 0.01 * i, "step": i * 10, "epoch": i / 10} for i in range(40)]}
    a = analyze_path(write(tmp_path / "trainer_state.json", json.dumps(state, indent=2)))
    assert a.format == "hf_trainer_state" and a.rows == 40 and a.roles["loss"] == "loss"


def test_column_override_reads_an_unusual_name(tmp_path):
    p = write(tmp_path / "a.csv", "it,objective,holdout_objective\n" +
              "".join(f"{i},{2.3},{2.3}\n" for i in range(20)))
    with pytest.raises(LogError, match="no loss, accuracy or gradient column"):
        analyze_path(p)
    a = analyze_path(p, columns={"loss": "objective", "val_loss": "holdout_objective", "step": "it"})
    assert a.roles == {"loss": "objective", "val_loss": "holdout_objective"}
    assert "loss_flat" in a.ids and a.x_unit == "step"


def test_folder_with_one_metrics_csv_is_read(tmp_path):
    run = tmp_path / "lightning_logs" / "version_0"
    run.mkdir(parents=True)
    (run / "hparams.yaml").write_text("lr: 0.1\n")
    (run / "metrics.csv").write_text((FIX / "frozen" / "lightning" / "metrics.csv").read_text())
    a = analyze_path(tmp_path, classes=10)
    assert a.format == "lightning_csv" and "loss_flat" in a.ids


def test_classes_are_inferred_from_per_class_columns_and_binary_accuracy(tmp_path):
    a = analyze_path(FIX / "constant_prediction" / "keras.csv")
    assert (a.classes, a.classes_from) == (10, "per-class columns")
    assert "acc_at_chance" in a.ids
    p = write(tmp_path / "b.csv", "epoch,loss,binary_accuracy\n" + "".join(
        f"{i},{0.69},{0.5}\n" for i in range(20)))
    assert analyze_path(p).classes == 2


def test_fastai_error_rate_is_read_as_validation_accuracy(tmp_path):
    rows = "".join(f"{i},{2.3},{2.3},{0.9},00:01\n" for i in range(10))
    a = analyze_path(write(tmp_path / "f.csv", "epoch,train_loss,valid_loss,error_rate,time\n" + rows), classes=10)
    assert a.roles["val_acc"] == "error_rate" and "acc_at_chance" in a.ids


# ---------------------------------------------------------------------------------------------
# TensorBoard (optional extra)


def test_tensorboard_run_folder_and_event_file():
    pytest.importorskip("tensorboard")
    folder = FIX / "lr_high_nan_mse" / "tb"
    a = analyze_path(folder)
    assert a.format == "tensorboard" and a.x_unit == "step"
    assert a.roles["loss"] == "train/loss" and a.roles["val_loss"] == "val/loss"
    assert {"loss_nan", "loss_diverging", "gradients_exploding"} <= set(a.ids)
    event_file = next(folder.glob("events.out.tfevents.*"))
    assert analyze_path(event_file).ids == a.ids


def test_tensorboard_subfolders_become_prefixes(tmp_path):
    pytest.importorskip("tensorboard")
    tb = pytest.importorskip("torch.utils.tensorboard", reason="needs torch to write event files",
                             exc_type=ImportError)
    writer = tb.SummaryWriter(log_dir=str(tmp_path))
    for step in range(40):
        writer.add_scalars("loss", {"train": 2.3, "val": 2.3}, step)
    writer.close()
    a = analyze_path(tmp_path)
    assert a.roles["loss"] == "loss_train/loss" and a.roles["val_loss"] == "loss_val/loss"
    assert "loss_flat" in a.ids


# ---------------------------------------------------------------------------------------------
# column names


@pytest.mark.parametrize("name, kind, split", [
    ("loss", "loss", ""), ("val_loss", "loss", "val"), ("train_loss_step", "loss", "train"),
    ("eval_loss", "loss", "val"), ("valid_loss", "loss", "val"), ("Loss/train", "loss", "train"),
    ("accuracy", "acc", ""), ("val_accuracy", "acc", "val"), ("sparse_categorical_accuracy", "acc", ""),
    ("lr-Adam", "lr", ""), ("learning_rate", "lr", ""), ("grad_2.0_norm_total", "grad", ""),
    ("grad_2.0_norm/fc1.weight", "grad_layer", ""), ("train/grad_norm", "grad", "train"),
    ("val_recall_3", "per_class", "val"), ("eval_pred_share/7", "per_class", "val"),
    ("act_saturation/1", "act_saturation", ""), ("dead_relu_fraction", "act_dead", ""),
    ("error_rate", "err", ""), ("epoch", "epoch", ""), ("global_step", "step", ""),
])
def test_column_roles(name, kind, split):
    role = classify(name)
    assert role is not None and (role.kind, role.split) == (kind, split)


@pytest.mark.parametrize("name", ["time", "loss_scale", "val_top5_acc", "recall", "precision_macro",
                                  "train_runtime", "total_flos", ""])
def test_columns_nn_triage_does_not_use(name):
    assert classify(name) is None


# ---------------------------------------------------------------------------------------------
# streaming, bounded storage


def test_series_builder_keeps_bounded_buckets_with_exact_statistics(monkeypatch):
    import engine.logs.series as series

    monkeypatch.setattr(series, "MAX_POINTS", 64)
    rng = np.random.default_rng(0)
    b = series.SeriesBuilder("x")
    chunks = [rng.normal(size=int(k)) for k in rng.integers(1, 5000, size=60)]
    chunks[7][3] = np.nan
    chunks[20][0] = np.inf
    for i, c in enumerate(chunks):
        b.add(c, np.arange(len(c), dtype=float), np.full(len(c), float(i)))
        assert b._nbuckets < 2 * 64 + len(c)   # never grows with the log
    s = b.build()
    values = np.concatenate(chunks)
    finite = values[np.isfinite(values)]
    assert len(s) <= 2 * 64 and s.n == len(values) == int(s.count.sum())
    assert (s.n_nan, s.n_posinf) == (1, 1)
    assert math.isnan(s.first_bad[0]) and s.first_bad[2] == 7
    assert np.nanmin(s.lo) == finite.min() and np.nanmax(s.hi) == finite.max()
    total = np.nansum(s.y * (s.count - s.bad))
    assert total == pytest.approx(finite.sum())
    assert s.head[0][0] == values[0]


def test_a_long_log_is_analysed_from_bucketed_points(tmp_path, monkeypatch):
    import engine.logs.series as series

    monkeypatch.setattr(series, "MAX_POINTS", 32)
    n = 20_000
    loss = 2.3 * np.exp(-np.arange(n) / 3000) + 0.05
    loss[15_000] = np.nan
    lines = "".join(f"{i},{v!r}\n" for i, v in enumerate(loss.tolist()))
    a = analyze_path(write(tmp_path / "long.csv", "step,loss\n" + lines))
    assert a.rows == n
    d = a.get("loss_nan")
    assert d.step == 15_000 and "1 of 20000 values" in d.evidence


def test_series_builder_single_short_chunk():
    b = SeriesBuilder("x")
    b.add(np.array([3.0, 2.0, 1.0]), np.array([0.0, 1, 2]), np.full(3, np.nan))
    s = b.build()
    assert s.y.tolist() == [3.0, 2.0, 1.0] and s.step.tolist() == [0.0, 1.0, 2.0]
