#!/usr/bin/env python3
"""Score the free-text matcher on the written problem reports (tests/free_text/*.yaml).

For each report: the facts heard from its text against the facts it states (yes / no). Prints,
per split (tuning = the tune and dev halves; holdout), per language and per file: recall of stated
facts (heard with the same answer), precision of heard facts that the report states, and
contradictions (heard the opposite).
Facts heard that the report does not mention are counted as "extra" (not necessarily wrong:
the labels list only what the text clearly says).

Several files may be given (``--reports A --reports B``). ``--split S`` scores only the reports of
that split, so that work on the templates can look at tuning data without seeing held-out results.

usage: python benchmarks/free_text.py [--reports FILE]... [--split tune,dev] [--json] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.loader import load_or_raise  # noqa: E402
from engine.understand import matcher_for  # noqa: E402


def score(reports: list[dict], matcher) -> dict:
    groups: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses = []
    matcher.hear("warm-up")
    hearing = 0.0
    for report in reports:
        started = time.perf_counter()
        facts = matcher.hear(report["text"])
        hearing += time.perf_counter() - started
        heard = {h.id: h.answer for h in facts}
        stated = {k: str(v) for k, v in report["facts"].items()}
        split = "tuning" if report["split"] in ("tune", "dev") else report["split"]
        for key in (split, f"{split}/{report['lang']}", f"{split}:{report['file']}", "all"):
            g = groups[key]
            g["reports"] += 1
            g["stated"] += len(stated)
            g["recalled"] += sum(1 for k, v in stated.items() if heard.get(k) == v)
            g["contradictions"] += sum(1 for k, v in stated.items() if k in heard and heard[k] != v)
            g["heard"] += len(heard)
            g["extra"] += sum(1 for k in heard if k not in stated)
        missing = {k: v for k, v in stated.items() if heard.get(k) != v}
        extra = {k: v for k, v in heard.items() if k not in stated}
        if missing or extra:
            misses.append({"id": report["id"], "split": report["split"], "text": " ".join(report["text"].split()),
                           "missing": missing, "extra": extra,
                           "heard": [f"{h.id}={h.answer} from '{h.text}' ({h.why})" for h in facts]})
    out = {}
    for key, g in sorted(groups.items()):
        out[key] = {**g, "recall": round(g["recalled"] / g["stated"], 3) if g["stated"] else None,
                    "precision": round((g["heard"] - g["extra"] - g["contradictions"]) / g["heard"], 3)
                    if g["heard"] else None}
    return {"groups": out, "misses": misses, "ms_per_report": round(hearing * 1000 / max(len(reports), 1), 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=Path, action="append")
    ap.add_argument("--split", help="only the reports of these splits (tune, dev, holdout; comma-separated)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args()
    paths = args.reports or sorted((ROOT / "tests" / "free_text").glob("*.yaml"))
    reports = [{**r, "file": path.stem} for path in paths for r in yaml.safe_load(path.read_text(encoding="utf-8"))]
    if args.split:
        reports = [r for r in reports if r["split"] in args.split.split(",")]
    result = score(reports, matcher_for(load_or_raise()))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"{'group':<22}{'reports':>8}{'stated':>8}{'recall':>8}{'contra':>8}{'heard':>7}{'extra':>7}{'prec':>7}")
    for key, g in result["groups"].items():
        print(f"{key:<22}{g['reports']:>8}{g['stated']:>8}{g['recall']!s:>8}{g['contradictions']:>8}"
              f"{g['heard']:>7}{g['extra']:>7}{g['precision']!s:>7}")
    print(f"\nhearing a report: {result['ms_per_report']} ms on average")
    if args.show_misses:
        for miss in result["misses"]:
            print(f"\n{miss['id']} ({miss['split']}): {miss['text']}")
            for key in ("missing", "extra"):
                if miss[key]:
                    print(f"  {key}: " + ", ".join(f"{k}={v}" for k, v in miss[key].items()))
            for line in miss["heard"]:
                print(f"  heard {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
