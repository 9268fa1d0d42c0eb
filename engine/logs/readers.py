"""Reading training logs, streamed: format detection, CSV (Keras, Lightning, fastai, generic), JSON
lines and JSON documents. TensorBoard event files are in `tensorboard.py`.

Every reader pushes numbers into a `Collector` chunk by chunk, so memory stays bounded whatever the
length of the log (see `series.py`). Only columns with a role (`columns.py`) are parsed. Bad input
raises `LogError` with `file:line: message`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
from itertools import compress, repeat
from operator import itemgetter
from pathlib import Path

import numpy as np

from .columns import OVERRIDES, Role, classify
from .errors import LogError
from .series import Series, SeriesBuilder

CHUNK_BYTES = 1 << 20            # CSV lines read at a time (about 1 MB)
JSON_FLUSH = 4096                # JSON values buffered per column before they are stored
MAX_JSON_DOCUMENT = 64 << 20     # a whole-document JSON log is parsed at once (~7x its size in memory)
#: characters in one line of a text log. A longer line is refused after reading this much of it,
#: never read whole: a log line holds a few numbers, and one corrupt 10 GB line must not fill memory.
MAX_LINE = 1 << 20
#: different columns (CSV) or keys (JSON) in one log. Each kept one costs memory and the choice of
#: series compares them, so a log whose keys change on every line is refused instead of growing.
MAX_COLUMNS = 10_000
SNIFF_BYTES = 1 << 16
#: cells that mean "not logged here" (Keras CSVLogger writes NA; Lightning leaves the cell empty)
MISSING = {"", "na", "n/a", "none", "null", "-"}


class Collector:
    """Receives the values of every column with a role; `finish()` returns the built series."""

    def __init__(self, path: Path, columns: dict[str, str] | None = None):
        self.path = path
        self.names: dict[str, None] = {}       # every column seen, in order
        self.builders: dict[str, SeriesBuilder] = {}
        self.rows = 0
        self.forced: dict[str, Role] = {}      # column -> role given with --column
        self.wanted_overrides = dict(columns or {})
        for role_name, column in (columns or {}).items():
            kind, split = OVERRIDES[role_name]
            self.forced[column] = Role(kind, split)
        self._role_cache: dict[str, Role | None] = {}
        self.x_kind = "row"                    # what positions count: "step", "epoch" or "row"

    def role(self, name: str) -> Role | None:
        try:
            return self._role_cache[name]
        except KeyError:
            pass
        if name in self.forced:
            role = self.forced[name]
        else:
            role = classify(name)
            # a forced step / epoch column replaces the automatic one
            if role is not None and role.kind in ("step", "epoch") and any(
                    r.kind == role.kind for r in self.forced.values()):
                role = None
        self._role_cache[name] = role
        return role

    def see(self, name: str, line: int | None = None) -> None:
        if name not in self.names:
            if len(self.names) >= MAX_COLUMNS:
                raise LogError.at(self.path, f"more than {MAX_COLUMNS:,} different columns or keys (the next "
                                             f"is {_show(name)}): not a metrics log", line)
            self.names[name] = None

    def add(self, name: str, y: np.ndarray, step: np.ndarray, epoch: np.ndarray) -> None:
        builder = self.builders.get(name)
        if builder is None:
            builder = self.builders[name] = SeriesBuilder(name)
        builder.add(y, step, epoch)

    def finish(self) -> dict[str, Series]:
        missing = [c for c in self.wanted_overrides.values() if c not in self.names]
        if missing:
            shown = ", ".join(list(self.names)[:12]) + (", ..." if len(self.names) > 12 else "")
            raise LogError.at(self.path, f"no column named {missing[0]!r} (given with --column); "
                                         f"the log has: {shown}")
        return {name: b.build() for name, b in self.builders.items() if b.n}


# ---------------------------------------------------------------------------------------------
# format detection


def sniff(path: Path) -> str:
    """'tensorboard', 'jsonl', 'json' or 'csv' for a file; raises LogError for what is none of them."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        raise LogError.at(path, exc.strerror or str(exc)) from None
    if size == 0:
        raise LogError.at(path, "the file is empty", 1)
    if b"brain.Event:" in head[:256] or ".tfevents" in path.name:
        return "tensorboard"
    nul = head.find(b"\x00")
    if nul >= 0:
        raise LogError.at(path, f"binary data, not a text log (a NUL byte at offset {nul})",
                          head[:nul].count(b"\n") + 1)
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == size)
    except UnicodeDecodeError as exc:
        raise LogError.at(path, f"binary data or not UTF-8 text (byte 0x{head[exc.start]:02x} at offset "
                                f"{exc.start})", head[:exc.start].count(b"\n") + 1) from None
    control = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\r\n\f")
    if control > 8:
        raise LogError.at(path, "binary data, not a text log (control characters)", 1)
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        if size <= SNIFF_BYTES:
            raise LogError.at(path, "the file is empty (only blank lines)", 1)
        return "csv"
    if stripped[0] == "[":
        return "json"
    if stripped[0] == "{":
        first = stripped.split("\n", 1)[0].strip()
        try:
            obj = json.loads(first)
            # one line holding a whole document: {"log_history": [...]} or {"loss": [...], ...}
            if isinstance(obj, dict) and any(isinstance(v, list) for v in obj.values()):
                return "json"
            return "jsonl"
        except (ValueError, RecursionError):
            return "json" if "\n" in stripped else "jsonl"
    return "csv"


