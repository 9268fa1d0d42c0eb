"""Every detector, positive and negative, on the committed fixture logs (real training runs with
injected faults, tests/fixtures/logs/generate.py), plus synthetic edge cases for each threshold."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import ROOT
from engine.logs import LOG_SYMPTOMS, analyze_path
from engine.logs import detectors as D

FIX = ROOT / "tests" / "fixtures" / "logs"
HAS_TB = True
try:
    import tensorboard  # noqa: F401
except ImportError:
    HAS_TB = False

# symptom: (logs that show it, logs that clearly do not); all analysed with --classes 10
CASES = {
    "loss_nan": (["lr_high_nan_mse/lightning/metrics.csv", "nan_div_zero/keras.csv"],
                 ["healthy_adam/lightning/metrics.csv", "lr_high_dead_relu/keras.csv"]),
    "loss_diverging": (["lr_high_diverge/keras.csv", "lr_high_nan_mse/hf.jsonl"],
                       ["lr_high_oscillate/keras.csv", "overfit/keras.csv"]),
    "loss_flat": (["frozen/lightning/metrics.csv", "vanishing_gradients/keras.csv"],
                  ["lr_low/keras.csv", "healthy_long/lightning/metrics.csv"]),
    "loss_plateau_high": (["underfit_tiny/hf.jsonl", "constant_prediction/lightning/metrics.csv"],
                          ["lr_low/keras.csv", "exploding_rnn/keras.csv"]),
    "loss_oscillating": (["lr_high_oscillate/lightning/metrics.csv", "exploding_rnn/keras.csv"],
                         ["healthy_long/lightning/metrics.csv", "lr_high_dead_relu/lightning/metrics.csv"]),
    "loss_slow": (["lr_low/hf.jsonl", "lr_low/keras.csv"],
                  ["underfit_tiny/keras.csv", "frozen/keras.csv"]),
    "initial_loss_off": (["bad_init_saturation/lightning/metrics.csv", "bad_init_saturation/hf.jsonl"],
                         ["healthy_adam/lightning/metrics.csv", "lr_high_dead_relu/hf.jsonl"]),
    "acc_at_chance": (["labels_shuffled/keras.csv", "frozen/hf.jsonl"],
                      ["lr_high_diverge/keras.csv", "lr_low/keras.csv"]),
    "val_much_worse_than_train": (["overfit/keras.csv", "bad_init_saturation/hf.jsonl"],
                                  ["healthy_tanh/keras.csv", "constant_prediction/keras.csv"]),
    "train_and_val_poor": (["underfit_tiny/keras.csv", "frozen/hf.jsonl"],
                           ["labels_shuffled/hf.jsonl", "class_imbalance/fastai.csv"]),
    "gradients_vanishing": (["vanishing_gradients/lightning/metrics.csv", "vanishing_gradients/hf.jsonl"],
                            ["healthy_adam/lightning/metrics.csv", "frozen/lightning/metrics.csv"]),
    "gradients_exploding": (["exploding_rnn/lightning/metrics.csv", "lr_high_nan_mse/hf.jsonl"],
                            ["healthy_long/lightning/metrics.csv", "nan_div_zero/lightning/metrics.csv"]),
    "constant_prediction": (["constant_prediction/keras.csv", "constant_prediction/lightning/metrics.csv"],
                            ["frozen/lightning/metrics.csv", "class_imbalance/lightning/metrics.csv"]),
    "minority_classes_ignored": (["class_imbalance/keras.csv", "class_imbalance/hf.jsonl"],
                                 ["healthy_adam/lightning/metrics.csv", "labels_shuffled/lightning/metrics.csv",
                                  "frozen/keras.csv"]),
    "activations_saturated": (["bad_init_saturation/lightning/metrics.csv"],
                              ["vanishing_gradients/lightning/metrics.csv", "healthy_tanh/hf.jsonl",
                               "healthy_adam/lightning/metrics.csv"]),
}
TB_CASES = {
    "loss_oscillating": "lr_high_oscillate/tb", "gradients_exploding": "exploding_rnn/tb",
    "gradients_vanishing": "vanishing_gradients/tb", "minority_classes_ignored": "class_imbalance/tb",
    "activations_saturated": "bad_init_saturation/tb", "loss_plateau_high": "underfit_tiny/tb",
}


def test_every_log_symptom_is_in_the_vocabulary_and_has_cases():
    vocab = yaml.safe_load((ROOT / "knowledge" / "vocabulary.yaml").read_text())
    assert set(LOG_SYMPTOMS) <= set(vocab["symptoms"])
    assert set(CASES) == set(LOG_SYMPTOMS) == {d.__name__ for d in D.DETECTORS}


@pytest.mark.parametrize("symptom, rel", [(s, r) for s, (pos, _) in CASES.items() for r in pos])
def test_detector_fires(symptom, rel):
    a = analyze_path(FIX / rel, classes=10)
    d = a.get(symptom)
    assert d is not None, f"{symptom} not detected in {rel}: {a.ids}"
    assert d.series in a.series
    assert re.search(r"\d", d.evidence) and d.series in d.evidence
    assert d.step is not None and 0.5 <= d.confidence <= 1.0


@pytest.mark.parametrize("symptom, rel", [(s, r) for s, (_, neg) in CASES.items() for r in neg])
def test_detector_stays_quiet(symptom, rel):
    a = analyze_path(FIX / rel, classes=10)
    assert symptom not in a.ids
    assert symptom in a.checked, a.not_checked.get(symptom)   # judged, not skipped


@pytest.mark.skipif(not HAS_TB, reason="the tensorboard extra is not installed")
@pytest.mark.parametrize("symptom, rel", sorted(TB_CASES.items()))
def test_detectors_on_tensorboard_runs(symptom, rel):
    assert symptom in analyze_path(FIX / rel, classes=10).ids


@pytest.mark.parametrize("run", ["healthy_adam", "healthy_tanh", "healthy_sgd", "healthy_long"])
def test_healthy_runs_report_nothing_in_any_format(run):
    for rel in ("keras.csv", "lightning/metrics.csv", "hf.jsonl", "fastai.csv") + (("tb",) if HAS_TB else ()):
        assert analyze_path(FIX / run / rel, classes=10).symptoms == [], rel


def test_what_a_log_cannot_show_is_reported_as_not_checked():
    a = analyze_path(FIX / "bad_init_saturation" / "keras.csv", classes=10)
    assert "initial_loss_off" in a.not_checked and "epoch average" in a.not_checked["initial_loss_off"]
    assert "no gradient norms logged" in a.not_checked["gradients_exploding"]
    b = analyze_path(FIX / "vanishing_gradients" / "keras.csv")   # no --classes, no per-class columns
    assert "acc_at_chance" in b.not_checked and "--classes" in b.not_checked["acc_at_chance"]
    assert set(a.ids) | set(a.checked) | set(a.not_checked) == set(LOG_SYMPTOMS)


def test_nan_run_shape_detectors_do_not_judge_a_short_finite_prefix():
    a = analyze_path(FIX / "nan_div_zero" / "lightning" / "metrics.csv", classes=10)
    assert "loss_slow" in a.not_checked and "stops being finite" in a.not_checked["loss_slow"]


def test_evidence_is_words_with_numbers():
    a = analyze_path(FIX / "overfit" / "keras.csv", classes=10)
    ev = a.get("val_much_worse_than_train").evidence
    assert re.fullmatch(r"val_accuracy 0\.\d+ vs accuracy 1 at epoch 149: a gap of 0\.\d+ \(threshold 0\.07\)", ev)


# ---------------------------------------------------------------------------------------------
# synthetic logs, one threshold at a time


def csv_log(tmp_path: Path, name: str, columns: dict[str, list[float]]) -> Path:
    keys = list(columns)
    n = max(len(v) for v in columns.values())
    lines = [",".join(keys)]
    for i in range(n):
        lines.append(",".join("" if i >= len(columns[k]) or columns[k][i] is None else repr(columns[k][i])
                              for k in keys))
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def test_flat_threshold_is_five_percent(tmp_path):
    epochs = list(range(30))
    dips = {0.03: True, 0.08: False}
    for drop, flat in dips.items():
        loss = [2.3 - 2.3 * drop * min(1, i / 5) for i in epochs]
        a = analyze_path(csv_log(tmp_path, f"f{drop}.csv", {"epoch": epochs, "loss": loss}))
        assert ("loss_flat" in a.ids) is flat, (drop, a.ids)


def test_diverging_needs_a_sustained_doubling(tmp_path):
    epochs = list(range(30))
    up = [2.0 * math.exp(-i / 4) + 0.1 for i in range(20)] + [0.1 * 3 ** (j / 3) for j in range(1, 11)]
    spike = [2.0 * math.exp(-i / 4) + 0.1 for i in range(30)]
    spike[27] = 5.0   # one spike in the last 20 %: not a sustained rise
    assert "loss_diverging" in analyze_path(csv_log(tmp_path, "d.csv", {"epoch": epochs, "loss": up})).ids
    assert "loss_diverging" not in analyze_path(csv_log(tmp_path, "s.csv", {"epoch": epochs, "loss": spike})).ids


def test_initial_loss_band_and_its_step_guard(tmp_path):
    steps = list(range(50))
    def log(first_step, first):
        loss = [first] + [2.0 - 0.01 * i for i in range(49)]
        return csv_log(tmp_path, f"i{first_step}_{first}.csv", {"step": [first_step + s for s in steps], "loss": loss})
    assert "initial_loss_off" in analyze_path(log(0, 9.0), classes=10).ids        # 3.9 ln 10
    assert "initial_loss_off" not in analyze_path(log(0, 3.0), classes=10).ids    # 1.3 ln 10
    assert "initial_loss_off" in analyze_path(log(0, 0.4), classes=10).ids        # 0.17 ln 10 at step 0
    assert "initial_loss_off" not in analyze_path(log(5, 0.4), classes=10).ids    # low, but after 5 steps
    a = analyze_path(log(50, 9.0), classes=10)
    assert "initial_loss_off" in a.not_checked and "step 50" in a.not_checked["initial_loss_off"]


def test_acc_at_chance_uses_the_number_of_classes(tmp_path):
    epochs = list(range(20))
    acc = [0.12] * 20
    p = csv_log(tmp_path, "a.csv", {"epoch": epochs, "loss": [2.3] * 20, "val_accuracy": acc})
    assert "acc_at_chance" in analyze_path(p, classes=10).ids        # chance 0.1, limit 0.2
    assert "acc_at_chance" not in analyze_path(p, classes=20).ids    # chance 0.05, limit 0.1 < 0.12
    d = analyze_path(p, classes=2).get("acc_at_chance")              # chance 0.5, limit 0.6
    assert d is not None and d.threshold == pytest.approx(0.6)


def test_vanishing_by_global_norm_below_1e7(tmp_path):
    steps = list(range(60))
    p = csv_log(tmp_path, "v.csv", {"step": steps, "loss": [2.3] * 60, "grad_norm": [3e-8] * 60})
    d = analyze_path(p).get("gradients_vanishing")
    assert d is not None and d.value == pytest.approx(3e-8) and d.threshold == 1e-7
    q = csv_log(tmp_path, "w.csv", {"step": steps, "loss": [2.3] * 60, "grad_norm": [3e-6] * 60})
    assert "gradients_vanishing" not in analyze_path(q).ids


def test_exploding_by_absolute_norm_growth_inf_and_layer_ratio(tmp_path):
    steps = list(range(60))
    loss = [2.3 - 0.01 * i for i in steps]
    big = csv_log(tmp_path, "a.csv", {"step": steps, "loss": loss, "grad_norm": [1.0] * 59 + [2e6]})
    assert "gradients_exploding" in analyze_path(big).ids
    inf = csv_log(tmp_path, "b.csv", {"step": steps, "loss": loss, "grad_norm": [1.0] * 50 + [math.inf] * 10})
    assert "reaches inf" in analyze_path(inf).get("gradients_exploding").evidence
    growth = csv_log(tmp_path, "c.csv", {"step": steps, "loss": loss, "grad_norm": [1.12 ** i for i in steps]})
    assert "grows from" in analyze_path(growth).get("gradients_exploding").evidence
    layers = csv_log(tmp_path, "d.csv", {"step": steps, "loss": loss, "grad_norm/layer0": [80.0] * 60,
                                         "grad_norm/layer1": [5.0] * 60, "grad_norm/layer2": [1.0] * 60})
    d = analyze_path(layers).get("gradients_exploding")
    assert d.value == pytest.approx(80.0) and "grad_norm/layer0" in d.evidence
    steady = csv_log(tmp_path, "e.csv", {"step": steps, "loss": loss, "grad_norm": [1.0 + 0.5 * (i % 3) for i in steps]})
    assert "gradients_exploding" in analyze_path(steady).checked


def test_constant_prediction_from_prediction_counts(tmp_path):
    epochs = list(range(10))
    cols = {"epoch": epochs, "loss": [2.3] * 10}
    for k in range(4):
        cols[f"val_pred_count_{k}"] = [97.0 if k == 2 else 1.0] * 10
    a = analyze_path(csv_log(tmp_path, "c.csv", cols))
    assert a.classes == 4 and "class 2 gets 97%" in a.get("constant_prediction").evidence


def test_minority_from_prediction_shares_only(tmp_path):
    epochs = list(range(10))
    cols = {"epoch": epochs, "loss": [1.0 - 0.05 * i for i in epochs]}
    shares = [0.3, 0.3, 0.395, 0.005]
    for k, v in enumerate(shares):
        cols[f"val_pred_share_{k}"] = [v] * 10
    d = analyze_path(csv_log(tmp_path, "m.csv", cols)).get("minority_classes_ignored")
    assert d is not None and "class 3 (val_pred_share_3 0.005)" in d.evidence


def test_saturation_threshold_is_half_the_layer(tmp_path):
    epochs = list(range(10))
    for level, hit in ((0.55, True), (0.45, False)):
        p = csv_log(tmp_path, f"s{level}.csv", {"epoch": epochs, "loss": [1.0] * 10,
                                                "act_saturation/fc1": [level] * 10})
        assert ("activations_saturated" in analyze_path(p).ids) is hit


def test_negative_losses_are_handled_in_linear_space(tmp_path):
    epochs = list(range(40))
    elbo = [-10.0 - 5 * (1 - math.exp(-i / 8)) for i in epochs]   # a falling negative loss
    a = analyze_path(csv_log(tmp_path, "n.csv", {"epoch": epochs, "loss": elbo}))
    assert not {"loss_flat", "loss_diverging", "loss_nan"} & set(a.ids)


def test_smoothing_is_zero_phase_and_keeps_constants():
    v = np.full(100, 3.0)
    assert np.allclose(D.smooth(v), v)
    ramp = np.arange(100.0)
    sm = D.smooth(ramp)
    assert abs(sm[50] - 50) < 1.0          # no lag in the middle
    noisy = 2 + np.random.default_rng(0).normal(0, 0.5, 900)
    assert np.std(D.smooth(noisy)) < 0.2   # noise is damped


def test_confidence_is_half_at_threshold_and_one_far_beyond():
    assert D.confidence(1.0, 4) == 0.5
    assert D.confidence(4.0, 4) == 1.0
    assert 0.5 < D.confidence(2.0, 4) < 1.0
    assert D.confidence(math.inf, 4) == 1.0
