"""Crash safety: SIGKILL at random moments never corrupts a saved file nor loses an acknowledged answer.

Two writers are killed over and over:

* a real `python -m tui session --jsonl --save FILE` process (resumed with `--resume FILE` after
  each kill) that is answered at random: the pending ask, volunteered `{"answer", "id"}` lines,
  undo, why and a few unusable lines. A kill lands while it starts, right after a line is written
  (before its reply is read, so possibly in the middle of the save), after a short random sleep,
  or after a reply. After each kill the file must parse with `read_session_file`, and its events
  must be exactly the acknowledged answers, or those plus the one line in flight (its save may have
  finished before the kill).
* a process rewriting a knowledge YAML file in a loop with `write_atomic`, as the TUI's editor
  saves. After each kill the file is exactly one of the versions written, the knowledge loads
  without error, and a temporary file left by the kill (`.NAME.xxx.tmp`) is not read as knowledge.

Everything is seeded; the figures of a run are printed (`pytest -s tests/test_kill.py`).
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from engine.loader import knowledge_files, load_knowledge
from engine.model import answers_for
from engine.session import read_session_file

ROOT = Path(__file__).resolve().parent.parent
SEED = 8_2026
SESSION_WORKERS = 4          # session processes alive at once (startup is ~0.6 s of CPU each)
KILLS_PER_WORKER = 25        # 4 x 25 = 100 SIGKILLs of session processes
EDITOR_KILLS = 102
WATCHDOG_S = 30              # a process that stops answering is killed, and the test fails
TMP_NAME = re.compile(r"^\.(?P<name>.+)\.[^.]+\.tmp$")


# ---------------------------------------------------------------------------------------------
# sessions


@dataclass
class Stats:
    kills: int = 0
    kills_starting: int = 0          # before the first ask was read
    kills_in_flight: int = 0         # after writing a line, before reading its reply
    in_flight_saved: int = 0         # ... and the file already held that line's change
    kills_after_reply: int = 0
    acked: int = 0                   # replies read to answers / undos
    chains: int = 0                  # fresh session files (a chain ends when a session is done)
    done: int = 0
    tmp_left: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, other: "Stats") -> None:
        for name in ("kills", "kills_starting", "kills_in_flight", "in_flight_saved", "kills_after_reply",
                     "acked", "chains", "done", "tmp_left"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures += other.failures


def _events(path: Path) -> list[tuple[str, str]] | None:
    """The (id, answer) events of the saved session, None if there is no file. Raises SessionError
    if the file is corrupt or half-written."""
    if not path.exists():
        return None
    data = read_session_file(path)
    seqs = [e.seq for e in data.events]
    assert seqs == sorted(set(seqs)), f"{path}: event seq numbers out of order: {seqs}"
    assert not data.orphans, f"{path}: orphans on an unchanged graph: {data.orphans}"
    return [(e.id, e.answer) for e in data.events]


def _reply(proc: subprocess.Popen, errlog: Path, after: object) -> dict:
    """The next line the session writes, parsed; a clear failure if there is none."""
    line = proc.stdout.readline()
    try:
        return json.loads(line)
    except ValueError:
        proc.kill()
        proc.wait()
        raise AssertionError(f"no reply to {after!r}: got {line!r}, exit code {proc.returncode}, "
                             f"stderr {errlog.read_text()[-2000:]!r}") from None


def _pick_answer(rng: random.Random, answers: list[str]) -> str:
    # "found" ends the session (and the chain), so it is rare
    weights = [0.15 if a == "found" else 1.0 for a in answers]
    return rng.choices(answers, weights)[0]


def _session_worker(worker: int, folder: Path, nodes: list[tuple[str, tuple[str, ...]]]) -> Stats:
    rng = random.Random(SEED * 1000 + worker)
    stats = Stats()
    folder.mkdir(parents=True, exist_ok=True)
    errlog = folder / "stderr.txt"
    chain = 0
    path = folder / f"chain{chain}.json"
    acked: list[tuple[str, str]] = []     # what the file must hold: every acknowledged answer
    stats.chains = 1

    def new_chain() -> None:
        nonlocal chain, path, acked
        chain += 1
        stats.chains += 1
        path = folder / f"chain{chain}.json"
        acked = []

    while stats.kills < KILLS_PER_WORKER:
        args = [sys.executable, "-m", "tui", "session", "--jsonl", "--save", str(path)]
        if path.exists():
            args += ["--resume", str(path)]
        with errlog.open("ab") as err:
            proc = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                    text=True, encoding="utf-8")
        watchdog = threading.Timer(WATCHDOG_S, proc.kill)
        watchdog.start()
        in_flight: list[tuple[str, str]] | None = None   # the file's events if the line in flight was applied
        ended = False
        try:
            style = rng.random()
            if style < 0.10:       # kill while it starts (loading the knowledge, importing)
                time.sleep(rng.uniform(0, 0.6))
                stats.kills_starting += 1
            else:
                first = _reply(proc, errlog, "start")
                if first["type"] == "done":      # resumed a session that had ended ("found" saved in flight)
                    ended = True
                else:
                    pending = first["node"]
                    ops = rng.randint(0, 14)
                    # how the last line ends: kill at once (its save may be half done), kill after a
                    # short sleep, or read its reply and then kill
                    last = rng.choices(["now", "sleep", "reply"], [0.3, 0.2, 0.5])[0] if ops else "reply"
                    for op in range(ops):
                        roll = rng.random()
                        if roll < 0.55:
                            answer = _pick_answer(rng, pending["answers"])
                            line, change = {"answer": answer}, acked + [(pending["id"], answer)]
                        elif roll < 0.82:
                            node_id, answers = rng.choice(nodes)
                            answer = _pick_answer(rng, list(answers))
                            line, change = {"answer": answer, "id": node_id}, acked + [(node_id, answer)]
                        elif roll < 0.90 and acked:
                            line, change = {"undo": True}, acked[:-1]
                        elif roll < 0.95:
                            line, change = {"why": True}, None
                        else:   # a line it cannot use: an error reply, nothing changes
                            line, change = rng.choice([{"answer": "maybe"}, {"answer": "yes", "id": "no_such_node"},
                                                       "not json", {"frobnicate": 1}]), None
                        proc.stdin.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
                        proc.stdin.flush()
                        if op == ops - 1 and last != "reply":
                            if last == "sleep":
                                time.sleep(rng.uniform(0, 0.008))
                            in_flight = change
                            stats.kills_in_flight += 1
                            break
                        reply = _reply(proc, errlog, line)
                        if change is None:
                            assert reply["type"] in ("error", "why"), reply
                            continue
                        assert reply["type"] in ("ask", "done"), f"{line} -> {reply}"
                        acked = change
                        stats.acked += 1
                        if reply["type"] == "done":
                            ended = True
                            break
                        assert reply["step"] == len(acked) + 1, (reply["step"], len(acked))
                        pending = reply["node"]
                    else:
                        if rng.random() < 0.5:
                            time.sleep(rng.uniform(0, 0.003))
                        stats.kills_after_reply += 1
        finally:
            if ended:
                watchdog.cancel()
                proc.stdin.close()
                proc.wait(timeout=WATCHDOG_S)
            else:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                watchdog.cancel()
                stats.kills += 1
        assert proc.returncode == (0 if ended else -signal.SIGKILL), (
            f"worker {worker}: session exited with {proc.returncode}: {errlog.read_text()[-2000:]}")

        got = _events(path)     # raises if the file is corrupt
        allowed = [acked] + ([in_flight] if in_flight is not None else [])
        if got is None:
            assert acked == [], f"worker {worker}: {path} vanished with {len(acked)} acknowledged answers"
        elif got not in allowed:
            lost = [e for e in acked if e not in got]
            stats.failures.append(f"worker {worker} {path.name}: file holds {len(got)} events, "
                                  f"{len(acked)} acknowledged; lost {lost[:3]}")
            return stats
        if in_flight is not None and got == in_flight and in_flight != acked:
            stats.in_flight_saved += 1
        acked = got or []
        stats.tmp_left += sum(1 for p in folder.iterdir() if TMP_NAME.match(p.name))
        for p in folder.iterdir():
            if TMP_NAME.match(p.name):
                p.unlink()
        if ended:
            stats.done += 1
            new_chain()
    return stats


def test_sigkilled_sessions_keep_every_acknowledged_answer(tmp_path, kb):
    nodes = [(n.id, answers_for(n.kind)) for n in kb.nodes.values()]
    total = Stats()
    started = time.perf_counter()
    with ThreadPoolExecutor(SESSION_WORKERS) as pool:
        futures = [pool.submit(_session_worker, w, tmp_path / f"w{w}", nodes) for w in range(SESSION_WORKERS)]
        for future in futures:
            total.add(future.result())
    elapsed = time.perf_counter() - started
    print(f"\nsession kills: {total}, {elapsed:.1f} s")
    assert not total.failures, total.failures
    assert total.kills >= 100
    # the interesting moments were really hit (so the test could have failed)
    assert total.kills_in_flight >= 20 and total.kills_starting >= 5 and total.kills_after_reply >= 10
    assert total.acked >= 200
    assert total.in_flight_saved >= 1, "no kill landed after a save and before its reply was read"


# ---------------------------------------------------------------------------------------------
# the knowledge editor's save (engine.storage.write_atomic)


def _layer_version(k: int) -> str:
    """A valid knowledge layer: a question node and a suggests edge; sizes differ a lot, so a torn
    write could not pass for another version."""
    pad = " ".join(f"word{i}" for i in range([10, 1800, 200, 1200][k % 4]))
    return (f"# version {k}\n"
            "nodes:\n"
            "  - id: killtest_question\n"
            "    kind: question\n"
            f"    title: {{en: 'Kill test question, version {k}', ja: 'バージョン{k}'}}\n"
            f"    ask: {{en: 'Is this version {k}? {pad}', ja: 'これはバージョン{k}ですか'}}\n"
            f"    help: {{en: 'Help {k}: {pad}', ja: 'ヘルプ{k}'}}\n"
            "edges:\n"
            "  - source: killtest_question\n"
            "    target: learning_rate_wrong\n"
            "    kind: suggests\n"
            f"    strength: 0.{k + 5}\n"
            f"    because: {{en: 'Kill test edge {k}.', ja: 'テスト{k}'}}\n")


_REWRITER = """
import json, sys
from pathlib import Path
from engine.storage import write_atomic
path = Path(sys.argv[1])
versions = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
write_atomic(path, versions[0])
print("ready", flush=True)
i = 0
while True:
    i += 1
    write_atomic(path, versions[i % len(versions)])