# ---------------------------------------------------------------------------------------------
# values


def _parse_column(values, path: Path, name: str, line_of) -> tuple[np.ndarray, np.ndarray | None]:
    """Floats of one column chunk; the second array marks the cells that hold a value (None: all)."""
    try:
        return np.fromiter(map(float, values), dtype=np.float64, count=len(values)), None
    except ValueError:
        pass
    # sparse columns (Lightning leaves cells empty): parse the non-empty cells only
    present = np.fromiter(map(bool, values), dtype=bool, count=len(values))
    try:
        y = np.full(len(values), np.nan)
        y[present] = np.fromiter(map(float, compress(values, present)), dtype=np.float64,
                                 count=int(present.sum()))
        return y, present
    except ValueError:
        pass
    y = np.empty(len(values))
    present = np.ones(len(values), dtype=bool)
    for i, v in enumerate(values):
        try:
            y[i] = float(v)
        except ValueError:
            s = v.strip().lower()
            if s in MISSING:
                present[i] = False
                y[i] = np.nan
                continue
            line, last = line_of(i)
            hint = " (the last line is incomplete)" if last else ""
            raise LogError.at(path, f"column {name!r}: {_show(v)} is not a number{hint}", line) from None
    return y, present


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _show(value: str) -> str:
    text = value if len(value) <= 40 else value[:37] + "..."
    return repr(text)


def _to_float(value) -> float | None:
    """A JSON value as a float; None when it is missing. Raises ValueError when it is not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:   # an integer beyond float64: as far out as a float can say
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        s = value.strip()
        if s.lower() in MISSING:
            return None
        return float(s)
    raise ValueError(value)


# ---------------------------------------------------------------------------------------------
# CSV


def _fast_columns(lines: list[str], delim: str, ncols: int, needed: list[int]) -> dict | None:
    """The needed columns of a chunk of plain rows (no quotes, no blank lines, every row with the
    header's number of fields), split without the csv module; None when the chunk needs it."""
    counts = set(map(str.count, lines, repeat(delim)))
    if counts != {ncols - 1}:
        return None
    text = "".join(lines)
    if '"' in text:
        return None
    if "\r" in text:   # Keras writes CRLF line ends
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    cells = text.rstrip("\n").replace("\n", delim).split(delim)
    if len(cells) != len(lines) * ncols:
        return None
    return {i: cells[i::ncols] for i in needed}


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path, col: Collector) -> str:
    """Stream a CSV log into `col`; returns the format name (keras_csv, lightning_csv, fastai_csv, csv)."""
    try:
        f = path.open("r", encoding="utf-8", newline="")
    except OSError as exc:
        raise LogError.at(path, exc.strerror or str(exc)) from None
    with f:
        try:
            return _read_csv(path, f, col)
        except UnicodeDecodeError:
            raise _decode_error(path) from None
        except csv.Error as exc:
            raise LogError.at(path, f"not a readable CSV: {exc}") from None


