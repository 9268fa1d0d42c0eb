#!/usr/bin/env python3
"""One whole step on the shipped graph: answer → forward chaining → new ranking → next ask.

Plays --sessions random sessions (seeded): each step answers the pending ask with a random
allowed answer other than "found" and times `session.answer(...)` plus reading the new state
(ranking and next-step choice). Prints the median and p99 in microseconds.

usage: python benchmarks/step.py [--sessions 200] [--seed 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.loader import load_or_raise  # noqa: E402
from engine.model import answers_for, compile_model  # noqa: E402
from engine.session import Session  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    kb = load_or_raise()
    model = compile_model(kb)
    rng = random.Random(args.seed)
    timings: list[float] = []
    clock = time.perf_counter_ns
    for _ in range(args.sessions):
        session = Session(kb, model)
        session.state  # the first ask, as the program shows it at start
        while not session.finish_if_exhausted() and session.steps < 60:
            node = kb.nodes[session.pending]
            answer = rng.choice([a for a in answers_for(node.kind) if a != "found"])
            t0 = clock()
            session.answer(answer)
            session.state  # ranking + next step
            timings.append((clock() - t0) / 1000)
    timings.sort()
    out = {"steps": len(timings), "median_us": round(statistics.median(timings), 1),
           "p99_us": round(timings[int(0.99 * (len(timings) - 1))], 1), "max_us": round(timings[-1], 1),
           "hypotheses": len(model.hypotheses), "questions": len(kb.facts), "rules": len(kb.rules)}
    print(json.dumps(out) if args.json else
          f"{out['steps']} steps: median {out['median_us']} us, p99 {out['p99_us']} us, max {out['max_us']} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
