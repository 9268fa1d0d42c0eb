"""Symptom detectors over the series of one log.

Every threshold is a named constant below, with where it comes from; docs/log-detectors.md explains
each detector. General rules:

- Windows and guards are fractions of the log's own points (per-step and per-epoch logs alike),
  never fixed step counts.
- Losses and gradient norms are compared in relative terms (ratios, or fractions of the starting
  level), never as absolute values, except where a published rule is absolute (1e-7 for vanishing
  gradient norms).
- Noisy per-step curves are smoothed with a zero-phase, debiased exponential moving average whose
  span grows with the number of points (`smooth`); per-epoch curves are left almost as they are.
- Each detection carries the measured value, the threshold, and a confidence: 0.5 at the
  threshold, rising to 1.0 when the value is well past it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .model import Detected
from .series import Series

# --- smoothing ---------------------------------------------------------------------------------
SMOOTH_POINTS_PER_SPAN = 30   # EMA span = points / 30 (1 for a 30-epoch log, ~23 for 690 steps)
SMOOTH_MAX_SPAN = 64
MIN_POINTS = 5                # fewer points than this: curve detectors do not judge

# --- loss curve shape --------------------------------------------------------------------------
START_POINTS = 3              # the starting level: median of the first 3 points (fewer if 5 % is less)
START_FRACTION = 0.05
END_FRACTION = 0.10           # the final level: median of the last 10 % of points (at least 1)
FLAT_MAX_DROP = 0.05          # loss_flat: best level < 5 % below the start (TDC Loss.NonDecreasing 5 %)
DIVERGE_WINDOW = 0.20         # loss_diverging: the last 20 % of the finite points ...
DIVERGE_RATIO = 2.0           # ... sit >= 2x above the best level before them (TDC: x2 growth)
DIVERGE_MIN_RISE = 0.10       # ... and the rise is >= 10 % of the starting level (not noise near 0)
LATE_FROM = 0.60              # "late": the last 40 % of the points
PLATEAU_LATE_SHARE = 0.10     # loss_plateau_high: the last 40 % change the loss by < 10 % of its total drop ...
PLATEAU_HIGH = 0.25           # ... and the final level is >= 25 % of the start (or of ln C)
SLOW_LATE_SHARE = 0.25        # loss_slow: >= 25 % of the decrease still happens late (steady) ...
SLOW_MAX_DROP = 0.50          # ... but the loss lost less than half of its starting value
SLOW_MIN_DROP = FLAT_MAX_DROP
PREFIX_SHARE = 0.50           # shape detectors judge a loss that stops being finite only if >= 50 % is finite
OSC_GUARD = 0.25              # loss_oscillating: on the per-epoch curve, after its first 25 % ...
OSC_MIN_POINTS = 6            # ... (at least 6 points left)
OSC_AMPLITUDE = 0.05          # ... mean |epoch-to-epoch change| >= 5 % of the first epoch's loss
OSC_SIGN_CHANGES = 0.30       # ... with direction changes in >= 30 % of the moves (AT ol_judge)
COARSE_MAX = 40               # logs without epochs: per-step values averaged into <= 40 bins ...
COARSE_PER_BIN = 8            # ... of >= 8 values each
INIT_HIGH = 1.5               # initial_loss_off: first loss > 1.5 ln C (reference §2.1, Karpathy) ...
INIT_LOW = 0.5                # ... or < 0.5 ln C
INIT_MAX_STEP = 10            # ... judged only when the first value was logged by step 10
INIT_LOW_MAX_STEP = 1         # ... (the "too low" side only at step 0 or 1: training lowers it fast)

# --- accuracy -----------------------------------------------------------------------------------
CHANCE_MARGIN = 0.10          # acc_at_chance: accuracy <= chance + min(chance, 0.10) ...
CHANCE_QUANTILE = 0.90        # ... for 90 % of the (smoothed) points after the guard
GUARD = 0.10                  # first 10 % of the points are skipped where a guard applies
GAP_ACC = 0.10                # val_much_worse_than_train: train - val accuracy >= 0.10 (AT test_not_well)
GAP_ACC_HIGH = 0.07           # ... or >= 0.07 when train accuracy > 0.9 (AT)
GOOD_TRAIN = 0.50             # ... and train accuracy is good: >= chance + 50 % of the way to 1
GAP_LOSS = 0.25               # without accuracy: val - train loss >= 25 % of ln C (else of the start) ...
GAP_LOSS_RATIO = 2.0          # ... and val >= 2x train, with train loss <= 30 % of that scale (good)
POOR_ACC = 0.60               # train_and_val_poor: accuracy < chance + 60 % of the way to 1 (AT Θ=0.6)
POOR_LOSS = 0.30              # ... a split without accuracy: final loss >= 30 % of ln C (else of the start)

# --- gradients ------------------------------------------------------------------------------------
VANISH_ABS = 1e-7             # gradients_vanishing: median gradient norm < 1e-7 (SMD, DeepDiagnosis)
VANISH_RATIO = 1e-3           # ... or first / last layer < 1e-3 (AUTOTRAINER beta1) ...
VANISH_FIRST = 1e-4           # ... with the first layer < 1e-4 (AUTOTRAINER beta2)
EXPLODE_RATIO = 70.0          # gradients_exploding: first / last layer > 70 (AUTOTRAINER beta3)
EXPLODE_GROWTH = 100.0        # ... or the smoothed norm grows >= 100x above its starting level
EXPLODE_SPIKE = 20.0          # ... or a norm >= 20x the median of its neighbours (GTP: clip spikes)
SPIKE_WINDOW = 0.05           # neighbours: 5 % of the points on each side (at least 3)
EXPLODE_ABS = 1e6             # ... or any norm >= 1e6 (TDC Gradient.Exploding)

# --- classes and activations ----------------------------------------------------------------------
CONSTANT_SHARE = 0.95         # constant_prediction: one class gets >= 95 % of predictions (SMD Confusion)
LATE_CLASS = 0.30             # per-class values: median over the last 30 % of points
IGNORED_RECALL = 0.10         # minority_classes_ignored: classes with recall <= 0.10 ...
GOOD_RECALL = 0.50            # ... while at least two classes have recall >= 0.50 ...
IGNORED_MAX_SHARE = 0.50      # ... and the ignored ones are at most half of the classes
IGNORED_PRED_SHARE = 0.01     # (prediction shares only: a class that gets < 1 % of predictions)
SATURATED = 0.50              # activations_saturated: > 50 % saturated or dead in a layer (SMD)


@dataclass
class Curves:
    """The series chosen for each role."""

    loss: Series | None = None
    loss_epoch: Series | None = None
    val_loss: Series | None = None
    acc: Series | None = None
    val_acc: Series | None = None
    lr: Series | None = None
    grad: Series | None = None
    grad_layers: list[Series] = field(default_factory=list)
    per_class: dict[str, dict[str, Series]] = field(default_factory=dict)
    saturation: list[Series] = field(default_factory=list)
    classes: int | None = None
    x_unit: str = "step"


@dataclass
class NotSeen:
    id: str


@dataclass
class Unknown:
    id: str
    why: str


# ----------------------------------------------------------------------------------------------
# helpers


def fmt(x: float) -> str:
    if x is None or not math.isfinite(x):
        return {math.inf: "inf", -math.inf: "-inf"}.get(x, "nan")
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 1e5 or ax < 1e-3:
        return f"{x:.2e}"
    return f"{x:.3g}"


def pct(x: float) -> str:
    return f"{x * 100:.0f}%" if abs(x) >= 0.01 else f"{x * 100:.1g}%"


def smooth(v: np.ndarray, span: float | None = None) -> np.ndarray:
    """Zero-phase exponential moving average (forward, then backward), debiased at the edges as
    TensorBoard does. `span` defaults to len / SMOOTH_POINTS_PER_SPAN."""
    n = len(v)
    if span is None:
        span = min(SMOOTH_MAX_SPAN, n / SMOOTH_POINTS_PER_SPAN)
    if span <= 1 or n < 3:
        return v.astype(np.float64, copy=True)
    a = 2.0 / (span + 1.0)

    def ema(x: np.ndarray) -> np.ndarray:
        out = np.empty_like(x, dtype=np.float64)
        acc = 0.0
        weight = 0.0
        keep = 1.0 - a
        for i, xi in enumerate(x.tolist()):
            acc = keep * acc + a * xi
            weight = keep * weight + a
            out[i] = acc / weight
        return out

    return ema(ema(v)[::-1])[::-1]


def confidence(ratio: float, full: float) -> float:
    """0.5 at the threshold (ratio 1), 1.0 once the value is `full` times past it (log scale)."""
    if not math.isfinite(ratio):
        return 1.0
    if ratio <= 1:
        return 0.5
    return float(min(1.0, 0.5 + 0.5 * math.log(ratio) / math.log(full)))


class Trace:
    """The finite points of a series with their smoothing; works in log space for positive data."""

    def __init__(self, s: Series, values: np.ndarray | None = None, idx: np.ndarray | None = None):
        self.s = s
        if values is None:
            idx, v = s.finite()
        else:
            v = values
        self.idx = idx
        self.v = v
        self.n = len(v)
        self.log = bool(self.n) and bool((v > 0).all())
        t = np.log(v) if self.log else v
        self.t = t
        sm = smooth(t) if self.n else t
        self.sm = np.exp(sm) if self.log else sm

    def _level(self, values: np.ndarray) -> float:
        if not len(values):
            return math.nan
        if self.log:
            return float(np.exp(np.median(np.log(values))))
        return float(np.median(values))

    def start(self) -> float:
        return self._level(self.v[:min(START_POINTS, max(1, int(self.n * START_FRACTION)))])

    def end(self, fraction: float = END_FRACTION) -> float:
        return self._level(self.v[-max(1, int(round(self.n * fraction))):])

    def at(self, fraction: float) -> float:
        return float(self.sm[min(self.n - 1, max(0, int(round(fraction * (self.n - 1)))))])

    def where(self, k: int) -> int:
        """Point index in the series of the k-th finite value."""
        return int(self.idx[min(max(k, 0), self.n - 1)])


def position(s: Series, i: int, unit: str) -> tuple[float | None, float | None, str]:
    """(step, epoch, words) of point i of a series."""
    i = min(max(i, 0), len(s) - 1)
    step = float(s.step[i]) if len(s) else math.nan
    epoch = float(s.epoch[i]) if len(s) else math.nan
    ep = None if not math.isfinite(epoch) else epoch
    ep_txt = "" if ep is None else (f"{int(ep)}" if float(ep).is_integer() else f"{ep:.2f}")
    if math.isfinite(step):
        label = "row" if unit == "row" else "step"
        text = f"{label} {int(step) if step.is_integer() else step}"
        if ep is not None:
            text += f" (epoch {ep_txt})"
        return step, ep, text
    if ep is not None:
        return ep, ep, f"epoch {ep_txt}"
    return float(i), None, f"point {i}"


def _detected(id_: str, evidence: str, s: Series, i: int, unit: str, *, value=None, threshold=None,
              conf: float = 1.0) -> Detected:
    step, epoch, _ = position(s, i, unit)
    return Detected(id_, evidence, step, epoch, conf, value, threshold, s.name)


def _chance(c: Curves) -> float | None:
    return 1.0 / c.classes if c.classes and c.classes >= 2 else None


# ----------------------------------------------------------------------------------------------
# loss curve


def loss_nan(c: Curves):
    checked = [s for s in (c.loss, c.val_loss, c.loss_epoch) if s is not None]
    if not checked:
        return Unknown("loss_nan", "no loss column")
    hits = [s for s in checked if s.n_bad]
    if not hits:
        return NotSeen("loss_nan")

    def first_pos(s: Series):
        bad = np.flatnonzero(s.bad > 0)
        return int(bad[0])

    s = min(hits, key=lambda h: (h.first_bad[1] if h.first_bad and math.isfinite(h.first_bad[1])
                                 else math.inf, h is not c.loss))
    value, step, epoch = s.first_bad
    _, _, where = position(s, first_pos(s), c.x_unit)
    if math.isfinite(step):
        label = "row" if c.x_unit == "row" else "step"
        where = f"{label} {int(step) if float(step).is_integer() else step}" + (
            f" (epoch {int(epoch) if float(epoch).is_integer() else epoch})" if math.isfinite(epoch) else "")
    elif math.isfinite(epoch):
        where = f"epoch {int(epoch) if float(epoch).is_integer() else epoch}"
    words = f"{s.name} is {fmt(value)} from {where}; {s.n_bad} of {s.n} values are not finite"
    if s.last_finite:
        words += f"; the last finite value was {fmt(s.last_finite[0])}"
    d = _detected("loss_nan", words, s, first_pos(s), c.x_unit, value=float(s.n_bad), threshold=1)
    if math.isfinite(step):
        d.step = step
    d.epoch = epoch if math.isfinite(epoch) else d.epoch
    return d


def _train_trace(c: Curves, id_: str):
    """The finite training-loss trace for a shape detector, or Unknown(why not)."""
    if c.loss is None:
        return Unknown(id_, "no training loss column")
    prefix = c.loss.finite_prefix()
    if len(prefix) < PREFIX_SHARE * len(c.loss):
        _, _, where = position(c.loss, len(prefix), c.x_unit)
        return Unknown(id_, f"the loss stops being finite at {where}, too early to judge its shape")
    tr = Trace(prefix)
    if tr.n < MIN_POINTS:
        return Unknown(id_, f"only {tr.n} finite training-loss values")
    return tr


def loss_diverging(c: Curves):
    if c.loss is None:
        return Unknown("loss_diverging", "no training loss column")
    tr = Trace(c.loss.finite_prefix())
    if tr.n < 4:
        return Unknown("loss_diverging", f"only {tr.n} finite loss values before it stops being finite")
    w = max(1, int(round(tr.n * DIVERGE_WINDOW)))
    head = tr.sm[:tr.n - w]
    if not len(head):
        return NotSeen("loss_diverging")
    kbest = int(np.argmin(head))
    best = float(head[kbest])
    end = tr.end(DIVERGE_WINDOW)
    start = tr.start()
    rise = end - best
    if tr.log:
        ratio = end / best
    else:
        ratio = math.inf if rise > 0 and rise >= abs(start - best) else 0.0
    if ratio >= DIVERGE_RATIO and rise >= DIVERGE_MIN_RISE * abs(start):
        after = np.flatnonzero(tr.sm[kbest:] >= DIVERGE_RATIO * best) if tr.log else np.array([])
        k = kbest + (int(after[0]) if len(after) else 0)
        _, _, at_best = position(c.loss, tr.where(kbest), c.x_unit)
        _, _, at_end = position(c.loss, tr.where(tr.n - 1), c.x_unit)
        words = (f"{c.loss.name} climbs from its best {fmt(best)} ({at_best}) to {fmt(end)} over the last "
                 f"{pct(DIVERGE_WINDOW)} of the run (to {at_end}): {fmt(ratio)}x, threshold {fmt(DIVERGE_RATIO)}x")
        if c.loss.n_bad:
            words += ", then stops being finite"
        return _detected("loss_diverging", words, c.loss, tr.where(k), c.x_unit, value=ratio,
                         threshold=DIVERGE_RATIO, conf=confidence(ratio / DIVERGE_RATIO, 5))
    return NotSeen("loss_diverging")


@dataclass
class Shape:
    """Numbers that describe the training-loss curve (finite part)."""

    start: float
    end: float
    best: float
    drop: float          # (start - best) / |start|
    total: float         # (start - end) / |start|
    late: float          # share of the decrease start -> end that happens in the last 40 % (0 if noise)
    late_rel: float      # (level around 60 % - end) / |level around 60 %|


def shape(tr: Trace) -> Shape:
    """Shape numbers, measured on the curve at about epoch resolution (`coarse`), so that per-step
    and per-epoch logs of the same run give the same answer. A late change smaller than twice its
    standard error (noise estimated from point-to-point moves) counts as no change."""
    values, last = coarse(tr)
    tr = Trace(tr.s, values, tr.idx[last])
    n = tr.n
    w = max(1, int(round(n * (1 - LATE_FROM) / 2)))
    start, end = tr.start(), tr._level(values[-w:])
    m0 = min(max(0, int(round(n * LATE_FROM)) - w // 2), max(0, n - 2 * w))
    mid = tr._level(values[m0:m0 + w])
    best = float(np.min(tr.sm))
    scale = abs(start) or 1.0
    total = start - end
    noise = float(np.median(np.abs(np.diff(values)))) / 0.954 if n > 2 else 0.0
    change = mid - end
    if abs(change) < 2 * noise * math.sqrt(2 / w):
        change = 0.0
    late = change / total if total > 0 else 0.0
    return Shape(start, end, best, (start - best) / scale, total / scale, late, change / (abs(mid) or 1.0))


def _acc_learned(c: Curves) -> float | None:
    """Best smoothed training (else validation) accuracy, normalised: 0 at chance, 1 perfect."""
    s = c.acc or c.val_acc
    if s is None:
        return None
    tr = Trace(s)
    if not tr.n:
        return None
    chance = _chance(c) or 0.0
    return (float(np.max(tr.sm)) - chance) / (1 - chance)


def loss_flat(c: Curves):
    tr = _train_trace(c, "loss_flat")
    if isinstance(tr, Unknown):
        return tr
    sh = shape(tr)
    learned = _acc_learned(c)
    if sh.drop < FLAT_MAX_DROP and not (learned is not None and learned >= GOOD_TRAIN) and not _diverged(c):
        _, _, at_end = position(c.loss, tr.where(tr.n - 1), c.x_unit)
        words = (f"{c.loss.name} starts at {fmt(sh.start)} and up to {at_end} never falls more than "
                 f"{pct(max(sh.drop, 0))} below it (best {fmt(sh.best)}, last {fmt(sh.end)}; threshold "
                 f"{pct(FLAT_MAX_DROP)})")
        conf = 1.0 if sh.drop <= 0 else 0.5 + 0.5 * (1 - sh.drop / FLAT_MAX_DROP)
        return _detected("loss_flat", words, c.loss, tr.where(tr.n - 1), c.x_unit, value=sh.drop,
                         threshold=FLAT_MAX_DROP, conf=conf)
    return NotSeen("loss_flat")


def _diverged(c: Curves) -> bool:
    return isinstance(loss_diverging(c), Detected)


def loss_plateau_high(c: Curves):
    tr = _train_trace(c, "loss_plateau_high")
    if isinstance(tr, Unknown):
        return tr
    sh = shape(tr)
    if sh.drop < FLAT_MAX_DROP or _diverged(c):
        return NotSeen("loss_plateau_high")
    ln_c = math.log(c.classes) if c.classes and c.classes >= 2 else None
    high_vs_start = sh.end / sh.start if sh.start > 0 else 0.0
    high = high_vs_start >= PLATEAU_HIGH or (ln_c is not None and sh.end >= PLATEAU_HIGH * ln_c)
    if high and abs(sh.late) < PLATEAU_LATE_SHARE:
        k = int(np.argmax(tr.sm <= sh.end * 1.05)) if tr.log else tr.n - 1
        ref = f"{pct(high_vs_start)} of its start {fmt(sh.start)}"
        if ln_c is not None and high_vs_start < PLATEAU_HIGH:
            ref = f"{fmt(sh.end / ln_c)}x ln({c.classes}) = {fmt(ln_c)}"
        _, _, at_k = position(c.loss, tr.where(k), c.x_unit)
        words = (f"{c.loss.name} falls from {fmt(sh.start)} then stalls at {fmt(sh.end)} from {at_k} ({ref}); only "
                 f"{pct(abs(sh.late))} of its decrease comes (or goes) in the last {pct(1 - LATE_FROM)} of the run "
                 f"(threshold {pct(PLATEAU_LATE_SHARE)})")
        conf = 0.5 + 0.5 * min(1.0, (PLATEAU_LATE_SHARE - abs(sh.late)) / PLATEAU_LATE_SHARE)
        return _detected("loss_plateau_high", words, c.loss, tr.where(k), c.x_unit, value=sh.late,
                         threshold=PLATEAU_LATE_SHARE, conf=conf)
    return NotSeen("loss_plateau_high")


def loss_slow(c: Curves):
    tr = _train_trace(c, "loss_slow")
    if isinstance(tr, Unknown):
        return tr
    sh = shape(tr)
    if _diverged(c) or sh.drop < SLOW_MIN_DROP:
        return NotSeen("loss_slow")
    if sh.total < SLOW_MAX_DROP and sh.late >= SLOW_LATE_SHARE:
        _, _, at_end = position(c.loss, tr.where(tr.n - 1), c.x_unit)
        words = (f"{c.loss.name} falls steadily but only from {fmt(sh.start)} to {fmt(sh.end)} by {at_end} "
                 f"({pct(sh.total)} of its start, threshold under {pct(SLOW_MAX_DROP)}); "
                 f"{pct(sh.late)} of that comes in the last {pct(1 - LATE_FROM)} of the run: still falling")
        conf = 0.5 + 0.5 * min(1.0, (SLOW_MAX_DROP - sh.total) / SLOW_MAX_DROP)
        return _detected("loss_slow", words, c.loss, tr.where(tr.n - 1), c.x_unit, value=sh.total,
                         threshold=SLOW_MAX_DROP, conf=conf)
    return NotSeen("loss_slow")


def coarse(tr: Trace) -> tuple[np.ndarray, np.ndarray]:
    """The curve at about epoch resolution: (values, index of the last point of each group).
    Per-epoch means when the log says which epoch each value belongs to; otherwise, for long
    per-step logs, means of bins of >= COARSE_PER_BIN values (at most COARSE_MAX bins)."""
    ep = tr.s.epoch[tr.idx]
    known = np.isfinite(ep)
    if tr.n and known.mean() >= 0.5:
        e = ep[known]
        # integer epochs are indices (Keras, Lightning: 0 = the first epoch); fractional ones count
        # the epochs completed (Hugging Face: 1.0 = the end of the first epoch)
        e = np.floor(e) if np.all(e == np.floor(e)) else np.maximum(np.ceil(e) - 1, 0)
        v = tr.v[known]
        idx = np.flatnonzero(known)
        cuts = np.flatnonzero(np.diff(e)) + 1
        if len(cuts) + 1 >= 3 and len(v) >= 2 * (len(cuts) + 1):
            groups = np.split(np.arange(len(v)), cuts)
            return np.array([v[g].mean() for g in groups]), np.array([idx[g[-1]] for g in groups])
        if len(cuts) + 1 >= 3:
            return tr.v.copy(), np.arange(tr.n)
    if tr.n >= 2 * COARSE_PER_BIN * 4:
        bins = int(min(COARSE_MAX, max(8, tr.n // COARSE_PER_BIN)))
        edges = np.linspace(0, tr.n, bins + 1).astype(int)
        return (np.array([tr.v[a:b].mean() for a, b in zip(edges[:-1], edges[1:])]), edges[1:] - 1)
    return tr.v.copy(), np.arange(tr.n)


def oscillation(tr: Trace) -> tuple[float, float, int, int]:
    """(mean move relative to the first coarse value, share of direction changes, point of the
    largest move, coarse points judged)."""
    v, last = coarse(tr)
    g = int(len(v) * OSC_GUARD)
    part = v[g:]
    if len(part) < OSC_MIN_POINTS:
        return 0.0, 0.0, 0, len(part)
    d = np.diff(part)
    amp = float(np.mean(np.abs(d))) / (abs(float(v[0])) or 1.0)
    signs = np.sign(d[d != 0])
    changes = float(np.mean(signs[1:] != signs[:-1])) if len(signs) > 1 else 0.0
    return amp, changes, int(last[g + 1 + int(np.argmax(np.abs(d)))]), len(part)


def loss_oscillating(c: Curves):
    tr = _train_trace(c, "loss_oscillating")
    if isinstance(tr, Unknown):
        return tr
    amp, changes, k, judged = oscillation(tr)
    if judged < OSC_MIN_POINTS:
        return Unknown("loss_oscillating", f"only {judged} per-epoch loss values after the first "
                                           f"{pct(OSC_GUARD)} of the run")
    if amp >= OSC_AMPLITUDE and changes >= OSC_SIGN_CHANGES:
        words = (f"{c.loss.name} jumps up and down after the first {pct(OSC_GUARD)} of the run: it moves by "
                 f"{pct(amp)} of its first-epoch level on average from one epoch to the next (threshold "
                 f"{pct(OSC_AMPLITUDE)}), changing direction {pct(changes)} of the time")
        return _detected("loss_oscillating", words, c.loss, tr.where(k), c.x_unit, value=amp,
                         threshold=OSC_AMPLITUDE, conf=confidence(amp / OSC_AMPLITUDE, 4))
    return NotSeen("loss_oscillating")


def initial_loss_off(c: Curves):
    if c.loss is None:
        return Unknown("initial_loss_off", "no training loss column")
    if not c.classes or c.classes < 2:
        return Unknown("initial_loss_off", "the number of classes is unknown (give --classes N)")
    first = next(((v, st, ep) for v, st, ep in c.loss.head if math.isfinite(v)), None)
    if first is None:
        return Unknown("initial_loss_off", "no finite first loss value")
    value, step, epoch = first
    if not math.isfinite(step) or c.x_unit == "row":
        return Unknown("initial_loss_off", "the first loss value is an epoch average, not the loss "
                                           "at the first step")
    if step > INIT_MAX_STEP:
        return Unknown("initial_loss_off", f"the first loss value is logged at step {int(step)}, "
                                           f"after {INIT_MAX_STEP} steps of training")
    ln_c = math.log(c.classes)
    ratio = value / ln_c
    if ratio > INIT_HIGH or (ratio < INIT_LOW and step <= INIT_LOW_MAX_STEP):
        side = "above" if ratio > INIT_HIGH else "below"
        words = (f"the first {c.loss.name} is {fmt(value)} at step {int(step)}, {fmt(ratio)}x the "
                 f"{fmt(ln_c)} = ln({c.classes}) expected at chance (band {fmt(INIT_LOW)}-{fmt(INIT_HIGH)}x; "
                 f"{side} it)")
        far = ratio / INIT_HIGH if ratio > INIT_HIGH else INIT_LOW / max(ratio, 1e-12)
        return Detected("initial_loss_off", words, step, epoch if math.isfinite(epoch) else None,
                        confidence(far, 3), ratio, INIT_HIGH if ratio > INIT_HIGH else INIT_LOW, c.loss.name)
    return NotSeen("initial_loss_off")


# ----------------------------------------------------------------------------------------------
# accuracy and generalisation


def acc_at_chance(c: Curves):
    s = c.val_acc or c.acc
    if s is None:
        return Unknown("acc_at_chance", "no accuracy column")
    chance = _chance(c)
    if chance is None:
        return Unknown("acc_at_chance", "the number of classes is unknown (give --classes N)")
    tr = Trace(s)
    if tr.n < 3:
        return Unknown("acc_at_chance", f"only {tr.n} accuracy values")
    g = int(tr.n * GUARD)
    level = float(np.quantile(tr.sm[g:], CHANCE_QUANTILE))
    limit = chance + min(chance, CHANCE_MARGIN)
    if level <= limit:
        _, _, at_end = position(s, tr.where(tr.n - 1), c.x_unit)
        words = (f"{s.name} stays at {fmt(level)} or below in {pct(CHANCE_QUANTILE)} of the run (last "
                 f"{fmt(tr.end())} at {at_end}); chance with {c.classes} classes is {fmt(chance)}, "
                 f"threshold {fmt(limit)}")
        return _detected("acc_at_chance", words, s, tr.where(tr.n - 1), c.x_unit, value=level,
                         threshold=limit, conf=0.5 + 0.5 * min(1.0, (limit - level) / (limit - chance)))
    return NotSeen("acc_at_chance")


def _late(s: Series, fraction: float = 0.2) -> tuple[float, int]:
    tr = Trace(s)
    if not tr.n:
        return math.nan, 0
    return tr.end(fraction), tr.where(tr.n - 1)


def _loss_scale(c: Curves, train: Series) -> tuple[float, str]:
    """The loss a model at chance has: ln C when the classes are known, else the starting loss."""
    if c.classes and c.classes >= 2:
        return math.log(c.classes), f"ln({c.classes})"
    return abs(Trace(c.loss or train).start()), "the starting loss"


def val_much_worse_than_train(c: Curves):
    chance = _chance(c) or 0.0
    if c.acc is not None and c.val_acc is not None:
        if min(Trace(c.acc).n, Trace(c.val_acc).n) < 3:
            return Unknown("val_much_worse_than_train", "fewer than 3 accuracy values")
        train, _ = _late(c.acc)
        val, k = _late(c.val_acc)
        gap = train - val
        need = GAP_ACC_HIGH if train > 0.9 else GAP_ACC
        good = (train - chance) / (1 - chance) >= GOOD_TRAIN
        if good and gap >= need:
            _, _, where = position(c.val_acc, k, c.x_unit)
            words = (f"{c.val_acc.name} {fmt(val)} vs {c.acc.name} {fmt(train)} at {where}: a gap of "
                     f"{fmt(gap)} (threshold {fmt(need)})")
            return _detected("val_much_worse_than_train", words, c.val_acc, k, c.x_unit, value=gap,
                             threshold=need, conf=confidence(gap / need, 3))
        return NotSeen("val_much_worse_than_train")
    train_s = c.loss_epoch or c.loss
    if train_s is None or c.val_loss is None:
        return Unknown("val_much_worse_than_train", "needs training and validation loss or accuracy")
    if min(Trace(train_s).n, Trace(c.val_loss).n) < 3:
        return Unknown("val_much_worse_than_train", "fewer than 3 validation values")
    train, _ = _late(train_s)
    val, k = _late(c.val_loss)
    scale, scale_name = _loss_scale(c, train_s)
    gap = val - train
    if scale > 0 and gap >= GAP_LOSS * scale and val >= GAP_LOSS_RATIO * train and train <= POOR_LOSS * scale:
        _, _, where = position(c.val_loss, k, c.x_unit)
        words = (f"{c.val_loss.name} {fmt(val)} vs {train_s.name} {fmt(train)} at {where}: a gap of "
                 f"{fmt(gap)}, {pct(gap / scale)} of {scale_name} = {fmt(scale)} (threshold {pct(GAP_LOSS)})")
        return _detected("val_much_worse_than_train", words, c.val_loss, k, c.x_unit, value=gap / scale,
                         threshold=GAP_LOSS, conf=confidence(gap / scale / GAP_LOSS, 3))
    return NotSeen("val_much_worse_than_train")


def train_and_val_poor(c: Curves):
    """Both splits poor at the end; each judged by accuracy if logged, else by loss."""
    chance = _chance(c) or 0.0
    acc_limit = chance + POOR_ACC * (1 - chance)
    judged: list[tuple[str, Series, float, bool, str]] = []   # split, series, value, poor, words
    for split, acc, loss in (("train", c.acc, c.loss_epoch or c.loss), ("val", c.val_acc, c.val_loss)):
        if acc is not None and Trace(acc).n:
            v, _ = _late(acc)
            judged.append((split, acc, v, v < acc_limit, f"{acc.name} {fmt(v)}"))
        elif loss is not None and Trace(loss.finite_prefix()).n >= 3:
            v, _ = _late(loss.finite_prefix(), END_FRACTION)
            scale, scale_name = _loss_scale(c, loss)
            judged.append((split, loss, v, v >= POOR_LOSS * scale, f"{loss.name} {fmt(v)}"))
    if not judged:
        return Unknown("train_and_val_poor", "no accuracy or loss values")
    if not any(split == "val" for split, *_ in judged):
        return Unknown("train_and_val_poor", "no validation loss or accuracy")
    if not all(poor for *_, poor, _ in judged):
        return NotSeen("train_and_val_poor")
    said = " and ".join(words for *_, words in judged)
    rules = []
    if any(s.name in {x.name for x in (c.acc, c.val_acc) if x is not None} for _, s, *_ in judged):
        rules.append(f"accuracy below {fmt(acc_limit)}" + (f" (chance {fmt(chance)} + {pct(POOR_ACC)} of "
                                                           "the way to 1)" if chance else ""))
    if any(s.name not in {x.name for x in (c.acc, c.val_acc) if x is not None} for _, s, *_ in judged):
        scale, scale_name = _loss_scale(c, c.loss or judged[0][1])
        rules.append(f"loss at least {pct(POOR_LOSS)} of {scale_name} = {fmt(scale)}")
    s = judged[-1][1]
    _, _, at_end = position(s, len(s) - 1, c.x_unit)
    words = f"{said} at the end ({at_end}; {'; '.join(rules)})"
    return _detected("train_and_val_poor", words, s, len(s) - 1, c.x_unit, value=judged[-1][2],
                     threshold=acc_limit if s in (c.acc, c.val_acc) else POOR_LOSS, conf=0.75)


# ----------------------------------------------------------------------------------------------
# gradients


def _layer_levels(c: Curves) -> list[tuple[Series, float]]:
    out = []
    for s in c.grad_layers:
        tr = Trace(s)
        if tr.n:
            out.append((s, float(np.median(tr.v[int(tr.n * GUARD):] if tr.n > 3 else tr.v))))
    return out


def gradients_vanishing(c: Curves):
    if c.grad is None and len(c.grad_layers) < 1:
        return Unknown("gradients_vanishing", "no gradient norms logged")
    if c.grad is not None:
        tr = Trace(c.grad)
        if tr.n:
            med = float(np.median(tr.v[int(tr.n * GUARD):])) if tr.n > 3 else float(np.median(tr.v))
            if med < VANISH_ABS:
                _, _, at_end = position(c.grad, tr.where(tr.n - 1), c.x_unit)
                words = (f"{c.grad.name} median {fmt(med)} from the first {pct(GUARD)} of the run to {at_end} "
                         f"(threshold {fmt(VANISH_ABS)})")
                return _detected("gradients_vanishing", words, c.grad, tr.where(tr.n - 1), c.x_unit,
                                 value=med, threshold=VANISH_ABS, conf=confidence(VANISH_ABS / max(med, 1e-300), 100))
    levels = _layer_levels(c)
    if len(levels) >= 2:
        (first, g1), (last, gl) = levels[0], levels[-1]
        ratio = g1 / gl if gl > 0 else math.inf
        if ratio < VANISH_RATIO and g1 < VANISH_FIRST:
            _, _, at_end = position(first, len(first) - 1, c.x_unit)
            words = (f"the first layer's gradient norm ({first.name}) is {fmt(g1)}, {fmt(ratio)}x the last "
                     f"layer's ({last.name}, {fmt(gl)}), medians up to {at_end}; thresholds: ratio < "
                     f"{fmt(VANISH_RATIO)} and first < {fmt(VANISH_FIRST)}")
            return _detected("gradients_vanishing", words, first, len(first) - 1, c.x_unit, value=ratio,
                             threshold=VANISH_RATIO, conf=confidence(VANISH_RATIO / max(ratio, 1e-300), 100))
    return NotSeen("gradients_vanishing")


def _spikes(tr: Trace) -> tuple[float, int]:
    """Largest ratio of a norm to the median of its neighbours, and where."""
    n = tr.n
    if n < 7:
        return 0.0, 0
    w = max(3, int(n * SPIKE_WINDOW))
    v = tr.v
    pad = np.pad(v, w, mode="edge")
    from numpy.lib.stride_tricks import sliding_window_view

    win = sliding_window_view(pad, 2 * w + 1)
    neigh = np.concatenate([win[:, :w], win[:, w + 1:]], axis=1)
    med = np.median(neigh, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(med > 0, v / med, 0.0)
    k = int(np.argmax(r))
    return float(r[k]), k


def gradients_exploding(c: Curves):
    if c.grad is None and not c.grad_layers:
        return Unknown("gradients_exploding", "no gradient norms logged")
    for s in [c.grad] if c.grad is not None else []:
        if s.n_posinf:
            i = int(np.flatnonzero(s.bad > 0)[0])
            words = f"{s.name} reaches inf ({s.n_posinf} of {s.n} values)"
            return _detected("gradients_exploding", words, s, i, c.x_unit, value=math.inf,
                             threshold=EXPLODE_ABS)
        tr = Trace(s)
        if tr.n < MIN_POINTS:
            continue
        top = float(np.max(tr.v))
        if top >= EXPLODE_ABS:
            k = int(np.argmax(tr.v))
            words = f"{s.name} reaches {fmt(top)} (threshold {fmt(EXPLODE_ABS)})"
            return _detected("gradients_exploding", words, s, tr.where(k), c.x_unit, value=top,
                             threshold=EXPLODE_ABS, conf=confidence(top / EXPLODE_ABS, 100))
        start = tr.start()
        peak = float(np.max(tr.sm))
        growth = peak / start if start > 0 else 0.0
        if growth >= EXPLODE_GROWTH:
            k = int(np.argmax(tr.sm))
            words = (f"{s.name} grows from {fmt(start)} to {fmt(peak)} (smoothed), {fmt(growth)}x "
                     f"(threshold {fmt(EXPLODE_GROWTH)}x)")
            return _detected("gradients_exploding", words, s, tr.where(k), c.x_unit, value=growth,
                             threshold=EXPLODE_GROWTH, conf=confidence(growth / EXPLODE_GROWTH, 10))
        spike, k = _spikes(tr)
        if spike >= EXPLODE_SPIKE:
            words = (f"{s.name} spikes to {fmt(float(tr.v[k]))}, {fmt(spike)}x the median of its "
                     f"neighbours (threshold {fmt(EXPLODE_SPIKE)}x)")
            return _detected("gradients_exploding", words, s, tr.where(k), c.x_unit, value=spike,
                             threshold=EXPLODE_SPIKE, conf=confidence(spike / EXPLODE_SPIKE, 5))
    levels = _layer_levels(c)
    if len(levels) >= 2:
        (first, g1), (last, gl) = levels[0], levels[-1]
        ratio = g1 / gl if gl > 0 else math.inf
        if ratio > EXPLODE_RATIO:
            _, _, at_end = position(first, len(first) - 1, c.x_unit)
            words = (f"the first layer's gradient norm ({first.name}, {fmt(g1)}) is {fmt(ratio)}x the last "
                     f"layer's ({last.name}, {fmt(gl)}), medians up to {at_end}; threshold {fmt(EXPLODE_RATIO)}x")
            return _detected("gradients_exploding", words, first, len(first) - 1, c.x_unit, value=ratio,
                             threshold=EXPLODE_RATIO, conf=confidence(ratio / EXPLODE_RATIO, 10))
    return NotSeen("gradients_exploding")


# ----------------------------------------------------------------------------------------------
# predictions per class, activations


def _late_class(per: dict[str, Series]) -> dict[str, float]:
    out = {}
    for key, s in per.items():
        tr = Trace(s)
        if tr.n:
            out[key] = float(np.median(tr.v[-max(1, int(round(tr.n * LATE_CLASS))):]))
    return out


def _constant(c: Curves) -> tuple[str, float, str, Series] | None:
    shares = _late_class(c.per_class.get("pred_share", {}))
    if shares:
        key = max(shares, key=shares.get)
        if shares[key] >= CONSTANT_SHARE:
            return key, shares[key], "of the predictions", c.per_class["pred_share"][key]
    counts = _late_class(c.per_class.get("pred_count", {}))
    if counts and sum(counts.values()) > 0:
        total = sum(counts.values())
        key = max(counts, key=counts.get)
        if counts[key] / total >= CONSTANT_SHARE:
            return key, counts[key] / total, "of the predictions", c.per_class["pred_count"][key]
    recall = _late_class(c.per_class.get("recall", {}))
    if len(recall) >= 2:
        key = max(recall, key=recall.get)
        others = [v for k, v in recall.items() if k != key]
        if recall[key] >= CONSTANT_SHARE and max(others) <= 1 - CONSTANT_SHARE:
            return key, recall[key], "recall while every other class has recall <= %s" % fmt(max(others)), \
                c.per_class["recall"][key]
    return None


def constant_prediction(c: Curves):
    if not any(m in c.per_class for m in ("pred_share", "pred_count", "recall")):
        return Unknown("constant_prediction", "no per-class recall or prediction shares logged")
    hit = _constant(c)
    if hit is None:
        return NotSeen("constant_prediction")
    key, share, what, s = hit
    _, _, at_end = position(s, len(s) - 1, c.x_unit)
    words = (f"class {key} gets {pct(share)} {what} over the last {pct(LATE_CLASS)} of the run, up to {at_end} "
             f"({s.name}; threshold {pct(CONSTANT_SHARE)})")
    return _detected("constant_prediction", words, s, len(s) - 1, c.x_unit, value=share,
                     threshold=CONSTANT_SHARE,
                     conf=0.5 + 0.5 * min(1.0, (share - CONSTANT_SHARE) / (1 - CONSTANT_SHARE)))


def minority_classes_ignored(c: Curves):
    recall = _late_class(c.per_class.get("recall", {}))
    shares = _late_class(c.per_class.get("pred_share", {}))
    if len(recall) < 2 and len(shares) < 2:
        return Unknown("minority_classes_ignored", "no per-class recall or prediction shares logged")
    if _constant(c) is not None:
        return NotSeen("minority_classes_ignored")
    if len(recall) >= 2:
        ignored = sorted((k for k, v in recall.items() if v <= IGNORED_RECALL), key=_class_order)
        good = [k for k, v in recall.items() if v >= GOOD_RECALL]
        source = c.per_class["recall"]
        what = "recall"
        values = recall
        limit = IGNORED_RECALL
    else:
        n = len(shares)
        ignored = sorted((k for k, v in shares.items() if v < IGNORED_PRED_SHARE), key=_class_order)
        good = [k for k, v in shares.items() if v >= 0.5 / n]
        source = c.per_class["pred_share"]
        what = "share of predictions"
        values = shares
        limit = IGNORED_PRED_SHARE
    total = len(values)
    if ignored and len(good) >= 2 and len(ignored) <= IGNORED_MAX_SHARE * total:
        shown = ", ".join(f"class {k} ({source[k].name} {fmt(values[k])})" for k in ignored)
        s0 = source[ignored[0]]
        _, _, at_end = position(s0, len(s0) - 1, c.x_unit)
        words = (f"{len(ignored)} of {total} classes have {what} <= {fmt(limit)} at {at_end}: {shown}; "
                 f"{len(good)} classes are above {fmt(GOOD_RECALL) if what == 'recall' else 'half their share'}")
        s = source[ignored[0]]
        return _detected("minority_classes_ignored", words, s, len(s) - 1, c.x_unit,
                         value=float(len(ignored)), threshold=1, conf=0.5 + 0.5 * min(1.0, len(good) / total * 2))
    return NotSeen("minority_classes_ignored")


def _class_order(key: str):
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def activations_saturated(c: Curves):
    if not c.saturation:
        return Unknown("activations_saturated", "no activation statistics logged")
    worst = None
    for s in c.saturation:
        tr = Trace(s)
        if not tr.n:
            continue
        level = float(np.median(tr.v[tr.n // 2:]))
        if worst is None or level > worst[1]:
            worst = (s, level, tr)
    if worst is None:
        return Unknown("activations_saturated", "no activation values")
    s, level, tr = worst
    if level > SATURATED:
        _, _, at_end = position(s, tr.where(tr.n - 1), c.x_unit)
        words = (f"{s.name} is {pct(level)} over the second half of the run, up to {at_end} (threshold "
                 f"{pct(SATURATED)} of the layer's units)")
        return _detected("activations_saturated", words, s, tr.where(tr.n - 1), c.x_unit, value=level,
                         threshold=SATURATED, conf=0.5 + 0.5 * min(1.0, (level - SATURATED) / (1 - SATURATED)))
    return NotSeen("activations_saturated")


DETECTORS = (
    loss_nan, loss_diverging, loss_flat, loss_plateau_high, loss_oscillating, loss_slow, initial_loss_off,
    acc_at_chance, val_much_worse_than_train, train_and_val_poor, gradients_vanishing, gradients_exploding,
    constant_prediction, minority_classes_ignored, activations_saturated,
)