def _decode_error(path: Path) -> LogError:
    """Where the first byte that is not UTF-8 is (line, column), reading lines in bounded pieces."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, column = 1, 1
    with path.open("rb") as fb:
        while raw := fb.readline(MAX_LINE):
            pending = len(decoder.getstate()[0])   # bytes of a character cut by the previous piece
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                return LogError.at(path, f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x})", line,
                                   column + exc.start - pending)
            if raw.endswith(b"\n"):
                line, column = line + 1, 1
            else:   # a piece of a longer line
                column += len(raw)
    return LogError.at(path, "not UTF-8 text")


def _too_long(path: Path, line: int) -> LogError:
    return LogError.at(path, f"a line longer than {MAX_LINE:,} characters (read no further): not a "
                             "training log, or a corrupt one", line)


_ASCII_BREAKS = "\x0b\x0c\x1c\x1d\x1e"        # str.splitlines() also breaks lines at these (and at
_OTHER_BREAKS = _ASCII_BREAKS + "\x85\u2028\u2029"  # the rest), a text file's readlines() does not


def _split_lines(text: str) -> list[str]:
    """``text`` cut into lines at \\n, \\r\\n and \\r, ends kept, as a text file opened with
    ``newline=""`` reads them."""
    breaks = _ASCII_BREAKS if text.isascii() else _OTHER_BREAKS
    if any(ch in text for ch in breaks):
        return io.StringIO(text, newline="").readlines()   # slower, and 4 bytes a character
    return text.splitlines(keepends=True)


def _read_lines(f, carry: str, path: Path, line_no: int) -> tuple[list[str], str]:
    """The next complete lines of text file ``f`` (opened with ``newline=""``), about
    ``CHUNK_BYTES`` of them, and the start of the line that follows them (``carry``, fed back on
    the next call). Memory stays bounded: a line longer than ``MAX_LINE`` raises LogError
    (``line_no``: lines already read) instead of being read whole. At the end of the file the last,
    unterminated line is returned too."""
    while True:
        data = f.read(CHUNK_BYTES)
        if not data:
            return ([carry] if carry else []), ""
        if carry and carry[-1] != "\r" and "\n" not in data and "\r" not in data:   # inside one long line
            carry += data
            if len(carry) > MAX_LINE:
                raise _too_long(path, line_no + 1)
            continue
        lines = _split_lines(carry + data if carry else data)
        last = lines[-1]
        if last.endswith("\n"):
            return lines, ""
        # unterminated, or ending in \r that the next read may continue with \n
        carry = lines.pop()
        if lines:
            return lines, carry
        if len(carry) > MAX_LINE:
            raise _too_long(path, line_no + 1)


def _read_csv(path: Path, f, col: Collector) -> str:
    line_no = 0
    while True:
        header_text = f.readline(MAX_LINE + 1)
        if not header_text:
            raise LogError.at(path, "the file is empty (only blank lines)", max(line_no, 1))
        line_no += 1
        if len(header_text) > MAX_LINE and header_text[-1] not in "\r\n":
            raise _too_long(path, line_no)
        if header_text.strip():
            break
    header_line = line_no
    header_text = header_text.lstrip("\ufeff")
    delim = _delimiter(header_text)
    names = [h.strip() for h in next(csv.reader([header_text], delimiter=delim))]
    ncols = len(names)
    if ncols == 1 and len(header_text.split()) >= 3:
        raise LogError.at(path, "not a recognised log format (expected a CSV header, JSON lines or "
                                f"TensorBoard events; the first line is {_show(header_text.strip())})",
                          line_no)
    if all(_is_number(n) for n in names):
        raise LogError.at(path, "the first line holds numbers, not column names: add a header line "
                                "(e.g. epoch,loss,val_loss)", line_no)
    for name in names:
        if name:
            col.see(name, line_no)
    roles = [col.role(n) if n else None for n in names]
    step_idx = next((i for i, r in enumerate(roles) if r and r.kind == "step"), None)
    epoch_idx = next((i for i, r in enumerate(roles) if r and r.kind == "epoch"), None)
    lower = {n.lower() for n in names}
    fastai = {"epoch", "train_loss", "valid_loss"} <= lower and "time" in lower
    wanted: list[tuple[int, str]] = []
    seen_names: set[str] = set()
    for i, (name, role) in enumerate(zip(names, roles)):
        if role is None or role.kind in ("step", "epoch") or name in seen_names:
            continue
        seen_names.add(name)
        wanted.append((i, name))
    if not wanted:
        if ncols == 1 and not any(ch in header_text for ch in ",;\t"):
            raise LogError.at(path, "not a recognised log format (expected a CSV header, JSON lines or "
                                    f"TensorBoard events; the first line is {_show(header_text.strip())})",
                              header_line)
        shown = ", ".join(n for n in names[:12] if n) + (", ..." if ncols > 12 else "")
        raise LogError.at(path, f"no loss, accuracy or gradient column among: {shown}; name one with "
                                "--column loss=COLUMN", header_line)

    col.x_kind = "step" if step_idx is not None else ("epoch" if epoch_idx is not None else "row")
    data_rows = 0
    sparse = False
    needed = [i for i, _ in wanted] + [i for i in (step_idx, epoch_idx) if i is not None]
    carry = ""
    while True:
        lines, carry = _read_lines(f, carry, path, line_no)
        if not lines:
            break
        first_line = line_no + 1
        line_no += len(lines)
        ends_cut = not lines[-1].endswith(("\n", "\r"))
        if ends_cut and ncols > 1 and lines[-1].split(delim)[-1].strip() == "":
            raise LogError.at(path, "truncated line: the file ends after an empty last field, in the "
                                    "middle of a row", line_no)
        columns = _fast_columns(lines, delim, ncols, needed)
        if columns is not None:
            n = len(lines)

            def line_of(k: int, _first=first_line, _n=n, _cut=ends_cut) -> tuple[int, bool]:
                return _first + k, _cut and k == _n - 1
        else:
            reader = csv.reader(lines, delimiter=delim)
            try:
                rows = list(reader)
            except csv.Error as exc:
                line = first_line + max(reader.line_num - 1, 0)
                raise LogError.at(path, f"not a readable CSV row: {exc}", line) from None
            nonblank = [i for i, r in enumerate(rows) if r]
            if len(nonblank) != len(rows):
                rows = [rows[i] for i in nonblank]
            else:
                nonblank = None  # identity

            def line_of(k: int, _nb=nonblank, _first=first_line, _n=len(lines), _cut=ends_cut) -> tuple[int, bool]:
                idx = _nb[k] if _nb is not None else k
                return _first + idx, _cut and idx == _n - 1

            if not rows:
                continue
            if any(len(r) != ncols for r in rows):
                k = next(i for i, r in enumerate(rows) if len(r) != ncols)
                line, last = line_of(k)
                got = len(rows[k])
                if last and got < ncols:
                    raise LogError.at(path, f"truncated line: {got} of {ncols} fields (the file ends in the "
                                            "middle of a row)", line)
                raise LogError.at(path, f"{got} fields where the header has {ncols}", line)
            n = len(rows)
            columns = {i: list(map(itemgetter(i), rows)) for i in needed}
        if step_idx is not None:
            step, present = _parse_column(columns[step_idx], path, names[step_idx], line_of)
            if present is not None:
                step[~present] = np.nan
        else:
            step = None
        if epoch_idx is not None:
            epoch, present = _parse_column(columns[epoch_idx], path, names[epoch_idx], line_of)
            if present is not None:
                epoch[~present] = np.nan
        else:
            epoch = np.full(n, np.nan)
        if step is None:
            step = np.full(n, np.nan) if epoch_idx is not None else np.arange(data_rows, data_rows + n,
                                                                              dtype=np.float64)
        for i, name in wanted:
            y, present = _parse_column(columns[i], path, name, line_of)
            if present is None:
                col.add(name, y, step, epoch)
            else:
                sparse = True
                if present.any():
                    col.add(name, y[present], step[present], epoch[present])
        data_rows += n
    if not data_rows:
        raise LogError.at(path, "no data rows after the header", header_line)
    col.rows = data_rows
    if fastai:
        # fastai's CSVLogger: metrics other than train_loss are computed on the validation set
        for name in names:
            role = col.role(name)
            if role and role.kind in ("acc", "err") and role.split == "":
                col._role_cache[name] = Role(role.kind, "val", role.key, role.grain)
        return "fastai_csv"
    if step_idx is not None and epoch_idx is not None and (
            sparse or any(n.lower().endswith(("_step", "_epoch")) for n in names)):
        return "lightning_csv"
    if names and names[0].lower() == "epoch" and step_idx is None:
        return "keras_csv"
    return "csv"


# ---------------------------------------------------------------------------------------------
# JSON lines and JSON documents


class _JsonSink:
    """Buffers JSON values per column and stores them in chunks."""

    def __init__(self, path: Path, col: Collector):
        self.path = path
        self.col = col
        self.buf: dict[str, tuple[list, list, list]] = {}
        self.pending = 0
        self.plans: dict[tuple, tuple[list[str], list[str], list[str]]] = {}

    def _plan(self, keys: tuple, line: int | None = None) -> tuple[list[str], list[str], list[tuple[str, str]]]:
        """For a record with these keys: its step keys, epoch keys and wanted (key, column name)."""
        plan = self.plans.get(keys)
        if plan is None:
            if len(self.plans) > 4096:   # records with ever-changing keys: keep the cache bounded
                self.plans.clear()
            col = self.col
            steps, epochs, wanted = [], [], []
            for key in keys:
                name = _column_name(key)
                col.see(name, line)
                role = col.role(name)
                if role is None:
                    continue
                if role.kind == "step":
                    steps.append(key)
                elif role.kind == "epoch":
                    epochs.append(key)
                else:
                    wanted.append((key, name))
            plan = self.plans[keys] = (steps, epochs, wanted)
        return plan

    def _number(self, key: str, value, line: int | None) -> float | None:
        try:
            return _to_float(value)
        except (TypeError, ValueError):
            if isinstance(value, (list, dict)):
                return None
            raise LogError.at(self.path, f"key {key!r}: {_show(str(value))} is not a number", line) from None

    def record(self, obj: dict, line: int | None, index: int) -> None:
        flat = _flatten(obj)
        steps, epochs, wanted = self._plan(tuple(flat), line)
        step = epoch = math.nan
        for key in steps:
            v = self._number(key, flat[key], line)
            if v is not None:
                step = v
                break
        for key in epochs:
            v = self._number(key, flat[key], line)
            if v is not None:
                epoch = v
                break
        if math.isnan(step) and math.isnan(epoch):
            step = float(index)
        elif not math.isnan(step):
            self.col.x_kind = "step"
        elif self.col.x_kind == "row":
            self.col.x_kind = "epoch"
        buf = self.buf
        for key, name in wanted:
            value = flat[key]
            v = value if type(value) is float else self._number(key, value, line)
            if v is None:
                continue
            b = buf.get(name)
            if b is None:
                b = buf[name] = ([], [], [])
            b[0].append(v)
            b[1].append(step)
            b[2].append(epoch)
        self.pending += len(wanted)
        if self.pending >= JSON_FLUSH * 8:
            self.flush()

    def flush(self) -> None:
        for key, (ys, steps, epochs) in self.buf.items():
            if ys:
                self.col.add(key, np.array(ys, dtype=np.float64), np.array(steps, dtype=np.float64),
                             np.array(epochs, dtype=np.float64))
                ys.clear()
                steps.clear()
                epochs.clear()
        self.pending = 0


def _column_name(key: str) -> str:
    """A JSON key as a column name that can be printed: a lone surrogate (a ``\\ud800`` escape in the
    log, which is not a character) is kept as its escape instead."""
    try:
        key.encode("utf-8")
        return key
    except UnicodeEncodeError:
        return "".join(ch if not 0xD800 <= ord(ch) <= 0xDFFF else ascii(ch)[1:-1] for ch in key)


def _flatten(obj: dict, prefix: str = "") -> dict:
    """Nested records as one level: {"a": {"b": 1}} -> {"a/b": 1}. Iterative, so that a record
    nested as deeply as the JSON reader allows cannot exhaust the stack."""
    if not any(isinstance(v, dict) for v in obj.values()):
        return obj if not prefix else {f"{prefix}/{k}": v for k, v in obj.items()}
    out = {}
    stack = [(prefix, iter(obj.items()))]
    while stack:
        outer, items = stack[-1]
        for k, v in items:
            name = f"{outer}/{k}" if outer else str(k)
            if isinstance(v, dict):
                stack.append((name, iter(v.items())))
                break
            out[name] = v
        else:
            stack.pop()
    return out


def read_jsonl(path: Path, col: Collector) -> str:
    sink = _JsonSink(path, col)
    rows = 0
    try:
        f = path.open("r", encoding="utf-8")
    except OSError as exc:
        raise LogError.at(path, exc.strerror or str(exc)) from None
    with f:
        try:
            line_no = 0
            while raw := f.readline(MAX_LINE + 1):
                line_no += 1
                if len(raw) > MAX_LINE and raw[-1] != "\n":
                    raise _too_long(path, line_no)
                text = raw.strip()
                if not text:
                    continue
                try:
                    obj = json.loads(text)
                except RecursionError:
                    raise LogError.at(path, "JSON nested too deeply to read", line_no) from None
                except ValueError as exc:
                    if not raw.endswith("\n"):
                        raise LogError.at(path, "truncated line: the file ends in the middle of a JSON "
                                                "object", line_no) from None
                    msg = getattr(exc, "msg", str(exc))
                    colno = getattr(exc, "colno", None)
                    raise LogError.at(path, f"not valid JSON: {msg}", line_no, colno) from None
                if not isinstance(obj, dict):
                    raise LogError.at(path, "expected one JSON object per line", line_no)
                sink.record(obj, line_no, rows)
                rows += 1
        except UnicodeDecodeError:
            raise _decode_error(path) from None
    sink.flush()
    if not rows:
        raise LogError.at(path, "no records", 1)
    col.rows = rows
    return "jsonl"


def read_json(path: Path, col: Collector) -> str:
    """A whole JSON document: a list of records, a Hugging Face `trainer_state.json`
    (`log_history`), or Keras `history.history` (a dict of per-epoch lists)."""
    size = path.stat().st_size
    if size > MAX_JSON_DOCUMENT:
        raise LogError.at(path, f"a {size >> 20} MB JSON document is too large to read at once; write "
                                "the log as JSON lines (one object per line)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _decode_error(path) from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise LogError.at(path, "JSON nested too deeply to read") from None
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        msg = getattr(exc, "msg", str(exc))
        if not text.rstrip().endswith(("]", "}")):
            raise LogError.at(path, "truncated: the file ends in the middle of the JSON document", line) from None
        raise LogError.at(path, f"not valid JSON: {msg}", line, getattr(exc, "colno", None)) from None
    sink = _JsonSink(path, col)
    fmt = "json"
    if isinstance(doc, dict) and isinstance(doc.get("log_history"), list):
        doc, fmt = doc["log_history"], "hf_trainer_state"
    if isinstance(doc, list):
        for i, rec in enumerate(doc):
            if not isinstance(rec, dict):
                raise LogError.at(path, f"record {i + 1} is not a JSON object")
            sink.record(rec, None, i)
        rows = len(doc)
    elif isinstance(doc, dict) and doc and all(isinstance(v, list) for v in doc.values()):
        length = max(len(v) for v in doc.values())
        for i in range(length):
            sink.record({"epoch": i, **{k: v[i] for k, v in doc.items() if i < len(v)}}, None, i)
        rows, fmt = length, "keras_history_json"
    else:
        raise LogError.at(path, "a JSON document should be a list of records, a trainer_state.json "
                                "(log_history) or a dict of per-epoch lists", 1)
    sink.flush()
    if not rows:
        raise LogError.at(path, "no records", 1)
    col.rows = rows
    return fmt
