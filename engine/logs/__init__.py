"""Training-log analysis: read a metrics log and detect the symptoms it shows.

    from engine.logs import analyze_path, LogError
    result = analyze_path(Path("metrics.csv"), classes=10)
    for s in result.symptoms:
        print(s.id, s.evidence, s.step)

Formats: Keras `CSVLogger` CSV, PyTorch Lightning `CSVLogger` `metrics.csv` (sparse rows), fastai
`CSVLogger`, generic CSV with common column names, JSON lines (e.g. Hugging Face `log_history`),
JSON documents (`trainer_state.json`, Keras `history.history`), and TensorBoard event files or run
folders (optional extra `tensorboard`). Reading is streamed and memory-bounded (`series.py`).
Detectors and their thresholds are in `detectors.py` and docs/log-detectors.md.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .columns import OVERRIDES, Role
from .detectors import DETECTORS, Curves, NotSeen, Unknown
from .errors import LogError
from .model import LOG_SYMPTOMS, Analysis, Curve, Detected
from .readers import Collector, read_csv, read_json, read_jsonl, sniff
from .series import Series

__all__ = ["analyze_path", "Analysis", "Detected", "LogError", "LOG_SYMPTOMS", "OVERRIDES", "Curve"]

PLOT_POINTS = 240   # points kept per curve for plotting


def analyze_path(path: Path, classes: int | None = None, columns: dict[str, str] | None = None) -> Analysis:
    """Read the log at `path` (a file, or a TensorBoard run folder / a folder with one metrics.csv)
    and detect symptoms. `classes`: the number of classes (for chance level and initial loss).
    `columns`: role -> column name, e.g. {"loss": "my_loss"} (roles: see `OVERRIDES`).
    Raises LogError with a one-line `file:line: message`."""
    path = Path(path)
    if classes is not None and classes < 2:
        raise LogError(f"{path}: --classes must be at least 2 (got {classes})")
    for role in columns or {}:
        if role not in OVERRIDES:
            raise LogError(f"{path}: unknown role {role!r} for --column; use one of: "
                           + ", ".join(sorted(OVERRIDES)))
    col = Collector(path, columns)
    fmt, source = _read(path, col)
    series = col.finish()
    curves, roles, classes_from = _select(series, col, classes)
    if not any(r.kind in ("loss", "acc", "err", "grad", "grad_layer", "per_class", "act_saturation",
                          "act_dead") for r in (col.role(n) for n in series)):
        shown = ", ".join(list(col.names)[:12]) + (", ..." if len(col.names) > 12 else "")
        raise LogError.at(source, f"no values in any loss, accuracy or gradient column (columns: {shown})")
    detected: list[Detected] = []
    checked: list[str] = []
    not_checked: dict[str, str] = {}
    for detector in DETECTORS:
        outcome = detector(curves)
        if isinstance(outcome, Detected):
            detected.append(outcome)
        elif isinstance(outcome, NotSeen):
            checked.append(outcome.id)
        elif isinstance(outcome, Unknown):
            not_checked[outcome.id] = outcome.why
    plot = [_curve(s, kind) for s, kind in ((curves.loss, "loss"), (curves.val_loss, "loss"),
                                            (curves.acc, "acc"), (curves.val_acc, "acc"),
                                            (curves.grad, "grad"), (curves.lr, "lr")) if s is not None]
    return Analysis(file=str(path), format=fmt, rows=col.rows, series=list(col.names), symptoms=detected,
                    roles=roles, classes=curves.classes, classes_from=classes_from, checked=checked,
                    not_checked=not_checked, x_unit=curves.x_unit, curves=plot)


def _read(path: Path, col: Collector) -> tuple[str, Path]:
    try:
        if path.is_dir():
            from .tensorboard import event_files, read_tensorboard

            if event_files(path):
                return read_tensorboard(path, col), path
            logs = sorted(p for p in path.rglob("metrics.csv") if p.is_file())
            if not logs:
                logs = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".csv", ".jsonl"))
            if len(logs) == 1:
                return _read(logs[0], col)
            if not logs:
                raise LogError(f"{path}: no TensorBoard event files (events.out.tfevents.*), metrics.csv, "
                               "CSV or JSON-lines log in this folder")
            shown = ", ".join(str(p.relative_to(path)) for p in logs[:4])
            raise LogError(f"{path}: several logs in this folder ({shown}{', ...' if len(logs) > 4 else ''}); "
                           "give one of them")
        if not path.exists():
            raise LogError(f"{path}: no such file or folder")
        kind = sniff(path)
        if kind == "tensorboard":
            from .tensorboard import read_tensorboard

            return read_tensorboard(path, col), path
        reader = {"csv": read_csv, "jsonl": read_jsonl, "json": read_json}[kind]
        return reader(path, col), path
    except PermissionError as exc:
        raise LogError(f"{path}: {exc.strerror or 'permission denied'}") from None
    except IsADirectoryError as exc:
        raise LogError(f"{path}: {exc.strerror or 'is a folder'}") from None
    except OSError as exc:
        raise LogError(f"{path}: {exc.strerror or exc}") from None
    except MemoryError:
        raise LogError(f"{path}: out of memory while reading") from None


def _select(series: dict[str, Series], col: Collector, classes: int | None):
    """Choose the series for each role; returns (Curves, role -> column, where classes came from)."""
    roles: dict[str, str] = {}
    by_role = [(name, col.role(name)) for name in series]
    forced = {(r.kind, r.split): name for name, r in col.forced.items() if name in series}

    def pick(kind: str, splits: tuple[str, ...], grain: str | None = None) -> Series | None:
        for split in splits:
            if (kind, split) in forced:
                return series[forced[(kind, split)]]
        cands = [(n, r) for n, r in by_role if r and r.kind == kind and r.split in splits]
        if not cands:
            return None
        plain = [(n, r) for n, r in cands if not r.key] or cands
        if grain is not None:
            plain = [(n, r) for n, r in plain if r.grain == grain]
            if not plain:
                return None
        if "val" in splits:   # prefer `val` names over `test` ones
            named_val = [(n, r) for n, r in plain if "test" not in n.lower()]
            plain = named_val or plain
        # most points first, then column order
        best = max(plain, key=lambda nr: (series[nr[0]].n, -list(series).index(nr[0])))
        return series[best[0]]

    c = Curves()
    c.loss = pick("loss", ("train", ""))
    epoch_loss = pick("loss", ("train", ""), grain="epoch")
    c.loss_epoch = epoch_loss if epoch_loss is not None and epoch_loss is not c.loss else None
    c.val_loss = pick("loss", ("val",))
    c.acc = pick("acc", ("train", "")) or _inverted(pick("err", ("train", "")))
    c.val_acc = pick("acc", ("val",)) or _inverted(pick("err", ("val",)))
    c.lr = pick("lr", ("", "train"))
    c.grad = pick("grad", ("", "train"))
    layers = [series[n] for n, r in by_role if r and r.kind == "grad_layer"]
    weights = [s for s in layers if not s.name.lower().endswith("bias")]
    c.grad_layers = weights or layers
    for split in ("val", "", "train"):
        per: dict[str, dict[str, Series]] = {}
        for n, r in by_role:
            if r and r.kind == "per_class" and r.split == split:
                per.setdefault(r.metric, {})[r.key] = series[n]
        if per:
            c.per_class = per
            break
    c.saturation = [series[n] for n, r in by_role if r and r.kind in ("act_saturation", "act_dead")]
    classes_from = None
    if classes:
        c.classes, classes_from = classes, "--classes"
    else:
        keys = max((len(v) for v in c.per_class.values()), default=0)
        if keys >= 2:
            c.classes, classes_from = keys, "per-class columns"
        elif any(r and r.kind == "acc" and r.key == "binary" for _, r in by_role):
            c.classes, classes_from = 2, "binary accuracy"
    c.x_unit = col.x_kind
    for role_name, s in (("loss", c.loss), ("loss_epoch", c.loss_epoch), ("val_loss", c.val_loss),
                         ("acc", c.acc), ("val_acc", c.val_acc), ("lr", c.lr), ("grad_norm", c.grad)):
        if s is not None:
            roles[role_name] = s.name
    return c, roles, classes_from


def _inverted(s: Series | None) -> Series | None:
    """An error-rate series as accuracy (1 - error)."""
    if s is None:
        return None
    return Series(s.name, 1 - s.y, 1 - s.hi, 1 - s.lo, s.bad, s.step, s.epoch, s.count, s.n, s.n_nan,
                  s.n_posinf, s.n_neginf, [(1 - v, st, ep) for v, st, ep in s.head], s.first_bad,
                  None if s.last_finite is None else (1 - s.last_finite[0],) + s.last_finite[1:], s.stride)


def _curve(s: Series, kind: str) -> Curve:
    k = max(1, math.ceil(len(s) / PLOT_POINTS))
    idx = np.arange(0, len(s), k)
    x = s.step if np.isfinite(s.step).any() else (s.epoch if np.isfinite(s.epoch).any() else
                                                  np.arange(len(s), dtype=float))
    ys = []
    for i in idx:
        part = s.y[i:i + k]
        fin = part[np.isfinite(part)]
        ys.append(float(fin.mean()) if len(fin) and not (s.bad[i:i + k] > 0).any() else None)
    return Curve(s.name, [float(v) if math.isfinite(v) else float(i) for i, v in zip(idx, x[idx])], ys, kind)
