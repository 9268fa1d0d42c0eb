#!/usr/bin/env python3
"""Time and memory of `nn-triage analyze` on a 1,000,000-row CSV log (target: < 3 s, < 300 MB).

Writes the logs in a temporary folder (not timed, in a child process), then runs `python -m tui
analyze FILE --format json` as a separate process, several times, and reports its wall time and
peak resident memory (ru_maxrss of that process, from os.wait4). On Linux ru_maxrss also counts
what the process held before exec (a copy of this parent), so this parent stays small: it does not
import numpy and leaves the writing to a child. Two logs:

  dense   step,epoch,loss,accuracy,val_loss,val_accuracy,lr,grad_norm on every row (Python's repr
          of float64 values, as csv / Keras write them; a NaN stretch near the end)
  sparse  a Lightning-style metrics.csv: per-step rows with the training loss, gradient norm and
          learning rate, and an epoch row every 1,000 steps with validation loss and accuracy

usage: python benchmarks/analyze_large.py [--rows N] [--repeat K] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_dense(path: Path, rows: int) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    step = np.arange(rows)
    epoch = step // 1000
    loss = 2.3 * np.exp(-step / (rows / 5)) + 0.05 + 0.05 * rng.standard_normal(rows) ** 2
    loss[int(rows * 0.97):int(rows * 0.97) + 50] = np.nan
    acc = np.clip(1 - loss / 2.5 + 0.02 * rng.standard_normal(rows), 0, 1)
    val_loss = loss * 1.1 + 0.02
    val_acc = acc - 0.01
    lr = np.full(rows, 1e-3)
    grad = 0.5 * np.exp(-step / rows) + 0.1 * rng.random(rows)
    with path.open("w") as f:
        f.write("step,epoch,loss,accuracy,val_loss,val_accuracy,lr,grad_norm\n")
        chunk = 100_000
        for a in range(0, rows, chunk):
            b = min(rows, a + chunk)
            cols = [step[a:b].tolist(), epoch[a:b].tolist()] + [
                [repr(v) for v in arr[a:b].tolist()] for arr in (loss, acc, val_loss, val_acc, lr, grad)]
            f.write("\n".join(",".join(map(str, row)) for row in zip(*cols)))
            f.write("\n")


def write_sparse(path: Path, rows: int) -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    lines = ["train_loss_step,grad_2.0_norm_total,lr-Adam,epoch,step,val_loss,val_acc\n"]
    with path.open("w") as f:
        f.write(lines[0])
        buf = []
        step = 0
        for i in range(rows):
            if i % 1000 == 999:
                loss = 2.3 * np.exp(-step / (rows / 5)) + 0.05
                buf.append(f",,,{step // 1000},{step},{repr(float(loss * 1.1 + 0.02 * rng.random()))},"
                           f"{repr(float(0.97 - loss / 3))}\n")
            else:
                loss = 2.3 * np.exp(-step / (rows / 5)) + 0.05
                buf.append(f"{repr(float(loss + 0.01 * rng.random()))},{repr(float(rng.random()))},0.001,"
                           f"{step // 1000},{step},,\n")
                step += 1
            if len(buf) >= 100_000:
                f.write("".join(buf))
                buf = []
        f.write("".join(buf))


def measure(path: Path, repeat: int) -> dict:
    times, rss = [], []
    out = ""
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "tui", "analyze", str(path), "--format", "json"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stdout, stderr = proc.stdout.read(), proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - started)
        rss.append(usage.ru_maxrss / 1024)  # KiB on Linux -> MiB
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"analyze failed on {path}: {stderr.decode().strip()}")
        out = stdout.decode()
    result = json.loads(out)
    return {"file_mb": round(path.stat().st_size / 2 ** 20, 1), "rows": result["rows"],
            "wall_s_median": round(statistics.median(times), 2), "wall_s_max": round(max(times), 2),
            "peak_rss_mb_max": round(max(rss), 1), "symptoms": [s["id"] for s in result["symptoms"]]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--write", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.write:   # the child that writes a log
        {"dense": write_dense, "sparse": write_sparse}[args.write[0]](Path(args.write[1]), args.rows)
        return 0
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("dense", "sparse"):
            path = Path(tmp) / f"{name}.csv"
            subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--write", name, str(path)],
                           check=True)
            report[name] = measure(path, args.repeat)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, r in report.items():
            print(f"{name:<7} {r['rows']:>9,} rows, {r['file_mb']} MB: wall median {r['wall_s_median']} s "
                  f"(max {r['wall_s_max']} s), peak RSS {r['peak_rss_mb_max']} MB; "
                  f"detected {', '.join(r['symptoms']) or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
