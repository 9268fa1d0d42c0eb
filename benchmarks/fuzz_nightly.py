#!/usr/bin/env python3
"""Nightly fuzzing: 100,000+ inputs over every reader of outside input (issue 8). Not run by pytest.

    python benchmarks/fuzz_nightly.py                      # the default plan (115,500 inputs), 2 jobs
    python benchmarks/fuzz_nightly.py --scale 0.1          # a tenth of it
    python benchmarks/fuzz_nightly.py --engine hypothesis  # every input from hypothesis (no atheris)
    python benchmarks/fuzz_nightly.py --replay logs FILE   # run one saved input through its target

The targets and their properties are in `tests/fuzz_harness.py`: each input gets a result or the
project's own error (YamlError / problems list, LogError, SessionError, an `error` reply), never
another exception, and each call finishes within 2 s.

Engines (`PLAN` below says which target gets how many inputs from which). `atheris` (pip install
atheris: libFuzzer for Python) is coverage-guided: the `engine` package is instrumented, and
libFuzzer mutates a seed corpus (the shipped knowledge files, the fixture logs, sessions and
free-text reports, plus a few hundred structured inputs drawn from `tests/fuzz_strategies.py`)
towards new branches, with a dictionary of each format's keywords. `hypothesis` draws every input
from those structured strategies, uninstrumented and not coverage-guided: the plan uses it besides
atheris for the long texts and long conversations that instrumented code is too slow to try many
of, and for everything when atheris does not import.

Each target runs in its own process (`--jobs` at a time). A worker catches every unexpected
exception or over-long call itself and keeps going; libFuzzer's own `-timeout` catches a call stuck
in C code (a regex, say) and the worker is restarted for the rest of its budget. At the end each
failing input is replayed in a fresh, uninstrumented process (instrumentation alone can push a call
past the time limit); those that still fail are saved as
`tests/fixtures/fuzz_crashes/<target>/<sha1>` (`tests/test_fuzz.py` replays every file there) and
listed with their tracebacks. Exit code 1 when any input still fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(ROOT))

#: inputs per target and engine in the default run (115,500 in all). Costlier targets get fewer.
#: The matcher and the protocol also get structured inputs from hypothesis, uninstrumented: long and
#: repetitive texts (which instrumented code runs too slowly to try many of) and long conversations.
PLAN = {
    "yaml": {"atheris": 30_000},
    "knowledge": {"atheris": 12_000},
    "knowledge_layered": {"atheris": 1_500},
    "logs": {"atheris": 25_000},
    "protocol": {"atheris": 12_000, "hypothesis": 4_000},
    "session_file": {"atheris": 20_000},
    "matcher": {"atheris": 8_000, "hypothesis": 3_000},
}
#: rough seconds per input, to start the longest jobs first
COST = {("yaml", "atheris"): 0.003, ("knowledge", "atheris"): 0.012, ("knowledge_layered", "atheris"): 0.3,
        ("logs", "atheris"): 0.003, ("protocol", "atheris"): 0.017, ("protocol", "hypothesis"): 0.05,
        ("session_file", "atheris"): 0.002, ("matcher", "atheris"): 0.05, ("matcher", "hypothesis"): 0.05}
#: longest input libFuzzer makes per target (the shipped knowledge files are up to 127 KB)
MAX_LEN = {"yaml": 65_536, "knowledge": 131_072, "knowledge_layered": 131_072, "logs": 65_536,
           "protocol": 8_192, "session_file": 16_384, "matcher": 2_048}
SEEDS_PER_TARGET = 300
SLOW_KEPT = 30
ENGINE_MODULES = ["engine.yamlsource", "engine.loader", "engine.checks", "engine.schema", "engine.problems",
                  "engine.knowledge", "engine.logs", "engine.logs.readers", "engine.logs.columns",
                  "engine.logs.series", "engine.logs.detectors", "engine.logs.tensorboard", "engine.logs.render",
                  "engine.logs.model", "engine.protocol", "engine.session", "engine.storage", "engine.explain",
                  "engine.chaining", "engine.model", "engine.ranking", "engine.next_step", "engine.understand",
                  "engine.understand.matcher", "engine.understand.numbers", "engine.understand.templates"]


# ---------------------------------------------------------------------------------------------
# in the worker


class Recorder:
    """Counts inputs, keeps the first input of each distinct failure, writes stats as it goes."""

    def __init__(self, target: str, out: Path, runs: int, seconds: float) -> None:
        self.target, self.out, self.runs, self.seconds = target, out, runs, seconds
        self.found = out / "found"
        self.found.mkdir(parents=True, exist_ok=True)
        self.stats_file = out / "stats.json"
        previous = json.loads(self.stats_file.read_text()) if self.stats_file.exists() else {}
        self.count = previous.get("runs", 0)
        self.failures = previous.get("failures", {})
        self.start = time.monotonic()
        self.busy = previous.get("seconds", 0.0)
        self.last_write = 0.0

    def key(self, exc: BaseException) -> str:
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "/engine/" in f.filename or "/tests/fuzz_harness" in f.filename]
        where = ours[-1] if ours else (frames[-1] if frames else None)
        place = f"{Path(where.filename).name}:{where.lineno}" if where else "?"
        label = type(exc).__name__
        if type(exc).__name__ in ("PropertyFailed", "TooSlow"):
            label += ": " + str(exc).split(":")[0][:60]
        return f"{label} at {place}"

    def failed(self, data: bytes, exc: BaseException) -> None:
        key = self.key(exc)
        entry = self.failures.setdefault(key, {"count": 0, "files": []})
        entry["count"] += 1
        # one input per distinct failure; up to SLOW_KEPT of the slow ones, since instrumented code
        # runs several times slower and each is timed again without instrumentation at the end
        if len(entry["files"]) < (SLOW_KEPT if "TooSlow" in key else 1):
            name = hashlib.sha1(data).hexdigest()[:16]
            (self.found / name).write_bytes(data)
            entry["files"].append(name)
            entry.setdefault("trace", "".join(traceback.format_exception(exc))[-3000:])
        self.write(force=True)

    def write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last_write > 2:
            self.last_write = now
            tmp = self.stats_file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"runs": self.count, "failures": self.failures,
                                       "seconds": self.busy + now - self.start}))
            os.replace(tmp, self.stats_file)

    def done(self) -> bool:
        return self.count >= self.runs or self.busy + time.monotonic() - self.start >= self.seconds

    def one(self, data: bytes) -> None:
        import fuzz_harness

        self.count += 1
        try:
            fuzz_harness.TARGETS[self.target](data)
        except Exception as exc:  # every unexpected exception is a finding, not the end of the run
            self.failed(data, exc)
        self.write()


def worker_atheris(args) -> None:
    import atheris

    with atheris.instrument_imports(include=["engine"]):
        import importlib

        for name in ENGINE_MODULES:
            importlib.import_module(name)
    import fuzz_harness

    fuzz_harness.USE_ALARM = False  # libFuzzer's -timeout owns SIGALRM
    fuzz_harness.kb_and_model()
    out = Path(args.out)
    rec = Recorder(args.worker, out, args.runs, args.seconds)
    if rec.done():
        return

    def test_one_input(data: bytes) -> None:
        rec.one(data)
        if rec.done():
            rec.write(force=True)
            fuzz_harness.cleanup()
            os._exit(0)

    corpus = out / "corpus"
    corpus.mkdir(exist_ok=True)
    argv = [sys.argv[0], f"-runs={args.runs + 10_000}", f"-max_len={MAX_LEN[args.worker]}", "-timeout=30",
            "-rss_limit_mb=3072", f"-artifact_prefix={out / 'artifacts'}/", "-print_final_stats=1",
            f"-dict={out / 'dict.txt'}", str(corpus), str(out / "seeds")]
    (out / "artifacts").mkdir(exist_ok=True)
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


def worker_hypothesis(args) -> None:
    from hypothesis import HealthCheck, Phase, given, seed, settings

    import fuzz_harness
    from fuzz_strategies import STRATEGIES

    out = Path(args.out)
    rec = Recorder(args.worker, out, args.runs, args.seconds)
    left = args.runs - rec.count
    if left <= 0:
        return

    class Enough(Exception):
        pass

    @seed(args.seed)
    @settings(max_examples=left, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(STRATEGIES[args.worker]())
    def run(data: bytes) -> None:
        if rec.done():
            raise Enough
        rec.one(data)

    try:
        run()
    except Enough:
        pass
    rec.write(force=True)
    fuzz_harness.cleanup()


# ---------------------------------------------------------------------------------------------
# seeds and dictionaries (in the parent)


def seed_corpus(target: str, folder: Path) -> int:
    """Real files plus structured inputs drawn from the strategies."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    import fuzz_strategies as fs
    from fuzz_harness import log_input

    folder.mkdir(parents=True, exist_ok=True)
    seeds: list[bytes] = []
    if target in ("yaml", "knowledge"):
        seeds += list(fs.shipped_texts()) + [p.read_bytes() for p in sorted((TESTS / "fixtures" / "broken").glob("*.yaml"))]
    if target == "knowledge_layered":
        seeds += [bytes([i]) + t for i, t in enumerate(fs.shipped_texts())]
    if target == "logs":
        seeds += [log_input(i, b) for i, b in fs.fixture_logs()]
    if target == "session_file":
        seeds += [p.read_bytes() for p in sorted((TESTS / "fixtures" / "sessions").glob("*.json"))]
    if target == "matcher":
        cases = TESTS / "free_text"
        for path in sorted(cases.glob("*.yaml")):
            import yaml

            for item in yaml.safe_load(path.read_text()) or []:
                if isinstance(item, dict) and isinstance(item.get("text"), str):
                    seeds.append(item["text"].encode())
    drawn: list[bytes] = []

    @seed(1234)
    @settings(max_examples=SEEDS_PER_TARGET, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(fs.STRATEGIES[target]())
    def draw(data: bytes) -> None:
        drawn.append(data)

    draw()
    for data in seeds + drawn:
        data = data[:MAX_LEN[target]]
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
    return len(seeds) + len(drawn)


def dictionary(target: str, path: Path) -> None:
    """libFuzzer keywords for the target's format."""
    import fuzz_strategies as fs

    words: list[str] = []
    if target in ("yaml", "knowledge", "knowledge_layered"):
        words += fs.YAML_WORDS + list(fs.node_ids())[:60]
    elif target == "logs":
        words += fs.COLUMNS + fs.NUMBER_TEXT[:20] + ["{", "}", "[", "]", '":', '"log_history"', "\n", "\r\n", ","]
    elif target == "protocol":
        words += [f'"{k}"' for k in fs.KEYS] + [f'"{a}"' for a in fs.ANSWERS] + [f'"{i}"' for i in fs.node_ids()]
        words += ['{"answer": "yes"}', '{"undo": true}', '{"why": true}', '{"quit": true}', "true", "null", "\n"]
    elif target == "session_file":
        words += ['"version"', '"events"', '"orphans"', '"seq"', '"id"', '"answer"', '"source"', '"evidence"',
                  '"outcome"', '"found"', '"lang"', '"framework"', '"user"', '"log"', '"say"', "1", "null"]
        words += [f'"{i}"' for i in fs.node_ids()][:60]
    elif target == "matcher":
        words += list(fs.phrase_words())[:150] + ["no", "not", "but", "ない", "10 classes", "%", "nan after"]
    lines = []
    for word in dict.fromkeys(words):
        if not word:
            continue
        escaped = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else
                          "".join(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass")) for ch in word)
        lines.append(f'"{escaped}"')
    path.write_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------
# the run


def start_worker(target: str, engine: str, runs: int, seconds: float, out: Path, seed_value: int):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", target, "--engine", engine,
           "--runs", str(runs), "--seconds", str(seconds), "--out", str(out), "--seed", str(seed_value)]
    log = open(out / "worker.log", "ab")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=str(out)), log


