#!/usr/bin/env python3
"""Time the TUI as a person sees it: in a real pseudo-terminal, read through a terminal emulator.

1. startup: from spawning `nn-triage tui --new` to the first question on the screen;
2. answer: from sending a key to the next ask (its "step N" label) on the screen.

The program runs under a pty of 80x24; its output is fed to pyte (a terminal emulator in Python,
`pip install pyte`, needed by this script only) and the screen is polled every millisecond.

usage: python benchmarks/tui_latency.py [--runs 10] [--answers 15] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import signal
import statistics
import sys
import tempfile
import time

import pyte

COLS, ROWS = 80, 24


class Term:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            os.execvpe(argv[0], argv, env)
        import fcntl
        import struct
        import termios

        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def pump(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return b""
            self.stream.feed(data)
            return data
        return b""

    def wait_for_bytes(self, needle: bytes, limit: float = 20.0) -> float:
        """When ``needle`` was written to the terminal (checked on the raw output, before the
        emulator parses it, so the emulator's own cost is not counted)."""
        start, seen = time.perf_counter(), b""
        while True:
            ready, _, _ = select.select([self.fd], [], [], 0.001)
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                seen += data
                if needle in seen:
                    at = time.perf_counter()
                    self.stream.feed(seen)
                    return at
                if len(seen) > 1_000_000:
                    self.stream.feed(seen)
                    seen = b""
            if time.perf_counter() - start > limit:
                raise TimeoutError(needle)

    def wait_for(self, predicate, limit: float = 20.0) -> float:
        start = time.perf_counter()
        while not predicate(self.text()):
            if time.perf_counter() - start > limit:
                raise TimeoutError(self.text())
            self.pump(0.001)
        return time.perf_counter()

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        os.close(self.fd)


def step_label(text: str) -> str | None:
    for line in text.splitlines():
        if "step " in line and " · " in line:
            return line.split("│")[0].strip()
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--answers", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLS), "LINES": str(ROWS)}
    startups, answers = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as data:
            env["NN_TRIAGE_DATA_DIR"] = data
            term = Term([sys.executable, "-m", "tui", "tui", "--new", "--lang", "en"], env)
            try:
                shown = term.wait_for(lambda t: (step_label(t) or "").startswith("step 1 ·") and "Why?" in t)
                startups.append(shown - term.started)
                for n in range(1, args.answers + 1):
                    label = step_label(term.text()) or ""
                    key = "o" if ("· Check" in label or "· First step" in label) else "u"
                    sent = time.perf_counter()
                    term.send(key)
                    done = term.wait_for_bytes(f"step {n + 1} ·".encode())
                    answers.append(done - sent)
                    term.wait_for(lambda t: (step_label(t) or "").startswith(f"step {n + 1} ·"))
            finally:
                term.close()
    ms = lambda xs, q: round(sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000, 1)  # noqa: E731
    out = {"startup_ms": {"median": round(statistics.median(startups) * 1000, 1), "max": ms(startups, 1.0),
                          "runs": len(startups)},
           "answer_ms": {"median": round(statistics.median(answers) * 1000, 1), "p95": ms(answers, 0.95),
                         "max": ms(answers, 1.0), "answers": len(answers)}}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"first question on screen: median {out['startup_ms']['median']} ms (max {out['startup_ms']['max']}, "
              f"{len(startups)} runs)")
        print(f"answer to next ask on screen: median {out['answer_ms']['median']} ms, p95 {out['answer_ms']['p95']} ms, "
              f"max {out['answer_ms']['max']} ms ({len(answers)} answers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
