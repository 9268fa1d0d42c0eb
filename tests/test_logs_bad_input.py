"""Bad input: one clear LogError naming the file and the line, never a crash or a silent answer."""

from __future__ import annotations

import builtins
import struct
from pathlib import Path

import pytest

from conftest import ROOT
from engine.logs import LogError, analyze_path

FIX = ROOT / "tests" / "fixtures" / "logs"


def error_of(path: Path, **kw) -> str:
    with pytest.raises(LogError) as info:
        analyze_path(path, **kw)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    p = tmp_path / name
    (p.write_bytes if isinstance(data, bytes) else p.write_text)(data)
    return p


def test_missing_file(tmp_path):
    assert error_of(tmp_path / "nope.csv").endswith("nope.csv: no such file or folder")


def test_empty_and_blank_files(tmp_path):
    assert error_of(write(tmp_path, "e.csv", "")).endswith("e.csv:1: the file is empty")
    assert "only blank lines" in error_of(write(tmp_path, "b.csv", "\n\n  \n"))


def test_header_without_rows(tmp_path):
    assert error_of(write(tmp_path, "h.csv", "\n\nepoch,loss,val_loss\n")).endswith(
        "h.csv:3: no data rows after the header")


def test_no_recognisable_columns(tmp_path):
    msg = error_of(write(tmp_path, "c.csv", "a,b,c\n1,2,3\n"))
    assert "c.csv:1: no loss, accuracy or gradient column among: a, b, c" in msg
    assert "--column loss=COLUMN" in msg
    msg = error_of(write(tmp_path, "d.csv", "0,2.3,2.4\n1,2.2,2.3\n"))
    assert msg.endswith("d.csv:1: the first line holds numbers, not column names: add a header line "
                        "(e.g. epoch,loss,val_loss)")


def test_unknown_format_free_text(tmp_path):
    msg = error_of(write(tmp_path, "notes.txt", "Epoch 1/10 - the loss looked fine\n"))
    assert "notes.txt:1: not a recognised log format" in msg


def test_truncated_last_csv_line(tmp_path):
    msg = error_of(write(tmp_path, "t.csv", "epoch,loss,val_loss\n0,2.3,2.3\n1,2.1,2.2\n2,1.9"))
    assert msg.endswith("t.csv:4: truncated line: 2 of 3 fields (the file ends in the middle of a row)")


def test_truncated_number_on_the_last_line(tmp_path):
    msg = error_of(write(tmp_path, "t.csv", "epoch,loss\n0,2.3\n1,2.1\n2,1.9e"))
    assert msg.endswith("t.csv:4: column 'loss': '1.9e' is not a number (the last line is incomplete)")


def test_wrong_field_count_in_the_middle(tmp_path):
    rows = "".join(f"{i},{2.0}\n" for i in range(5000))
    msg = error_of(write(tmp_path, "w.csv", "epoch,loss\n" + rows + "5000,1.0,7\n" + rows))
    assert msg.endswith("w.csv:5002: 3 fields where the header has 2")


def test_not_a_number_names_line_and_column(tmp_path):
    msg = error_of(write(tmp_path, "n.csv", "epoch,loss\n0,2.3\n1,oops\n2,1.0\n"))
    assert msg.endswith("n.csv:3: column 'loss': 'oops' is not a number")


def test_columns_nn_triage_does_not_use_may_hold_text(tmp_path):
    p = write(tmp_path, "ok.csv", "epoch,loss,note\n" + "".join(f"{i},{2.3 - i * 0.1},run A\n" for i in range(10)))
    assert analyze_path(p).rows == 10


def test_binary_garbage(tmp_path):
    msg = error_of(write(tmp_path, "g.bin", bytes(range(256)) * 4))
    assert "g.bin:1: binary data, not a text log (a NUL byte at offset 0)" in msg
    msg = error_of(write(tmp_path, "g2.csv", b"epoch,loss\n0,1.0\n\xff\xfe\xfa garbage\n"))
    assert "g2.csv:3: binary data or not UTF-8 text" in msg


def test_invalid_utf8_after_the_first_block_names_its_line(tmp_path):
    head = "epoch,loss\n" + "".join(f"{i},{1.0}\n" for i in range(20000))
    p = write(tmp_path, "u.csv", head.encode() + b"20000,\xff\n")
    assert error_of(p).endswith("u.csv:20002:7: not UTF-8 text (byte 0xff)")


