#!/usr/bin/env python3
"""Forward chaining alone, on a synthetic rule base from ../shared/tools/engine-bench/gen_rulebase.py.

Loads RULEBASE.json into nn-triage's chainer (engine.chaining), answers the inputs in
`answer_order` ("yes" each), runs to quiescence after every answer, and checks the number of
derived facts and fired rules after each answer against `expected`. Prints one JSON object:
{"n_rules", "load_s", "answer_median_us", "answer_p99_us", "answers", "check": "ok"}.
The timed part is `WorkingMemory.set` alone; the check is done outside the timer.

usage: python benchmarks/rulebase.py RULEBASE.json [--json] [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.chaining import CompiledRule, RuleIndex, WorkingMemory  # noqa: E402


def load(rb: dict) -> RuleIndex:
    return RuleIndex(
        CompiledRule(id=r["id"], conditions=tuple((f, "yes") for f in r["if"]),
                     asserts=((r["then"], "yes"),), order=i)
        for i, r in enumerate(rb["rules"]))


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile, as bench_peers.py computes it."""
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rulebase", type=Path)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--samples", type=int, default=300,
                    help="play whole sessions until at least this many answers were timed (as bench_peers.py)")
    args = ap.parse_args()

    out = measure(json.loads(args.rulebase.read_text()), args.samples)
    print(json.dumps(out) if args.json else
          f"{out['n_rules']} rules: load {out['load_s']} s, per answer median {out['answer_median_us']} us, "
          f"p99 {out['answer_p99_us']} us over {out['answers']} answers, check {out['check']}")
    return 0 if out["check"] == "ok" else 1


def measure(rb: dict, samples: int = 300) -> dict:
    """Load ``rb`` and time answers to quiescence until ``samples`` answers were timed."""
    started = time.perf_counter()
    index = load(rb)
    load_s = time.perf_counter() - started

    inputs = set(rb["inputs"])
    expected_derived = rb["expected"]["derived_after_answer"]
    expected_fired = rb["expected"]["rules_fired_after_answer"]
    timings: list[float] = []
    check = "ok"
    clock = time.perf_counter_ns
    while len(timings) < samples:
        memory = WorkingMemory(index)
        for step, fact in enumerate(rb["answer_order"]):
            t0 = clock()
            memory.set(fact, "yes")
            timings.append((clock() - t0) / 1000)
            derived = sum(1 for f in memory.values if f not in inputs)
            if derived != expected_derived[step] or len(memory.active) != expected_fired[step]:
                check = (f"mismatch after answer {step + 1}: derived {derived} (expected "
                         f"{expected_derived[step]}), fired {len(memory.active)} (expected {expected_fired[step]})")
                break
        if check != "ok":
            break
    out = {"n_rules": len(rb["rules"]), "load_s": round(load_s, 4),
           "answer_median_us": round(statistics.median(timings), 2),
           "answer_p99_us": round(percentile(timings, 0.99), 2),
           "answers": len(timings), "check": check}
    return out


if __name__ == "__main__":
    sys.exit(main())
