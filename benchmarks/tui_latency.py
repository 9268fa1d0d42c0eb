#!/usr/bin/env python3
"""Time the TUI as a person sees it: in a real pseudo-terminal, read through a terminal emulator.

1. startup: from spawning `nn-triage tui --new` to the first question on the screen;
2. answer: from sending a key to the next ask (its "step N" label) on the screen, and to the
   whole screen settled: the moment every cell shows what it will show once the terminal has
   been quiet for 150 ms (suspects, path and footer updated too).

Between answers the script waits ``--think`` seconds (default 0.25 s, a quick reader) as a
person reads the next question; ``--think 0`` presses the next key the moment the ask appears.

The program runs under a pty of 80x24; its output is fed to pyte (a terminal emulator in Python,
`pip install pyte`, needed by this script only) frame by frame, and read every millisecond.

usage: python benchmarks/tui_latency.py [--runs 10] [--answers 15] [--think 0.25] [--json]
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
from pathlib import Path

import pyte

COLS, ROWS = 80, 24


SYNC_QUERY = b"\x1b[?2026$p"  # does the terminal support synchronized output?
SYNC_REPLY = b"\x1b[?2026;2$y"  # yes (as kitty, WezTerm, iTerm2, foot, Windows Terminal answer)
SYNC_START, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"


class Term:
    """A pty of 80x24 read through pyte, acting as a terminal with synchronized output: Textual
    then brackets each frame, and a frame reaches the screen only when it is complete, as in
    the terminals above. (Without it, a frame split across reads would show half-drawn.)"""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.pending = b""
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

    def read(self, timeout: float) -> float | None:
        """Read what the program wrote within ``timeout`` seconds and show every complete frame;
        the time of the read when the screen changed, else None. The time is taken before the
        emulator parses the bytes, so its cost is not counted."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return None
        at = time.perf_counter()
        if SYNC_QUERY in self.pending[-16:] + data:
            os.write(self.fd, SYNC_REPLY)
        self.pending += data
        cut = self.pending.rfind(SYNC_END)
        cut = cut + len(SYNC_END) if cut >= 0 else 0
        if SYNC_START not in self.pending[cut:]:
            cut = len(self.pending)  # output outside any frame shows at once
        if cut == 0:
            return None
        self.stream.feed(self.pending[:cut])
        self.pending = self.pending[cut:]
        return at

    def wait_for(self, predicate, limit: float = 20.0) -> float:
        """When the screen first satisfied ``predicate``."""
        start, at = time.perf_counter(), time.perf_counter()
        while not predicate(self.text()):
            if time.perf_counter() - start > limit:
                raise TimeoutError(self.text())
            at = self.read(0.001) or at
        return at

    def settled_after(self, since: float, quiet: float = 0.15, limit: float = 20.0) -> float:
        """When the screen first showed what it finally shows, reading output until the terminal
        has been quiet for ``quiet`` seconds. Redraws that change nothing visible (Textual often
        lays out twice) do not count; any change to any cell does."""
        snapshots = [(since, self.text())]
        last, start = since, time.perf_counter()
        while time.perf_counter() - last < quiet:
            at = self.read(0.001)
            if at is not None:
                snapshots.append((at, self.text()))
                last = at
            if time.perf_counter() - start > limit:
                raise TimeoutError("the screen kept changing")
        final, settled = snapshots[-1][1], snapshots[-1][0]
        for when, shown in reversed(snapshots):
            if shown != final:
                break
            settled = when
        return settled

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        os.close(self.fd)


def step_label(text: str, step_word: str = "step") -> str | None:
    for line in text.splitlines():
        if f"{step_word} " in line and " · " in line:
            return line.split("│")[0].strip()
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--answers", type=int, default=15)
    ap.add_argument("--think", type=float, default=0.25, help="seconds between an ask and its answer")
    ap.add_argument("--lang", default="en", choices=("en", "ja"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLS), "LINES": str(ROWS)}
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tui.i18n import strings

    ui = strings(args.lang)
    word, why = ui.t("step"), ui.bindings.why
    questions = {ui.kinds.symptom, ui.kinds.context, ui.kinds.question}  # answered "don't know"
    at_step = lambda n: lambda t: (step_label(t, word) or "").startswith(f"{word} {n} ·")  # noqa: E731
    startups, answers, settled = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as data:
            env["NN_TRIAGE_DATA_DIR"] = data
            term = Term([sys.executable, "-m", "tui", "tui", "--new", "--lang", args.lang], env)
            try:
                shown = term.wait_for(lambda t: at_step(1)(t) and why in t)
                startups.append(shown - term.started)
                time.sleep(args.think)
                for n in range(1, args.answers + 1):
                    kind = (step_label(term.text(), word) or "").split(" · ")[-1]
                    key = "u" if any(kind.startswith(q) for q in questions) else "o"
                    sent = time.perf_counter()
                    term.send(key)
                    done = term.wait_for(at_step(n + 1))
                    answers.append(done - sent)
                    settled.append(term.settled_after(done) - sent)
                    time.sleep(max(0.0, args.think - 0.15))  # settled_after already waited 0.15 s
            finally:
                term.close()
    ms = lambda xs, q: round(sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000, 1)  # noqa: E731
    out = {"startup_ms": {"median": round(statistics.median(startups) * 1000, 1), "max": ms(startups, 1.0),
                          "runs": len(startups)},
           "answer_ms": {"median": round(statistics.median(answers) * 1000, 1), "p95": ms(answers, 0.95),
                         "max": ms(answers, 1.0), "answers": len(answers)},
           "settled_ms": {"median": round(statistics.median(settled) * 1000, 1), "p95": ms(settled, 0.95),
                          "max": ms(settled, 1.0)},
           "think_s": args.think}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"first question on screen: median {out['startup_ms']['median']} ms (max {out['startup_ms']['max']}, "
              f"{len(startups)} runs)")
        print(f"answer to next ask on screen: median {out['answer_ms']['median']} ms, p95 {out['answer_ms']['p95']} ms, "
              f"max {out['answer_ms']['max']} ms ({len(answers)} answers, {args.think} s between them)")
        print(f"answer to screen settled: median {out['settled_ms']['median']} ms, p95 {out['settled_ms']['p95']} ms, "
              f"max {out['settled_ms']['max']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