def test_json_lines_errors(tmp_path):
    bad = write(tmp_path, "b.jsonl", '{"step": 0, "loss": 2.3}\n{"step": 1, "loss": 2.2,,}\n{"step": 2}\n')
    assert "b.jsonl:2:25: not valid JSON: Expecting property name" in error_of(bad)
    cut = write(tmp_path, "c.jsonl", '{"step": 0, "loss": 2.3}\n{"step": 1, "lo')
    assert error_of(cut).endswith("c.jsonl:2: truncated line: the file ends in the middle of a JSON object")
    arr = write(tmp_path, "a.jsonl", '{"step": 0, "loss": 2.3}\n[1, 2]\n')
    assert error_of(arr).endswith("a.jsonl:2: expected one JSON object per line")
    word = write(tmp_path, "w.jsonl", '{"step": 0, "loss": 2.3}\n{"step": 1, "loss": "high"}\n')
    assert error_of(word).endswith("w.jsonl:2: key 'loss': 'high' is not a number")


def test_json_document_errors(tmp_path):
    cut = write(tmp_path, "s.json", '[{"loss": 2.3},\n {"loss": 2.')
    assert "s.json:2: truncated" in error_of(cut)
    other = write(tmp_path, "o.json", '{\n  "model": "mlp"\n}\n')
    assert "o.json:1: a JSON document should be a list of records" in error_of(other)
    numbers = write(tmp_path, "n.json", '[1, 2]')
    assert error_of(numbers).endswith("n.json: record 1 is not a JSON object")


def test_folders(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no TensorBoard event files" in error_of(empty)
    two = tmp_path / "two"
    for v in ("version_0", "version_1"):
        (two / v).mkdir(parents=True)
        (two / v / "metrics.csv").write_text("epoch,loss\n0,1.0\n")
    msg = error_of(two)
    assert "several logs in this folder (version_0/metrics.csv, version_1/metrics.csv)" in msg


def test_column_override_naming_a_missing_column(tmp_path):
    p = write(tmp_path, "a.csv", "epoch,loss\n0,1.0\n1,0.9\n")
    assert "no column named 'my_loss' (given with --column); the log has: epoch, loss" in error_of(
        p, columns={"loss": "my_loss"})
    assert "unknown role 'weird'" in error_of(p, columns={"weird": "loss"})


def test_classes_below_two(tmp_path):
    p = write(tmp_path, "a.csv", "epoch,loss\n0,1.0\n")
    assert "--classes must be at least 2" in error_of(p, classes=1)


def test_only_unused_values(tmp_path):
    p = write(tmp_path, "a.csv", "epoch,loss\n0,\n1,\n")
    assert "no values in any loss, accuracy or gradient column" in error_of(p)


# ---------------------------------------------------------------------------------------------
# TensorBoard event files


def _events(path: Path) -> bytes:
    return next(path.glob("events.out.tfevents.*")).read_bytes()


def test_truncated_and_corrupt_event_files(tmp_path):
    pytest.importorskip("tensorboard")
    data = _events(FIX / "frozen" / "tb")
    cut = write(tmp_path, "events.out.tfevents.cut", data[:-7])
    assert "truncated record" in error_of(cut) and "(the file ends inside its" in error_of(cut)
    flipped = bytearray(data)
    (length,) = struct.unpack("<Q", flipped[:8])
    flipped[12 + length + 4 + 12 + 3] ^= 0xFF   # a byte inside the second record's data
    bad = write(tmp_path, "events.out.tfevents.bad", bytes(flipped))
    assert "corrupt record 2 at byte" in error_of(bad)
    garbage = write(tmp_path, "events.out.tfevents.garbage", b"this is not a record at all" * 3)
    assert "not a TensorBoard event file: record 1 at byte 0 fails its length checksum" in error_of(garbage)


def test_event_files_without_the_extra(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_tensorboard(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name.startswith("tensorboard"):
            raise ImportError(name)
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    f = write(tmp_path, "events.out.tfevents.1", b"\x00" * 20)
    assert "needs the optional extra: pip install 'nn-triage[tensorboard]'" in error_of(f)
