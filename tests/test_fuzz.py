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


# ---------------------------------------------------------------------------------------------
# the crashes found while fuzzing, one explicit case each (the cause is in the comment)


def _tf_record(payload: bytes) -> bytes:
    import struct

    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    head = struct.pack("<Q", len(payload))
    return head + struct.pack("<I", masked_crc32c(head)) + payload + struct.pack("<I", masked_crc32c(payload))


def test_yaml_text_with_a_lone_surrogate_is_a_yaml_error() -> None:
    # libyaml encodes the text to UTF-8 first and raised UnicodeEncodeError (hypothesis: b"\x80")
    from engine.yamlsource import YamlError, parse_yaml

    with pytest.raises(YamlError) as caught:
        parse_yaml("nodes:\n  - id: a\udc80", "k.yaml")
    assert (caught.value.line, caught.value.col) == (2, 10)
    assert "surrogate" in caught.value.message


def test_edge_whose_source_is_a_mapping_is_a_problem(tmp_path) -> None:
    # the layering keyed edges by (source, target, kind): a mapping there is unhashable (TypeError)
    from engine.loader import load_knowledge

    (tmp_path / "k.yaml").write_text("edges:\n  - {source: {a: 1}, target: loss_nan, kind: suggests}\n")
    result = load_knowledge([tmp_path])
    assert result.kb is None
    assert any(p.path.endswith("k.yaml") and p.line == 2 for p in result.errors)


@pytest.mark.parametrize("line,expected", [
    # a NUL in a save path: os raises ValueError, not OSError (atheris)
    ('{"save": "a\\u0000b"}', "could not save to 'a\\x00b'"),
    # json.loads raises RecursionError past ~1,000 levels (hypothesis)
    ("[" * 100_000, "nested too deeply"),
    ('{"a":' * 5_000 + "1" + "}" * 5_000, "nested too deeply"),
    # int() refuses more than 4,300 digits with a ValueError that is not a JSONDecodeError
    ('{"answer": ' + "9" * 5_000 + "}", "Exceeds the limit"),
    # a lone surrogate escape reached a pydantic str field (ValidationError) and could not be printed
    ('{"say": "loss \\ud800 nan"}', "lone surrogate"),
    ('{"answer": "yes", "id": "loss_nan", "evidence": "\\udfff"}', "lone surrogate"),
], ids=["nul-in-save-path", "deep-array", "deep-object", "5000-digits", "surrogate-say", "surrogate-evidence"])
def test_protocol_lines_that_crashed_get_an_error_reply(session, tmp_path, monkeypatch, line, expected) -> None:
    from engine.protocol import Conversation

    monkeypatch.chdir(tmp_path)
    conversation = Conversation(session)
    conversation.opening()
    session.answer("yes", "loss_nan")
    before = list(session.events)
    reply = conversation.handle(line)
    assert reply["type"] == "error" and expected in reply["message"], reply
    json.dumps(reply, ensure_ascii=False).encode("utf-8")
    assert session.events == before
    assert list(tmp_path.iterdir()) == []


def test_session_cli_survives_a_lone_surrogate() -> None:
    from conftest import run_cli

    lines = '{"say": "loss \\ud800 nan"}\n{"answer": "yes", "id": "loss_nan"}\n'
    proc = run_cli("session", "--jsonl", input=lines)
    assert proc.returncode == 0, proc.stderr
    replies = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [r["type"] for r in replies] == ["ask", "error", "ask", "done"]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("text,expected", [
    ("[" * 100_000, "nested too deeply"),                     # RecursionError (hypothesis)
    ('{"version": 1, "events": [' + "9" * 5_000 + "]}", "4300"),  # int digit limit (hypothesis)
    ('{"version": 1, "a\\nb": 1}', "a\\nb"),                   # a key with a newline: one line
], ids=["deep", "5000-digits", "newline-in-key"])
def test_session_files_that_crashed_get_a_session_error(tmp_path, text, expected) -> None:
    from engine.session import SessionError, read_session_file

    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(SessionError) as caught:
        read_session_file(path)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_log_error_naming_odd_columns_stays_one_line(tmp_path) -> None:
    # JSONL keys with \r and control characters went into the message as they were (atheris)
    from engine.logs import LogError, analyze_path

    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps({"x\r\x1b[2Jy": 1, "step": 1}) + "\n")
    with pytest.raises(LogError) as caught:
        analyze_path(path)
    assert "\r" not in str(caught.value) and "\x1b" not in str(caught.value)
    assert "x\\ry" not in str(caught.value) and "x\\r\\x1b[2Jy" in str(caught.value)


