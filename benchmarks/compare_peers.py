#!/usr/bin/env python3
"""nn-triage's chainer against clipspy (CLIPS) on the same synthetic rule bases, in one run.

For each N it generates the rule base with ../shared/tools/engine-bench/gen_rulebase.py, times
nn-triage (benchmarks/rulebase.py's `measure`) and clipspy (bench_peers.py's worker, run with the
Python of a separate venv that has clipspy), alternating, and prints median / p99 per answer.

Set-up, once (never into the project's environment):
    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install clipspy==1.0.6
usage: python benchmarks/compare_peers.py [--peers-python /tmp/peers/bin/python]
         [--bench-dir ../shared/tools/engine-bench] [--sizes 100,1000,10000] [--samples 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from rulebase import measure  # noqa: E402


def clips(peers_python: str, bench_dir: Path, n: int, samples: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        subprocess.run([peers_python, str(bench_dir / "bench_peers.py"), "--engines", "clipspy", "--sizes", str(n),
                        "--samples", str(samples), "--budget", "300", "--out", str(out)],
                       check=True, capture_output=True, text=True)
        data = json.loads(out.read_text())
    [row] = [r for r in data["results"] if r["engine"] == "clipspy"]
    if row.get("mismatched_steps"):
        raise SystemExit(f"clipspy disagreed with the expected trace at N={n}")
    return {"answer_median_us": row["answer_us_median"], "answer_p99_us": row["answer_us_p99"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers-python", default="/tmp/peers/bin/python")
    ap.add_argument("--bench-dir", type=Path, default=HERE.parent.parent / "shared" / "tools" / "engine-bench")
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--samples", type=int, default=300, help="answers timed per run (bench_peers.py's default)")
    ap.add_argument("--rounds", type=int, default=5, help="alternate the two engines this many times; medians reported")
    args = ap.parse_args()
    sys.path.insert(0, str(args.bench_dir))
    import gen_rulebase

    print("| N rules | nn-triage median (µs) | clipspy median (µs) | nn-triage p99 (µs) | clipspy p99 (µs) | check |")
    print("|---:|---:|---:|---:|---:|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        rb = gen_rulebase.generate(n)
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(measure(rb, args.samples))
            theirs.append(clips(args.peers_python, args.bench_dir, n, args.samples))
        med = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
        check = "ok" if all(r["check"] == "ok" for r in ours) else ours[0]["check"]
        print(f"| {n} | {med(ours, 'answer_median_us'):.1f} | {med(theirs, 'answer_median_us'):.1f} | "
              f"{med(ours, 'answer_p99_us'):.1f} | {med(theirs, 'answer_p99_us'):.1f} | {check} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
