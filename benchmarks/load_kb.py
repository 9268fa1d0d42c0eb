#!/usr/bin/env python3
"""How long loading and validating the shipped knowledge graph takes.

Three figures, each the median (and max) of --repeat runs:
  in_process_ms  load_knowledge() with every check (YAML, schema, graph, vocabulary), modules already
                 imported: the cost the TUI pays when it (re)loads the graph;
  cold_process_ms a fresh `python -c "load_knowledge()"` process, interpreter start and imports included;
  cli_validate_ms `nn-triage kb validate` as a user runs it.
Also the time to refuse a 50 MB knowledge file.

usage: python benchmarks/load_kb.py [--repeat 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _stats(samples: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(samples), 1), "max": round(max(samples), 1),
            "min": round(min(samples), 1), "n": len(samples)}


def _time_process(cmd: list[str], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=False, capture_output=True)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from engine.loader import load_knowledge

    first = load_knowledge()
    assert first.kb is not None and not first.problems, "the shipped graph must validate cleanly"
    samples = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = load_knowledge()
        samples.append((time.perf_counter() - started) * 1000)
        assert result.kb is not None
    counts = result.kb.counts()

    cold = _time_process([sys.executable, "-c", "from engine.loader import load_knowledge; load_knowledge()"],
                         max(5, args.repeat // 3))
    cli = _time_process([sys.executable, "-m", "tui", "kb", "validate"], max(5, args.repeat // 3))

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.yaml"
        big.write_bytes(b"nodes:\n" + b"  - {id: q_x, kind: question, title: {en: x, ja: x}}\n" * 1_000_000)
        started = time.perf_counter()
        refused = load_knowledge([big])
        big_ms = (time.perf_counter() - started) * 1000
        assert refused.kb is None
        big_mb = round(big.stat().st_size / 1e6, 1)

    report = {"nodes": sum(v for k, v in counts.items() if k not in ("edges", "rules", "files")),
              "edges": counts["edges"], "rules": counts["rules"], "files": counts["files"],
              "in_process_ms": _stats(samples), "cold_process_ms": _stats(cold),
              "cli_validate_ms": _stats(cli), "refuse_50mb_file_ms": round(big_ms, 1),
              "big_file_mb": big_mb,
              "python": sys.version.split()[0]}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        p = report
        print(f"graph: {p['nodes']} nodes, {p['edges']} edges, {p['rules']} rules in {p['files']} files")
        print(f"load + validate, in process: median {p['in_process_ms']['median']} ms "
              f"(max {p['in_process_ms']['max']}, n={p['in_process_ms']['n']})")
        print(f"fresh process (imports included): median {p['cold_process_ms']['median']} ms")
        print(f"`nn-triage kb validate`: median {p['cli_validate_ms']['median']} ms")
        print(f"refusing a {p['big_file_mb']} MB knowledge file: {p['refuse_50mb_file_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
