"""Plain-text rendering of an Analysis: a small Unicode plot of the loss curves, sparklines, the
symptoms with their evidence. No Rich, no markup: names from the log are printed with control
characters replaced, so a hostile column name cannot drive the terminal."""

from __future__ import annotations

import math

from .model import Analysis, Curve

BARS = "▁▂▃▄▅▆▇█"
MARKS = ("•", "○")      # training loss, validation loss
BOTH = "◉"


def clean(text: str) -> str:
    """Text from a log, safe to print: control characters (ESC included) become '?'."""
    return "".join(ch if ch.isprintable() or ch == " " else "?" for ch in str(text))


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 1e4 or ax < 1e-2:
        return f"{x:.1e}"
    return f"{x:.3g}"


def sparkline(values: list[float | None], width: int = 40) -> str:
    """One line of block characters; '!' where a value is not finite."""
    if not values:
        return ""
    step = max(1, math.ceil(len(values) / width))
    cols = []
    for i in range(0, len(values), step):
        part = values[i:i + step]
        fin = [v for v in part if v is not None and math.isfinite(v)]
        cols.append(None if len(fin) < len(part) else sum(fin) / len(fin))
    fin = [v for v in cols if v is not None]
    if not fin:
        return "!" * len(cols)
    lo, hi = min(fin), max(fin)
    out = []
    for v in cols:
        if v is None:
            out.append("!")
        elif hi == lo:
            out.append(BARS[0])
        else:
            out.append(BARS[min(len(BARS) - 1, int((v - lo) / (hi - lo) * len(BARS)))])
    return "".join(out)


def plot(curves: list[Curve], width: int = 60, height: int = 10) -> list[str]:
    """A scatter plot of up to two curves on shared axes (log scale when they span > 1 decade)."""
    curves = curves[:2]
    pts = [(x, y) for c in curves for x, y in zip(c.x, c.y) if y is not None and math.isfinite(y)]
    if not pts:
        return ["(no finite values to plot)"]
    xs = [x for c in curves for x in c.x]
    x0, x1 = min(xs), max(xs)
    ys = [y for _, y in pts]
    lo, hi = min(ys), max(ys)
    log = lo > 0 and hi / lo > 10
    f = (lambda v: math.log10(v)) if log else (lambda v: v)
    flo, fhi = f(lo), f(hi)
    grid = [[" "] * width for _ in range(height)]
    bad_cols: set[int] = set()
    for ci, c in enumerate(curves):
        for x, y in zip(c.x, c.y):
            col = 0 if x1 == x0 else int(round((x - x0) / (x1 - x0) * (width - 1)))
            if y is None or not math.isfinite(y):
                bad_cols.add(col)
                continue
            row = 0 if fhi == flo else int(round((fhi - f(y)) / (fhi - flo) * (height - 1)))
            cell = grid[row][col]
            mark = MARKS[ci]
            grid[row][col] = mark if cell in (" ", mark) else BOTH
    for col in bad_cols:
        if grid[0][col] == " ":
            grid[0][col] = "!"
    label_w = max(len(_fmt(hi)), len(_fmt(lo)))
    lines = []
    for r, row in enumerate(grid):
        label = _fmt(hi) if r == 0 else (_fmt(lo) if r == height - 1 else "")
        lines.append(f"{label:>{label_w}} ┤{''.join(row)}")
    lines.append(" " * label_w + " └" + "─" * width)
    left, right = _fmt(x0), _fmt(x1)
    lines.append(" " * (label_w + 2) + left + " " * max(1, width - len(left) - len(right)) + right)
    legend = "   ".join(f"{MARKS[i]} {clean(c.name)}" for i, c in enumerate(curves))
    extra = ("   ! not finite" if bad_cols else "") + ("   (log scale)" if log else "")
    lines.append(" " * (label_w + 2) + legend + extra)
    return lines


def render_text(a: Analysis, width: int = 60) -> str:
    out = [f"{clean(a.file)}: {a.format}, {a.rows:,} rows, {len(a.series)} series"]
    if a.roles:
        out.append("read: " + ", ".join(f"{k} = {clean(v)}" for k, v in a.roles.items()))
    if a.classes:
        out.append(f"classes: {a.classes} ({a.classes_from})")
    loss_curves = [c for c in a.curves if c.kind == "loss"]
    if loss_curves:
        out.append("")
        out.extend("  " + line for line in plot(loss_curves, width=width))
    others = [c for c in a.curves if c.kind != "loss"]
    if others:
        out.append("")
        name_w = min(28, max(len(clean(c.name)) for c in others))
        for c in others:
            fin = [y for y in c.y if y is not None]
            rng = f"{_fmt(min(fin))} .. {_fmt(max(fin))}" if fin else "no finite values"
            out.append(f"  {clean(c.name)[:name_w]:<{name_w}} {sparkline(c.y, 40)}  {rng}")
    out.append("")
    if a.symptoms:
        out.append(f"Symptoms detected ({len(a.symptoms)}):")
        for s in a.symptoms:
            where = "" if s.step is None else f" at {a.x_unit} {_fmt_pos(s.step)}"
            out.append(f"  {s.id}{where} (confidence {s.confidence:.2f})")
            out.append(f"      {clean(s.evidence)}")
    else:
        out.append("No symptom detected.")
    if a.checked:
        out.append("Checked, not seen: " + ", ".join(a.checked))
    if a.not_checked:
        out.append("Not checkable from this log:")
        for sid, why in a.not_checked.items():
            out.append(f"  {sid}: {clean(why)}")
    return "\n".join(out) + "\n"


def _fmt_pos(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"
