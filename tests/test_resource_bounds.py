"""Resource bounds that keep hostile or broken inputs from filling memory or taking hours.

The figures on real sizes (a 1 GB log, a 200 MB line, 10,000 knowledge files) come from
`python benchmarks/resources.py`; these tests pin the mechanisms on small inputs:

* a log line longer than `MAX_LINE` characters is refused with `file:line`, after reading about
  that much of it, never read whole (CSV data, CSV header, JSON lines, the UTF-8 error scan);
* lines of ordinary length that cross the reader's chunk boundaries are read exactly as before;
* a log whose keys change on every line stops at `MAX_COLUMNS` different columns;
* a whole-document JSON log above `MAX_JSON_DOCUMENT` is refused before it is read;
* "did you mean" hints for unknown ids stop after `HINT_COMPARISONS` comparisons, so validating a
  big folder full of misspelt ids stays linear.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from engine import checks
from engine.loader import load_knowledge
from engine.logs import LogError, analyze_path
from engine.logs import readers
from engine.logs.readers import CHUNK_BYTES, MAX_COLUMNS, MAX_JSON_DOCUMENT, MAX_LINE, Collector

LONG = 24 << 20   # a 24 MB line: 24x the limit


def _peak_mb(fn) -> tuple[float, object]:
    """(peak traced Python memory in MB while calling fn, what it raised or returned)."""
    tracemalloc.start()
    try:
        try:
            out = fn()
        except LogError as exc:
            out = exc
        return tracemalloc.get_traced_memory()[1] / 2 ** 20, out
    finally:
        tracemalloc.stop()


def _write_with_long_line(path: Path, before: str, after: str, size: int = LONG, fill: str = "9") -> None:
    piece = fill * (1 << 20)
    with path.open("w", encoding="utf-8") as f:
        f.write(before)
        for _ in range(size >> 20):
            f.write(piece)
        f.write(after)


@pytest.mark.parametrize("name, before, after, line", [
    ("data.csv", "step,loss\n0,2.3\n1,2.2\n2,", "\n3,2.0\n", 4),
    ("commas.csv", "step,loss\n0,2.3\n1,2.2\n", "\n3,2.0\n", 4),
    ("header.csv", "step,loss,", "\n0,2.3,1\n", 1),
    ("line.jsonl", '{"step": 0, "loss": 2.3}\n{"step": 1, "loss": 2.2, "note": "', '"}\n', 2),
])
def test_a_huge_line_is_refused_without_being_read_whole(tmp_path, name, before, after, line):
    path = tmp_path / name
    _write_with_long_line(path, before, after, fill="1," if name == "commas.csv" else "9")
    peak, out = _peak_mb(lambda: analyze_path(path))
    assert isinstance(out, LogError), out
    assert str(out) == (f"{path}:{line}: a line longer than {MAX_LINE:,} characters (read no further): "
                        "not a training log, or a corrupt one")
    # reading it whole would hold at least the 24 MB line (and several times that once split)
    assert peak < 12, f"{peak:.1f} MB traced while refusing a {LONG >> 20} MB line"


def test_the_longest_allowed_line_is_still_read(tmp_path):
    """A line of exactly MAX_LINE characters (its line end not counted) is read; one more is refused."""
    start = '{"step": 1, "loss": 2.2, "note": "'
    for extra, ok in ((0, True), (1, False)):
        path = tmp_path / f"near{extra}.jsonl"
        note = "x" * (MAX_LINE - len(start) - 2 + extra)
        path.write_text('{"step": 0, "loss": 2.3}\n' + start + note + '"}\n'
                        + "".join(f'{{"step": {i}, "loss": {2.2 - i / 100}}}\n' for i in range(2, 40)))
        if ok:
            assert analyze_path(path).rows == 40
        else:
            with pytest.raises(LogError, match=rf"^{path}:2: a line longer than"):
                analyze_path(path)
        csv_path = tmp_path / f"near{extra}.csv"
        header = ",".join(["step", "loss"] + [f"c{i}_" + "n" * 100 for i in range(9_000)])
        header += "," + "z" * (MAX_LINE - len(header) - 1 + extra)   # fields stay under csv's limit
        cells = "," + ",".join(["1"] * 9_001)
        csv_path.write_text(header + "\r\n0,2.3" + cells + "\r\n1,2.2" + cells + "\r\n", newline="")
        if ok:
            assert analyze_path(csv_path).rows == 2
        else:
            with pytest.raises(LogError, match=rf"^{csv_path}:1: a line longer than"):
                analyze_path(csv_path)


def test_lines_crossing_chunk_boundaries_read_exactly(tmp_path):
    """CRLF endings split between two reads, and rows longer than half a chunk, give exactly the
    rows and values written."""
    header = "step,loss,note\r\n"
    notes = ["n" * (700_000 if i % 97 == 5 else 20 + i % 13) for i in range(400)]

    def text() -> str:
        return header + "".join(f"{i},{2.0 - i / 1000:.6f},{note}\r\n" for i, note in enumerate(notes))

    # the header is read by itself; the first chunk read ends at `end`: move a \r there, so that
    # its \n comes only with the next read
    end = len(header) + CHUNK_BYTES - 1
    notes[0] += "n" * (end - text().rfind("\r", 0, end + 1))
    data = text()
    assert data[end:end + 2] == "\r\n"
    path = tmp_path / "wide.csv"
    path.write_bytes(data.encode())
    assert analyze_path(path).rows == 400
    col = Collector(path)
    readers.read_csv(path, col)
    loss = col.finish()["loss"]
    assert loss.n == 400 and loss.n_nan == 0
    assert loss.head[0][:2] == (2.0, 0.0) and loss.last_finite[:2] == (pytest.approx(2.0 - 399 / 1000), 399.0)


@pytest.mark.parametrize("text, rows", [
    ("step,loss,note\n0,2.3,a\x0cb\n1,2.2,c\u2028d\n2,2.1,e\n", 3),   # breaks for str.splitlines only
    ("step,loss\r0,2.3\r1,2.2\r2,2.1\r3,2.0", 4),                      # old Mac line ends
])
def test_only_line_ends_end_lines(tmp_path, text, rows):
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert analyze_path(path).rows == rows


def test_a_log_whose_keys_never_repeat_stops_at_max_columns(tmp_path):
    path = tmp_path / "keys.jsonl"
    path.write_text("".join(f'{{"step": {i}, "loss_{i}": 0.5, "acc/{i}": 0.1}}\n' for i in range(20_000)))
    with pytest.raises(LogError) as info:
        analyze_path(path)
    last_line = (MAX_COLUMNS - 1) // 2 + 1   # "step" plus two new keys a line
    assert str(info.value).startswith(f"{path}:{last_line}: more than {MAX_COLUMNS:,} different columns or keys")


def test_a_csv_header_with_too_many_columns_is_refused(tmp_path):
    path = tmp_path / "wide_header.csv"
    names = ["step"] + [f"loss_{i}" for i in range(MAX_COLUMNS + 5)]
    path.write_text(",".join(names) + "\n" + ",".join(["1"] * len(names)) + "\n")
    with pytest.raises(LogError, match=rf"^{path}:1: more than {MAX_COLUMNS:,} different columns"):
        analyze_path(path)


def test_a_json_document_over_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.json"
    with path.open("wb") as f:   # sparse: no disk space, and nothing read
        f.write(b"[")
        f.truncate(MAX_JSON_DOCUMENT + 1)
    peak, out = _peak_mb(lambda: readers.read_json(path, Collector(path)))
    assert isinstance(out, LogError) and "too large to read at once" in str(out)
    assert peak < 1
    assert MAX_JSON_DOCUMENT <= 64 << 20, "a whole JSON document costs ~7x its size in memory"


def test_the_utf8_error_scan_reads_long_lines_in_pieces(tmp_path):
    path = tmp_path / "bad.csv"
    good = "step,loss\n" + "".join(f"{i},{i / 10}\n" for i in range(10_000))   # past the 64 KB sniff
    with path.open("wb") as f:
        f.write(good.encode())
        f.write(b"1," + b"9" * (3 * MAX_LINE) + b"\xff9\n")
    err = readers._decode_error(path)
    assert str(err) == f"{path}:{10_002}:{3 * MAX_LINE + 3}: not UTF-8 text (byte 0xff)"
    with path.open("wb") as f:
        f.write(good.encode())
        f.write(b"1,\xff" + b"9" * (3 * MAX_LINE) + b"\n")
    with pytest.raises(LogError, match=rf"^{path}:10002:3: not UTF-8 text \(byte 0xff\)"):
        analyze_path(path)


# ---------------------------------------------------------------------------------------------
# knowledge


def test_did_you_mean_hints_stop_at_a_budget(tmp_path, monkeypatch):
    """Every unknown id is still reported; only the hints stop, and a repeated typo costs nothing."""
    compared = []
    real = checks.did_you_mean

    def counting(word, choices):
        choices = list(choices)
        compared.append(len(choices))
        return real(word, choices)

    monkeypatch.setattr(checks, "did_you_mean", counting)
    monkeypatch.setattr(checks, "HINT_COMPARISONS", 2_000)
    edges = "".join(f"  - {{source: loss_nan, target: learning_rate_wrng{i}, kind: suggests, strength: 0.5}}\n"
                    for i in range(300))
    edges += "  - {source: loss_flat, target: learning_rate_wrng0, kind: suggests, strength: 0.5}\n"  # a repeat
    (tmp_path / "typos.yaml").write_text("edges:\n" + edges, encoding="utf-8")
    result = load_knowledge([tmp_path])
    unknown = [p for p in result.problems if p.code == "unknown-id"]
    assert len(unknown) == 301
    hinted = [p for p in unknown if "did you mean 'learning_rate_wrong'" in p.message]
    per_call = compared[0]
    assert len(compared) == 2_000 // per_call, "lookups beyond the budget"
    assert sum(compared) <= 2_000
    # the first ids got their hint, the repeat of the first typo too (from the cache)
    assert {p.message.split("'")[1] for p in hinted} == {f"learning_rate_wrng{i}" for i in range(len(compared))}
    assert len(hinted) == len(compared) + 1
