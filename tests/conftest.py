"""Shared fixtures: run the CLI in-process or as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli(capsys):
    """Call `nn-triage ARGS...` in-process; returns (exit code, stdout, stderr)."""
    from tui.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def run_cli(*args: str, cwd: Path | None = None, input: str | None = None, timeout: float = 60):
    """`python -m tui ARGS...` as a separate process (what a user's shell runs)."""
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, input=input, timeout=timeout)


@pytest.fixture(autouse=True)
def _unfreeze_heap():
    """The TUI freezes the heap once its first screen is drawn (TriageApp.settle); in a test
    process that runs many apps, thaw it after each test so that nothing piles up."""
    import gc

    yield
    gc.unfreeze()


@pytest.fixture(scope="session")
def kb():
    from engine.loader import load_or_raise

    return load_or_raise()


@pytest.fixture(scope="session")
def model(kb):
    from engine.model import compile_model

    return compile_model(kb)


@pytest.fixture
def session(kb, model):
    from engine.session import Session

    return Session(kb, model)
