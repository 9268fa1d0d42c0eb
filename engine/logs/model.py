"""The result of analysing a log: what was read, what was detected, with the numbers behind it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: every symptom a log can show, in the order detectors run and results are listed
LOG_SYMPTOMS = (
    "loss_nan", "loss_diverging", "loss_flat", "loss_plateau_high", "loss_oscillating", "loss_slow",
    "initial_loss_off", "acc_at_chance", "val_much_worse_than_train", "train_and_val_poor",
    "gradients_vanishing", "gradients_exploding", "constant_prediction", "minority_classes_ignored",
    "activations_saturated",
)


def _num(x):
    """A JSON-safe number: ints stay ints, non-finite floats become None."""
    if x is None:
        return None
    if isinstance(x, bool):
        return x
    x = float(x)
    if not math.isfinite(x):
        return None
    return int(x) if x.is_integer() and abs(x) < 2 ** 53 else round(x, 6)


@dataclass
class Detected:
    """One symptom seen in the log."""

    id: str
    evidence: str               # words with numbers: "val_loss 2.31 vs loss 0.04 at epoch 30"
    step: float | None          # where it shows, in the log's own steps (its epoch if it has only epochs)
    epoch: float | None = None  # the epoch there, when the log says
    confidence: float = 1.0     # 0.5 at the threshold, 1.0 well past it
    value: float | None = None  # the measured value the threshold is applied to
    threshold: float | None = None
    series: str | None = None   # the column it was measured on

    def to_json(self) -> dict:
        return {"id": self.id, "evidence": self.evidence, "step": _num(self.step),
                "epoch": _num(self.epoch), "confidence": round(self.confidence, 2),
                "value": _num(self.value), "threshold": _num(self.threshold), "series": self.series}


@dataclass
class Curve:
    """A downsampled series for plotting: x positions and values (None where not finite)."""

    name: str
    x: list[float]
    y: list[float | None]
    kind: str = "loss"          # loss (plotted together), or acc / grad (sparklines)


@dataclass
class Analysis:
    """What `analyze_path` found in one log."""

    file: str
    format: str
    rows: int
    series: list[str]                       # every column / tag in the log, in order
    symptoms: list[Detected]                # only the detected ones
    roles: dict[str, str] = field(default_factory=dict)       # role -> column it was read from
    classes: int | None = None
    classes_from: str | None = None         # "--classes", "per-class columns", "binary accuracy"
    checked: list[str] = field(default_factory=list)          # evaluated and not seen
    not_checked: dict[str, str] = field(default_factory=dict)  # id -> why it could not be evaluated
    x_unit: str = "step"                    # what `step` counts: step, epoch or row
    curves: list[Curve] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.symptoms]

    def get(self, symptom_id: str) -> Detected | None:
        return next((s for s in self.symptoms if s.id == symptom_id), None)

    def to_json(self) -> dict:
        """The `analyze --format json` contract: file, format, rows, series, symptoms (+ extras)."""
        return {
            "file": self.file,
            "format": self.format,
            "rows": self.rows,
            "series": list(self.series),
            "symptoms": [s.to_json() for s in self.symptoms],
            "roles": dict(self.roles),
            "classes": self.classes,
            "classes_from": self.classes_from,
            "x_unit": self.x_unit,
            "checked": list(self.checked),
            "not_checked": dict(self.not_checked),
        }