def replay(target: str, file: Path) -> tuple[bool, str]:
    """Run one input in a fresh process (no instrumentation); (still fails, its output)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--replay", target, str(file)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return True, "hang: still running after 120 s"
    return proc.returncode != 0, (proc.stdout + proc.stderr)[-3000:]


def do_replay(target: str, file: Path) -> int:
    import fuzz_harness

    try:
        fuzz_harness.TARGETS[target](file.read_bytes())
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        fuzz_harness.cleanup()
    print("ok")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["atheris", "hypothesis"], default=None,
                        help="run every input with this engine (default: the plan above; hypothesis alone "
                             "when atheris does not import)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every target's budget")
    parser.add_argument("--targets", nargs="*", default=list(PLAN))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=24.0, help="wall-time cap of the whole run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", help="keep the work folder (corpus, logs) here")
    parser.add_argument("--no-save", action="store_true", help="do not write crashing inputs into tests/fixtures")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--summary", help="also write the summary as JSON to this file")
    parser.add_argument("--replay", nargs=2, metavar=("TARGET", "FILE"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.replay:
        return do_replay(args.replay[0], Path(args.replay[1]))
    if args.worker:
        (worker_atheris if args.engine == "atheris" else worker_hypothesis)(args)
        return 0

    unknown = set(args.targets) - set(PLAN)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    if args.engine is None:
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not installed (pip install atheris): using hypothesis for every input",
                  file=sys.stderr)
            args.engine = "hypothesis"
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="nn-triage-fuzz-nightly-"))
    work.mkdir(parents=True, exist_ok=True)
    wall_start = time.monotonic()
    deadline = wall_start + args.minutes * 60

    jobs = []  # (target, engine, runs, out)
    for target in args.targets:
        plan = PLAN[target] if args.engine is None else {args.engine: sum(PLAN[target].values())}
        for engine, budget in plan.items():
            runs = max(1, int(budget * args.scale))
            out = work / f"{target}-{engine}"
            out.mkdir(parents=True, exist_ok=True)
            if engine == "atheris":
                seeded = seed_corpus(target, out / "seeds")
                dictionary(target, out / "dict.txt")
                print(f"{target}: {seeded} seed inputs", file=sys.stderr)
            jobs.append((target, engine, runs, out))
    # the costliest first, so the two processes finish together
    jobs.sort(key=lambda j: -j[2] * COST.get((j[0], j[1]), 0.01))

    pending = list(jobs)
    running: list = []
    restarts: dict[Path, int] = {}
    while pending or running:
        while pending and len(running) < args.jobs:
            target, engine, runs, out = pending.pop(0)
            left = max(30.0, deadline - time.monotonic())
            proc, log = start_worker(target, engine, runs, left, out, args.seed)
            running.append((proc, log, (target, engine, runs, out)))
            print(f"started {target} ({engine}, {runs} inputs)", file=sys.stderr)
        time.sleep(0.5)
        for item in list(running):
            proc, log, job = item
            if proc.poll() is None:
                if time.monotonic() > deadline + 120:
                    proc.kill()
                continue
            running.remove(item)
            log.close()
            target, engine, runs, out = job
            stats = json.loads((out / "stats.json").read_text()) if (out / "stats.json").exists() else {}
            artifacts = sorted((out / "artifacts").glob("*")) if (out / "artifacts").exists() else []
            for art in artifacts:  # libFuzzer's own finds: a timeout, an out-of-memory, a crash in C
                name = hashlib.sha1(art.read_bytes()).hexdigest()[:16]
                (out / "found").mkdir(exist_ok=True)
                shutil.copy(art, out / "found" / name)
                key = f"libFuzzer {art.name.split('-')[0]}"
                entry = stats.setdefault("failures", {}).setdefault(key, {"count": 0, "files": []})
                entry["count"] += 1
                entry["files"].append(name)
                entry.setdefault("trace", (out / "worker.log").read_text(errors="replace")[-2000:])
                art.unlink()
                stats["runs"] = stats.get("runs", 0) + 1
                (out / "stats.json").write_text(json.dumps(stats))
            unfinished = stats.get("runs", 0) < runs and time.monotonic() < deadline
            if unfinished and restarts.get(out, 0) < 5:
                restarts[out] = restarts.get(out, 0) + 1
                print(f"{target} ({engine}) stopped at {stats.get('runs', 0)} inputs (exit {proc.returncode}); "
                      "restarting", file=sys.stderr)
                pending.insert(0, job)
            else:
                print(f"finished {target} ({engine}): {stats.get('runs', 0)} inputs", file=sys.stderr)

    # summary, and the confirmed crashes saved as regression inputs
    from fuzz_harness import CRASH_DIR

    summary = {"engine": args.engine or "atheris + hypothesis", "jobs": args.jobs, "wall_seconds": round(time.monotonic() - wall_start, 1),
               "targets": {}, "failures": []}
    total_runs = 0
    for target, engine, runs, out in jobs:
        stats = json.loads((out / "stats.json").read_text()) if (out / "stats.json").exists() else {}
        row = summary["targets"].setdefault(f"{target} ({engine})", {"inputs": 0, "seconds": 0.0, "crashes": 0,
                                                                     "unconfirmed": 0})
        row["inputs"] += stats.get("runs", 0)
        row["seconds"] = round(row["seconds"] + stats.get("seconds", 0.0), 1)
        total_runs += stats.get("runs", 0)
        for key, entry in stats.get("failures", {}).items():
            confirmed, saved, output = [], [], entry.get("trace", "")
            for name in entry["files"]:
                fails, text = replay(target, out / "found" / name)
                if fails:
                    confirmed.append(name)
                    output = text
                    if not args.no_save:
                        dest = CRASH_DIR / target / name
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy(out / "found" / name, dest)
                        saved.append(str(dest.relative_to(ROOT)))
            row["crashes" if confirmed else "unconfirmed"] += 1
            summary["failures"].append({"target": target, "engine": engine, "what": key, "count": entry["count"],
                                        "replayed": len(entry["files"]), "reproduces": len(confirmed),
                                        "saved": saved, "trace": output})
    summary["inputs"] = total_runs
    if args.summary:
        Path(args.summary).write_text(json.dumps(summary, indent=2) + "\n")
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"\n{'target (engine)':<31} {'inputs':>9} {'seconds':>8} {'inputs/s':>9} {'crashes':>8} {'unconfirmed':>12}")
        for target, row in summary["targets"].items():
            rate = row["inputs"] / row["seconds"] if row["seconds"] else 0
            print(f"{target:<31} {row['inputs']:>9,} {row['seconds']:>8.0f} {rate:>9.0f} "
                  f"{row['crashes']:>8} {row['unconfirmed']:>12}")
        print(f"{'all':<31} {total_runs:>9,}   wall {summary['wall_seconds']:.0f} s, engine {summary['engine']}, "
              f"{args.jobs} jobs")
        print("crashes: distinct failures that reproduce in a fresh uninstrumented process (saved under "
              "tests/fixtures/fuzz_crashes/); unconfirmed: seen only under instrumentation (e.g. a call "
              "slowed past the 2 s limit by it)")
        for failure in summary["failures"]:
            state = (f"reproduces ({failure['reproduces']} of {failure['replayed']} replayed)"
                     if failure["reproduces"] else f"does not reproduce ({failure['replayed']} replayed)")
            print(f"\n[{failure['target']}] {failure['what']}: {failure['count']} inputs; {state}")
            for path in failure["saved"][:5]:
                print(f"    saved as {path}")
            print("    " + failure["trace"].strip().replace("\n", "\n    ")[-1500:])
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if any(f["reproduces"] for f in summary["failures"]) else 0


if __name__ == "__main__":
    sys.exit(main())
