"""Seeded property tests over every input nn-triage reads from outside (issue 8, fuzzing).

Each target (see `fuzz_harness.py`) gets inputs from `fuzz_strategies.py`: random bytes and text,
structures dumped as YAML / JSON, logs in every format the readers know, protocol lines, saved
sessions and problem descriptions, and mutations of the real knowledge files, logs and sessions.
The property: a result or the project's own error (YamlError / the problems list, LogError,
SessionError, an `error` reply), never another exception, within `LIMIT` seconds.

The run is derandomized, so it is the same on every machine; `benchmarks/fuzz_nightly.py` runs the
same targets for 100,000+ inputs, and every crashing input it saves under
`tests/fixtures/fuzz_crashes/<target>/` is replayed here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import fuzz_harness as fh
from fuzz_strategies import STRATEGIES

EXAMPLES = {  # about 25 s in all on 2 cores
    "yaml": 200,
    "knowledge": 120,
    "knowledge_layered": 12,
    "logs": 250,
    "protocol": 80,
    "session_file": 150,
    "matcher": 70,
}

FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.large_base_example])


@pytest.fixture(scope="module", autouse=True)
def _scratch():
    yield
    fh.cleanup()


def _property_test(target: str):
    @settings(FUZZ, max_examples=EXAMPLES[target])
    @given(STRATEGIES[target]())
    def test(data: bytes) -> None:
        fh.TARGETS[target](data)

    test.__name__ = f"test_fuzz_{target}"
    test.__doc__ = f"Seeded random inputs for the {target!r} target get a result or the project's own error."
    return test


test_fuzz_yaml = _property_test("yaml")
test_fuzz_knowledge = _property_test("knowledge")
test_fuzz_knowledge_layered = _property_test("knowledge_layered")
test_fuzz_logs = _property_test("logs")
test_fuzz_protocol = _property_test("protocol")
test_fuzz_session_file = _property_test("session_file")
test_fuzz_matcher = _property_test("matcher")


# ---------------------------------------------------------------------------------------------
# every crash the fuzzers ever found


@pytest.mark.parametrize("target,path", fh.crash_files(), ids=[f"{t}/{p.name}" for t, p in fh.crash_files()])
def test_saved_crash_replays_cleanly(target: str, path: Path) -> None:
    fh.TARGETS[target](path.read_bytes())


def test_crash_folders_name_targets() -> None:
    """A crash saved under a folder that is not a target would never be replayed."""
    if fh.CRASH_DIR.is_dir():
        assert {p.name for p in fh.CRASH_DIR.iterdir() if p.is_dir()} <= set(fh.TARGETS)


# ---------------------------------------------------------------------------------------------
# the harness itself: a property that cannot fail proves nothing


def test_harness_catches_a_hang(monkeypatch) -> None:
    import time

    with pytest.raises(fh.TooSlow):
        with fh.bounded("sleeping", limit=0.05):
            time.sleep(0.1)


def test_harness_catches_a_wrong_reply(monkeypatch) -> None:
    from engine.protocol import Conversation

    monkeypatch.setattr(Conversation, "handle", lambda self, line: {"type": "maybe"})
    with pytest.raises(fh.PropertyFailed, match="reply type"):
        fh.target_protocol(b"\x00" + json.dumps({"answer": "yes"}).encode())


def test_harness_catches_a_lost_answer(monkeypatch) -> None:
    from engine.protocol import Conversation

    real = Conversation.handle

    def forgetful(self, line):
        reply = real(self, line)
        if len(self.session.events) >= 2:
            del self.session.events[0]
        return reply

    monkeypatch.setattr(Conversation, "handle", forgetful)
    lines = "\n".join(json.dumps({"answer": "yes", "id": i}) for i in ("loss_nan", "nan_early", "custom_loss"))
    with pytest.raises(fh.PropertyFailed, match="lost"):
        fh.target_protocol(b"\x00" + lines.encode())


def test_harness_sees_an_unexpected_exception(monkeypatch) -> None:
    import engine.logs

    def boom(*args, **kwargs):
        raise KeyError("x")

    monkeypatch.setattr(engine.logs, "analyze_path", boom)
    with pytest.raises(KeyError):
        fh.target_logs(fh.log_input(0, b"loss\n1\n"))
