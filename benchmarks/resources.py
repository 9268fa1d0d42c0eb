#!/usr/bin/env python3
"""Resource bounds: wall time and peak memory of nn-triage on a 1 GB log, on logs with one huge
line, and on a knowledge folder of 10,000 files.

Each figure is one separate `python -m tui ...` process, measured from outside: wall time, and its
peak resident memory as GNU time (`/usr/bin/time -f %M`) reports it. The inputs are written by child
processes. Everything is written to a temporary folder that is removed at the end.

  log1g       a ~1 GB dense CSV (step,epoch,loss,accuracy,val_loss,val_accuracy,lr,grad_norm; floats
              written with Python's repr as csv / Keras write them; a NaN stretch near the end),
              `nn-triage analyze FILE --format json`
  longline    CSV / JSON-lines logs holding one --long-line-mb line (in the data, as the CSV header,
              as a JSON line): each must be refused with one clear message, not read whole, so
              memory must not grow with the line
  jsondoc     the largest JSON document (list of records) accepted as a whole (just under
              MAX_JSON_DOCUMENT), to show what that bound costs
  kb10k       a knowledge folder of --files YAML files, each adding a question node and a suggests
              edge to a shipped reason: `nn-triage kb validate DIR`, and a session on it
              (`session --jsonl --knowledge DIR`: time to its first ask, then 20 answers); then the
              same folder with every edge target misspelt: `kb validate` must report 10,000 unknown
              ids (with "did you mean" for the first ones) in about the same time

usage: python benchmarks/resources.py [--log-mb 1024] [--long-line-mb 200] [--files 10000]
                                      [--only log1g,longline,jsondoc,kb10k] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# GNU time runs the measured process and writes its peak RSS (KB) and exit code to a file. Measuring
# through it (not os.wait4 here) matters: on Linux a child's ru_maxrss starts from the RSS of the
# process that forked it, and GNU time is a small C program.
TIME = ["/usr/bin/time", "-f", "%M %x", "-o"]
CASES = ("log1g", "longline", "jsondoc", "kb10k")


# ---------------------------------------------------------------------------------------------
# writers (run in child processes: `resources.py --write KIND PATH ...`)


def write_dense_part(path: Path, first: int, rows: int, total: int) -> None:
    """Rows first .. first+rows of a dense training log of `total` rows (no header)."""
    import numpy as np

    rng = np.random.default_rng(first)
    chunk = 200_000
    with path.open("w") as f:
        for a in range(first, first + rows, chunk):
            b = min(first + rows, a + chunk)
            step = np.arange(a, b)
            loss = 2.3 * np.exp(-step / (total / 5)) + 0.05 + 0.05 * rng.standard_normal(b - a) ** 2
            nan_from = int(total * 0.97)
            loss[(step >= nan_from) & (step < nan_from + 50)] = np.nan
            acc = np.clip(1 - loss / 2.5 + 0.02 * rng.standard_normal(b - a), 0, 1)
            val_loss, val_acc = loss * 1.1 + 0.02, acc - 0.01
            lr = np.full(b - a, 1e-3)
            grad = 0.5 * np.exp(-step / total) + 0.1 * rng.random(b - a)
            cols = [step.tolist(), (step // 1000).tolist()] + [
                [repr(v) for v in arr.tolist()] for arr in (loss, acc, val_loss, val_acc, lr, grad)]
            f.write("".join(",".join(map(str, row)) + "\n" for row in zip(*cols)))


def write_long_line(kind: str, path: Path, mb: int) -> None:
    """A log with one line of `mb` MB, written in pieces (never held whole)."""
    piece = "9" * (1 << 20)
    with path.open("w") as f:
        if kind == "csv_data":
            f.write("step,loss\n0,2.3\n1,2.2\n2,")
        elif kind == "csv_header":
            f.write("step,loss,")
        elif kind == "jsonl":
            f.write('{"step": 0, "loss": 2.3}\n{"step": 1, "loss": 2.2, "note": "')
        for _ in range(mb):
            f.write(piece)
        f.write({"csv_data": "\n3,2.0\n", "csv_header": "\n0,2.3,1\n", "jsonl": '"}\n'}[kind])


def write_json_document(path: Path, limit: int) -> None:
    """A JSON list of {"step", "loss"} records just under `limit` bytes."""
    with path.open("w") as f:
        f.write("[")
        i = 0
        while f.tell() < limit - (1 << 20):
            f.write("".join('{"step": %d, "loss": %r},\n' % (j, 2.3 / (1 + j / 1e5)) for j in range(i, i + 10_000)))
            i += 10_000
        f.write('{"step": %d, "loss": 0.1}]\n' % i)


def write_knowledge(folder: Path, files: int, typo: bool = False) -> None:
    """`files` YAML files, each one question node plus a suggests edge to a shipped reason (with
    `typo`, to a misspelt reason id: every file then has an unknown-id error to report)."""
    sys.path.insert(0, str(ROOT))
    from engine.loader import load_or_raise

    reasons = sorted(n.id for n in load_or_raise().checks)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        sub = folder / f"team{k // 1000:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"q{k:05d}.yaml").write_text(
            "nodes:\n"
            f"  - id: bench_q{k:05d}\n"
            "    kind: question\n"
            f"    title: {{en: 'Benchmark question {k}', ja: 'ベンチマークの質問 {k}'}}\n"
            f"    ask: {{en: 'Does benchmark condition {k} hold?', ja: 'ベンチマーク条件 {k} は成り立ちますか？'}}\n"
            "edges:\n"
            f"  - source: bench_q{k:05d}\n"
            f"    target: {reasons[k % len(reasons)]}{f'x{k}' if typo else ''}\n"
            "    kind: suggests\n"
            f"    strength: {0.2 + (k % 7) / 20:.2f}\n"
            f"    because: {{en: 'Benchmark edge {k}.', ja: 'ベンチマークの辺 {k}。'}}\n",
            encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# measuring


def run_measured(args: list[str], interactive: int = 0) -> dict:
    """Run `python -m tui ARGS`: wall time, peak RSS (MB, from GNU time),
    exit code, stdout and the last line of stderr. With `interactive` N: time the first line, then
    answer N asks one at a time (the last answer offered other than "found") and time each."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryDirectory() as scratch:
        usage_file = Path(scratch) / "usage"
        started = time.perf_counter()
        proc = subprocess.Popen([*TIME, str(usage_file), sys.executable, "-m", "tui", *args], cwd=ROOT,
                                stdin=subprocess.PIPE if interactive else subprocess.DEVNULL,
                                stdout=subprocess.PIPE if interactive else out, stderr=err, text=True)
        extra: dict = {}
        if interactive:
            msg = json.loads(proc.stdout.readline())
            extra["first_ask_s"] = round(time.perf_counter() - started, 2)
            steps = []
            for _ in range(interactive):
                if msg.get("type") != "ask":
                    break
                answers = [a for a in msg["node"]["answers"] if a != "found"]
                t = time.perf_counter()
                proc.stdin.write(json.dumps({"answer": answers[-1]}) + "\n")
                proc.stdin.flush()
                msg = json.loads(proc.stdout.readline())
                steps.append((time.perf_counter() - t) * 1000)
            steps.sort()
            extra.update(answers=len(steps), answer_ms_median=round(steps[len(steps) // 2], 1) if steps else None,
                         answer_ms_max=round(steps[-1], 1) if steps else None)
            proc.stdin.close()
            out.write(proc.stdout.read())
            proc.stdout.close()
        proc.wait()
        wall = time.perf_counter() - started
        rss_kb, code = usage_file.read_text().strip().splitlines()[-1].split()   # after any "Command exited..."
        out.seek(0)
        err.seek(0)
        stderr = err.read().strip().splitlines()
        return {"wall_s": round(wall, 2), "peak_rss_mb": round(int(rss_kb) / 1024, 1), "exit": int(code),
                "stderr": stderr[-1][:240] if stderr else "", "stdout": out.read(), **extra}


def child(*args: str) -> None:
    subprocess.run([sys.executable, __file__, "--write", *args], check=True)


def mb(path: Path) -> float:
    return round(path.stat().st_size / 2 ** 20, 1)


def case_log1g(tmp: Path, log_mb: int) -> dict:
    path = tmp / "big.csv"
    rows = int(log_mb * 2 ** 20 / 117)   # ~117 bytes a row
    t = time.perf_counter()
    half = rows // 2
    parts = [tmp / "part0.csv", tmp / "part1.csv"]
    procs = [subprocess.Popen([sys.executable, __file__, "--write", "dense", str(p), str(a), str(n), str(rows)])
             for p, a, n in ((parts[0], 0, half), (parts[1], half, rows - half))]
    for p in procs:
        if p.wait() != 0:
            raise SystemExit("writing the log failed")
    with path.open("wb") as out:
        out.write(b"step,epoch,loss,accuracy,val_loss,val_accuracy,lr,grad_norm\n")
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)   # small blocks: this process stays small
            part.unlink()
    written = time.perf_counter() - t
    r = run_measured(["analyze", str(path), "--format", "json"])
    result = json.loads(r.pop("stdout")) if r["exit"] == 0 else {}
    return {"file_mb": mb(path), "rows": result.get("rows"), "write_s": round(written, 1), **r,
            "symptoms": [s["id"] for s in result.get("symptoms", [])]}


def case_longline(tmp: Path, line_mb: int) -> dict:
    out = {}
    small = tmp / "small.csv"
    small.write_text("step,loss\n0,2.3\n1,2.2\n2,2.1\n")
    base = run_measured(["analyze", str(small), "--format", "json"])
    base.pop("stdout")
    out["baseline_small_log"] = base
    for kind, name in (("csv_data", "data.csv"), ("csv_header", "header.csv"), ("jsonl", "line.jsonl")):
        path = tmp / name
        child("longline", kind, str(path), str(line_mb))
        r = run_measured(["analyze", str(path), "--format", "json"])
        r.pop("stdout")
        out[kind] = {"file_mb": mb(path), **r}
        path.unlink()
    return out


def case_jsondoc(tmp: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", "from engine.logs.readers import MAX_JSON_DOCUMENT as m; print(m)"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    limit = int(out.stdout)
    path = tmp / "doc.json"
    child("jsondoc", str(path), str(limit))
    size = mb(path)
    r = run_measured(["analyze", str(path), "--format", "json"])
    result = json.loads(r.pop("stdout")) if r["exit"] == 0 else {}
    path.unlink()
    return {"limit_mb": limit >> 20, "file_mb": size, "rows": result.get("rows"), **r}


def case_kb10k(tmp: Path, files: int) -> dict:
    folder = tmp / "kb"
    t = time.perf_counter()
    child("kb", str(folder), str(files))
    written = time.perf_counter() - t
    validate = run_measured(["kb", "validate", str(folder)])
    validate["stdout"] = validate["stdout"].strip().splitlines()[-1][:300] if validate["stdout"].strip() else ""
    session = run_measured(["session", "--jsonl", "--knowledge", str(folder)], interactive=20)
    session.pop("stdout")
    shutil.rmtree(folder)
    typos = tmp / "kbtypo"
    child("kbtypo", str(typos), str(files))
    invalid = run_measured(["kb", "validate", str(typos)])
    problems = invalid.pop("stdout").strip().splitlines()
    invalid.update(problems=len(problems), with_hint=sum("did you mean" in p for p in problems))
    shutil.rmtree(typos)
    return {"files": files, "write_s": round(written, 1), "validate": validate, "session": session,
            "validate_all_misspelt": invalid}


def check_bounds(report: dict) -> list[str]:
    """What breaks a bound in this report (empty when every bound holds)."""
    bad = []
    if "log1g" in report:
        r = report["log1g"]
        if r["exit"] != 0 or r["peak_rss_mb"] > 300:
            bad.append(f"log1g: exit {r['exit']}, peak RSS {r['peak_rss_mb']} MB (bound: 300 MB)")
    if "longline" in report:
        base = report["longline"]["baseline_small_log"]["peak_rss_mb"]
        for kind in ("csv_data", "csv_header", "jsonl"):
            r = report["longline"][kind]
            if r["exit"] != 1 or "a line longer than" not in r["stderr"] or r["peak_rss_mb"] > base + 50:
                bad.append(f"longline {kind}: exit {r['exit']}, peak RSS {r['peak_rss_mb']} MB "
                           f"(bound: {base} + 50), {r['stderr']!r}")
    if "jsondoc" in report and report["jsondoc"]["exit"] != 0:
        bad.append(f"jsondoc: a document under the limit was refused: {report['jsondoc']['stderr']}")
    if "kb10k" in report:
        r = report["kb10k"]
        if r["validate"]["exit"] != 0 or r["session"]["exit"] != 0 or r["session"].get("answers") != 20:
            bad.append(f"kb10k: validate exit {r['validate']['exit']}, session exit {r['session']['exit']}")
        typos = r["validate_all_misspelt"]
        if typos["problems"] != r["files"] or typos["wall_s"] > 3 * r["validate"]["wall_s"] + 2:
            bad.append(f"kb10k misspelt: {typos['problems']} lines, {typos['wall_s']} s against "
                       f"{r['validate']['wall_s']} s when valid (bound: 3x + 2 s)")
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log-mb", type=int, default=1024)
    ap.add_argument("--long-line-mb", type=int, default=200)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--only", default=",".join(CASES))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--write", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.write:
        kind, *rest = args.write
        if kind == "dense":
            write_dense_part(Path(rest[0]), int(rest[1]), int(rest[2]), int(rest[3]))
        elif kind == "longline":
            write_long_line(rest[0], Path(rest[1]), int(rest[2]))
        elif kind == "jsondoc":
            write_json_document(Path(rest[0]), int(rest[1]))
        elif kind in ("kb", "kbtypo"):
            write_knowledge(Path(rest[0]), int(rest[1]), typo=kind == "kbtypo")
        return 0
    only = [c.strip() for c in args.only.split(",") if c.strip()]
    report: dict = {}
    with tempfile.TemporaryDirectory(prefix="nn-triage-resources-") as tmp_name:
        tmp = Path(tmp_name)
        for case in only:
            if case == "log1g":
                report[case] = case_log1g(tmp, args.log_mb)
            elif case == "longline":
                report[case] = case_longline(tmp, args.long_line_mb)
            elif case == "jsondoc":
                report[case] = case_jsondoc(tmp)
            elif case == "kb10k":
                report[case] = case_kb10k(tmp, args.files)
            else:
                raise SystemExit(f"unknown case {case!r}; use {', '.join(CASES)}")
            if not args.json:
                print(f"{case}: {json.dumps(report[case], ensure_ascii=False)}", flush=True)
    bad = check_bounds(report)
    report["bounds_broken"] = bad
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print("bounds: " + ("; ".join(bad) if bad else "all hold"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