"""


def _editor_worker(worker: int, folder: Path, spec: Path, versions: list[str], kills: int) -> tuple[dict, int]:
    """SIGKILL a rewriter of ``folder/layer.yaml`` ``kills`` times; returns (how often each version was
    found, how many kills left a temporary file)."""
    rng = random.Random(SEED * 1000 + 500 + worker)
    folder.mkdir(parents=True)
    target = folder / "layer.yaml"
    seen: dict[int, int] = {}
    left = 0
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, "-c", _REWRITER, str(target), str(spec)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        watchdog = threading.Timer(WATCHDOG_S, proc.kill)
        watchdog.start()
        try:
            ready = proc.stdout.readline()
            time.sleep(rng.uniform(0, 0.03))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            watchdog.cancel()
            stderr = proc.stderr.read()
            proc.stdout.close()
            proc.stderr.close()
        assert ready == "ready\n", stderr
        assert proc.returncode == -signal.SIGKILL
        text = target.read_text(encoding="utf-8")
        assert text in versions, f"torn knowledge file after a kill ({len(text)} characters)"
        seen[versions.index(text)] = seen.get(versions.index(text), 0) + 1
        # what a kill leaves behind is a dot-file named after the target, which the loader skips
        extra = [p for p in folder.iterdir() if p != target]
        for p in extra:
            match = TMP_NAME.match(p.name)
            assert match and match["name"] == target.name, f"unexpected file after a kill: {p.name}"
        assert knowledge_files(folder) == [target]
        result = load_knowledge([folder])
        assert not result.problems, [str(p) for p in result.problems]
        assert result.kb is not None and "killtest_question" in result.kb.nodes
        left += len(extra)
        for p in extra:   # count each kill's leftover once
            p.unlink()
    return seen, left


def test_sigkilled_knowledge_save_leaves_old_or_new_file(tmp_path):
    versions = [_layer_version(k) for k in range(4)]
    for k, text in enumerate(versions):   # each version on its own is valid knowledge
        layer = tmp_path / f"check{k}"
        layer.mkdir()
        (layer / "layer.yaml").write_text(text, encoding="utf-8")
        assert not load_knowledge([layer]).problems, text[:40]
    spec = tmp_path / "versions.json"
    spec.write_text(json.dumps(versions), encoding="utf-8")
    started = time.perf_counter()
    workers = 3
    per = -(-EDITOR_KILLS // workers)
    seen: dict[int, int] = {}
    left = 0
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(_editor_worker, w, tmp_path / f"kb{w}", spec, versions, per)
                   for w in range(workers)]
        for future in futures:
            got, n = future.result()
            left += n
            for k, v in got.items():
                seen[k] = seen.get(k, 0) + v
    elapsed = time.perf_counter() - started
    print(f"\neditor kills: {per * workers}, versions found {dict(sorted(seen.items()))}, "
          f"kills that left a temporary file {left}, {elapsed:.1f} s")
    assert sum(seen.values()) >= 100
    assert len(seen) >= 3, "the kills did not land at varied moments"
    assert left >= 5, "too few kills landed in the middle of a write"


def test_a_leftover_temporary_file_is_not_loaded_as_knowledge(tmp_path):
    """What a kill mid-save leaves behind (a half-written `.NAME.xxx.tmp`) is never read as knowledge,
    even when its name ends in .yaml-like text."""
    good = tmp_path / "layer.yaml"
    good.write_text(_layer_version(0), encoding="utf-8")
    (tmp_path / ".layer.yaml.ab12cd.tmp").write_text("nodes:\n  - id: [broken", encoding="utf-8")
    (tmp_path / ".hidden.yaml").write_text("nodes:\n  - id: [broken", encoding="utf-8")
    assert knowledge_files(tmp_path) == [good]
    assert not load_knowledge([tmp_path]).problems
