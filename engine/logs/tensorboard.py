"""TensorBoard event files (optional extra: `pip install 'nn-triage[tensorboard]'`).

An event file is a sequence of TFRecords: a little-endian uint64 length, the masked CRC-32C of
those 8 bytes, the serialized `Event` protobuf, and the masked CRC-32C of the data. We walk the
records ourselves (so that a truncated or corrupt file is reported with the record and the byte
offset where it breaks, instead of being silently cut short) and decode each record with the
`Event` message and the checksum function that the `tensorboard` package ships.

Scalars come as `simple_value` (torch.utils.tensorboard, TF1 summaries) or as a one-element float
tensor (TF2 `tf.summary.scalar`). Series from event files in sub-folders of the run folder are
named `<sub-folder>/<tag>` (what `SummaryWriter.add_scalars` writes).
"""

from __future__ import annotations

import math
import os
import struct
from pathlib import Path

import numpy as np

from .errors import LogError
from .readers import Collector

FLUSH = 8192


def _import(path: Path):
    try:
        from tensorboard.compat.proto import event_pb2  # ~15 ms
        # the pure-Python CRC-32C shipped with tensorboard; importing its module costs ~170 ms
        from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
    except ImportError:
        raise LogError.at(path, "reading TensorBoard event files needs the optional extra: "
                                "pip install 'nn-triage[tensorboard]'") from None
    return event_pb2, masked_crc32c


def event_files(folder: Path) -> list[Path]:
    return sorted((p for p in folder.rglob("*") if "tfevents" in p.name and p.is_file()),
                  key=lambda p: (str(p.parent), p.name))


def _scalar(value, np_dtypes) -> float | None:
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        return float(value.simple_value)
    if kind != "tensor":
        return None
    t = value.tensor
    if any(d.size > 1 for d in t.tensor_shape.dim):
        return None
    if t.float_val:
        return float(t.float_val[0])
    if t.double_val:
        return float(t.double_val[0])
    if t.tensor_content and t.dtype in np_dtypes:
        dtype = np.dtype(np_dtypes[t.dtype])
        if len(t.tensor_content) != dtype.itemsize:  # not one value (or a torn one)
            return None
        return float(np.frombuffer(t.tensor_content, dtype=dtype)[0])
    if t.half_val:
        return float(np.array([t.half_val[0]], dtype=np.uint16).view(np.float16)[0])
    if t.int_val:
        return float(t.int_val[0])
    if t.int64_val:
        return float(t.int64_val[0])
    return None


def read_tensorboard(path: Path, col: Collector) -> str:
    """Read one event file, or every event file under a run folder."""
    files = event_files(path) if path.is_dir() else [path]
    if not files:
        raise LogError.at(path, "no TensorBoard event files (events.out.tfevents.*) in this folder")
    event_pb2, masked_crc32c = _import(path)
    root = path if path.is_dir() else path.parent
    sink = _Sink(col)
    col.x_kind = "step"
    for file in files:
        sub = file.parent.relative_to(root).as_posix()
        prefix = "" if sub in ("", ".") else sub + "/"
        try:
            f = file.open("rb")
        except OSError as exc:
            raise LogError.at(file, exc.strerror or str(exc)) from None
        with f:
            for event in _events(file, f, event_pb2, masked_crc32c):
                if event.HasField("summary"):
                    sink.event(event, prefix)
    sink.flush()
    if not sink.rows:
        raise LogError.at(path, "no scalar values in the TensorBoard event files")
    col.rows = sink.rows
    return "tensorboard"


def _events(file: Path, f, event_pb2, masked_crc32c):
    """The Event messages of one open event file, checked record by record."""
    pos = 0
    record = 0
    size = os.fstat(f.fileno()).st_size
    while True:
        head = f.read(12)
        if not head:
            return
        record += 1
        if len(head) < 12:
            raise LogError.at(file, f"truncated record {record} at byte {pos} (the file ends inside its "
                                    "header)")
        (length,) = struct.unpack("<Q", head[:8])
        (hcrc,) = struct.unpack("<I", head[8:12])
        if masked_crc32c(head[:8]) != hcrc:
            what = "not a TensorBoard event file" if record == 1 else "corrupt record"
            raise LogError.at(file, f"{what}: record {record} at byte {pos} fails its length checksum")
        # the length comes from the file: check it against what is left before reading (a corrupt
        # length that passes its checksum by chance would ask for up to 16 EB)
        if length + 4 > size - pos - 12:
            raise LogError.at(file, f"truncated record {record} at byte {pos} (the file ends inside its "
                                    f"{length}-byte event)")
        body = f.read(length + 4)
        if len(body) < length + 4:
            raise LogError.at(file, f"truncated record {record} at byte {pos} (the file ends inside its "
                                    f"{length}-byte event)")
        payload = body[:length]
        (dcrc,) = struct.unpack("<I", body[length:])
        if masked_crc32c(payload) != dcrc:
            raise LogError.at(file, f"corrupt record {record} at byte {pos}: its data fails the checksum")
        try:
            event = event_pb2.Event.FromString(payload)
        except Exception:  # protobuf's DecodeError; its module path differs between versions
            raise LogError.at(file, f"corrupt record {record} at byte {pos}: not an Event") from None
        pos += 12 + length + 4
        yield event


class _Sink:
    """Buffers scalar values per tag and stores them in chunks."""

    # TensorFlow DataType enum values of the float types
    NP_DTYPES = {1: np.float32, 2: np.float64, 19: np.float16}

    def __init__(self, col: Collector):
        self.col = col
        self.buf: dict[str, tuple[list, list]] = {}
        self.pending = 0
        self.rows = 0

    def event(self, event, prefix: str) -> None:
        col = self.col
        got = False
        for value in event.summary.value:
            x = _scalar(value, self.NP_DTYPES)
            if x is None:
                continue
            name = prefix + value.tag
            col.see(name)
            role = col.role(name)
            if role is None or role.kind in ("step", "epoch"):
                continue
            b = self.buf.get(name)
            if b is None:
                b = self.buf[name] = ([], [])
            b[0].append(x)
            b[1].append(float(event.step))
            self.pending += 1
            got = True
        self.rows += got
        if self.pending >= FLUSH:
            self.flush()

    def flush(self) -> None:
        for name, (ys, steps) in self.buf.items():
            if ys:
                y = np.array(ys, dtype=np.float64)
                s = np.array(steps, dtype=np.float64)
                self.col.add(name, y, s, np.full(len(y), math.nan))
                ys.clear()
                steps.clear()
        self.pending = 0