def test_jsonl_key_with_a_lone_surrogate_can_be_printed(tmp_path) -> None:
    # `analyze --format json` died with UnicodeEncodeError writing such a column name
    from conftest import run_cli

    path = tmp_path / "log.jsonl"
    path.write_text('{"loss\\ud800": 1.0}\n{"loss\\ud800": 0.5}\n')
    proc = run_cli("analyze", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["series"] == ["loss\\ud800"]


def test_jsonl_huge_integers_and_deep_records(tmp_path) -> None:
    from engine.logs import LogError, analyze_path

    path = tmp_path / "log.jsonl"
    # float(10**400) raised OverflowError; it is as large as a float gets
    path.write_text('{"loss": 1.0}\n{"loss": ' + "1" + "0" * 400 + "}\n")
    analysis = analyze_path(path)
    assert "loss_nan" in analysis.ids or analysis.rows == 2
    # a record nested 900 levels deep: flattening it recursed past the stack limit
    path.write_text('{"loss": 1.0, "a": ' + '{"b": ' * 900 + "1" + "}" * 900 + "}\n")
    assert analyze_path(path).rows == 1
    # deeper than the JSON reader allows: RecursionError from json.loads
    path.write_text('{"loss": ' + "[" * 100_000 + "\n")
    with pytest.raises(LogError, match="nested too deeply"):
        analyze_path(path)


def test_tensorboard_tensor_of_the_wrong_size_is_skipped(tmp_path) -> None:
    # np.frombuffer raised ValueError on 5 bytes of float32 content (hypothesis)
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2

    from engine.logs import analyze_path

    def event(step: int, content: bytes) -> bytes:
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, tensor_content=content)
        value = summary_pb2.Summary.Value(tag="loss", tensor=tensor)
        return _tf_record(event_pb2.Event(step=step, summary=summary_pb2.Summary(value=[value])).SerializeToString())

    import numpy as np

    path = tmp_path / "events.out.tfevents.1"
    path.write_bytes(event(0, b"\x00" * 5) + b"".join(event(i, np.float32(1.0 / i).tobytes()) for i in range(1, 4)))
    analysis = analyze_path(path)
    assert analysis.rows == 3


def test_tensorboard_record_claiming_exabytes_is_refused(tmp_path) -> None:
    # a length field with a valid checksum asked f.read() for 2**63 bytes: OverflowError
    import struct

    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    from engine.logs import LogError, analyze_path

    head = struct.pack("<Q", 2 ** 63 + 5)
    path = tmp_path / "events.out.tfevents.1"
    path.write_bytes(head + struct.pack("<I", masked_crc32c(head)) + b"data")
    with pytest.raises(LogError, match="truncated record 1"):
        analyze_path(path)


@pytest.mark.parametrize("text", [
    "\ufdfa" * 5_000,   # NFKC makes each of these 18 characters: 90,000 after the cut (2.8 s)
    "1" * 5_000,        # "\d+" retried from every digit of a long run: quadratic (1.1 s)
    "。" * 5_000,        # 5,000 empty sentences, each searched with every template (0.7 s)
    "abcdefgh " * 555,  # the same unknown word spell-checked 555 times (0.5 s)
], ids=["nfkc-expansion", "digit-run", "empty-sentences", "repeated-typo"])
def test_matcher_is_fast_on_pathological_text(kb, text) -> None:
    from engine.understand import matcher_for

    matcher = matcher_for(kb)
    matcher.hear("warm up")
    with fh.bounded("hear", limit=fh.LIMIT / 2):
        matcher.hear(text)
