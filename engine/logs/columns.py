"""What a logged column means, from its name alone.

Frameworks name the same thing differently: Keras `loss` / `val_loss`, Lightning `train_loss_step`
/ `val_loss`, Hugging Face `loss` / `eval_loss`, fastai `train_loss` / `valid_loss`, TensorBoard
tags `train/loss`, `Loss/val`. `classify(name)` maps a name to a `Role` (what it measures, on which
split, for which layer or class) or None for columns nn-triage does not use. Only columns with a
role are parsed, which also keeps reading fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

STEP_NAMES = {"step", "steps", "global_step", "globalstep", "iteration", "iterations", "iter", "it",
              "trainer/global_step", "train/global_step", "_step", "batch", "total_steps"}
EPOCH_NAMES = {"epoch", "epochs", "train/epoch", "trainer/epoch", "_epoch"}
VAL_TOKENS = {"val", "valid", "validation", "eval", "evaluation", "dev", "test", "holdout"}
TRAIN_TOKENS = {"train", "training", "trn"}
GRAIN_TOKENS = {"step", "epoch"}
#: qualifiers of a per-class metric that are averages, not a class
NOT_A_CLASS = {"macro", "micro", "weighted", "avg", "average", "mean", "step", "epoch", "total", "all"}
PER_CLASS_METRICS = {
    "recall": "recall", "precision": "precision", "f1": "f1",
    "pred_share": "pred_share", "pred_frac": "pred_share", "pred_fraction": "pred_share",
    "prediction_share": "pred_share", "predicted_share": "pred_share", "pred_dist": "pred_share",
    "pred_count": "pred_count", "predicted_count": "pred_count", "prediction_count": "pred_count",
}
#: names a user may give to --column, and the role kind + split each one means
OVERRIDES = {
    "loss": ("loss", "train"), "train_loss": ("loss", "train"),
    "val_loss": ("loss", "val"),
    "acc": ("acc", "train"), "accuracy": ("acc", "train"), "train_acc": ("acc", "train"),
    "val_acc": ("acc", "val"), "val_accuracy": ("acc", "val"),
    "lr": ("lr", ""), "grad_norm": ("grad", ""), "step": ("step", ""), "epoch": ("epoch", ""),
}


@dataclass(frozen=True)
class Role:
    """What a column measures. `kind` is one of: step, epoch, loss, acc, err, lr, grad,
    grad_layer, per_class, act_saturation, act_dead."""

    kind: str
    split: str = ""      # "train", "val" or "" (unsaid: Keras `loss` is training loss)
    key: str = ""        # layer or class; for loss / acc, a qualifier such as "cls" in `loss_cls`
    grain: str = ""      # "step" or "epoch" when the name says so (Lightning `_step` / `_epoch`)
    metric: str = ""     # for per_class: recall, precision, f1, pred_share or pred_count


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9@]+", name) if t]


def _split_of(tokens: list[str]) -> str:
    if any(t in VAL_TOKENS for t in tokens):
        return "val"
    if any(t in TRAIN_TOKENS for t in tokens):
        return "train"
    return ""


def _clean_key(text: str) -> str:
    return text.strip("/_.-: ")


@lru_cache(maxsize=4096)
def classify(name: str) -> Role | None:
    """The role of a column name, or None when nn-triage does not use it."""
    n = name.strip().lower()
    if not n:
        return None
    if n in STEP_NAMES:
        return Role("step")
    if n in EPOCH_NAMES:
        return Role("epoch")
    tokens = _tokens(n)
    split = _split_of(tokens)
    grain = tokens[-1] if tokens and tokens[-1] in GRAIN_TOKENS else ""

    # gradient norms: `grad_norm`, `grad_2.0_norm_total`, `grad_2.0_norm/fc1.weight`, `train/grad_norm`
    m = re.search(r"grad(?:ient)?s?[ _.\-]*(?:\d+(?:\.\d+)?[ _\-]*|l2[ _\-]*)?norms?", n)
    if m and "scale" not in tokens:
        layer = _clean_key(n[m.end():])
        prefix = _clean_key(n[:m.start()])
        if prefix and _split_of(_tokens(prefix)) and len(_tokens(prefix)) == 1:
            prefix = ""          # `train/grad_norm`: the prefix is the split, not a layer
        layer = _clean_key(f"{prefix}/{layer}" if prefix and layer else prefix or layer)
        if layer in ("", "total", "global", "all", "norm", "step", "epoch"):
            return Role("grad", split)
        return Role("grad_layer", split, key=layer)

    # activation statistics
    if "saturat" in n or re.search(r"(^|[^a-z])dead", n):
        kind = "act_saturation" if "saturat" in n else "act_dead"
        key = _clean_key(n.split("/", 1)[1]) if "/" in n else n
        return Role(kind, split, key=key)

    # per-class metrics: `val_recall_3`, `val_recall/3`, `recall_class_3`, `class_3_recall`, `eval_pred_share_7`
    flat = "_".join(tokens)
    for word, metric in PER_CLASS_METRICS.items():
        m = re.search(rf"(?:^|_)(?:[a-z]*?){word}(?:_class)?_([a-z0-9]+)$", flat) \
            or re.search(rf"(?:^|_)class_([a-z0-9]+)_{word}$", flat)
        if m and m.group(1) not in NOT_A_CLASS and m.group(1) not in VAL_TOKENS | TRAIN_TOKENS:
            return Role("per_class", split, key=m.group(1), metric=metric)

    # learning rate: `lr`, `lr-Adam`, `learning_rate`, `train/lr`
    if "lr" in tokens or "learning_rate" in flat or "learningrate" in flat:
        return Role("lr", split)

    # accuracy and error rate
    if any(t in ("top5", "acc5", "top_5") for t in tokens):
        return None
    if any(t in ("acc", "accuracy", "acc1", "top1", "acc@1") or t.endswith("accuracy") for t in tokens):
        key = "" if not any(t == "binary" for t in tokens) else "binary"
        return Role("acc", split, key=key, grain=grain)
    if flat in ("error_rate", "err", "top1_err", "error") or flat.endswith("_error_rate") \
            or flat.startswith("error_rate_"):
        return Role("err", split, grain=grain)

    # losses: `loss`, `val_loss`, `train_loss_step`, `eval_loss`, `loss/train`, `loss_cls`, `nll`
    if ("loss" in n or "nll" in tokens) and not {"scale", "scaler", "scaling"} & set(tokens):
        rest = [t for t in tokens if t not in VAL_TOKENS | TRAIN_TOKENS | GRAIN_TOKENS
                and t not in ("loss", "losses", "total", "nll", "avg", "mean", "running", "smooth", "smoothed")]
        return Role("loss", split, key="_".join(rest), grain=grain)
    return None
