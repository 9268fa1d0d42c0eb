"""Streaming, bounded-memory storage of one logged series.

A log may hold millions of values per column. `SeriesBuilder` keeps at most `2 * MAX_POINTS`
buckets whatever the length: values arrive in chunks (numpy arrays), are grouped `stride` at a
time into buckets (finite mean, min, max, count of non-finite values, position of the last value),
and when the buckets fill up, neighbours are merged and the stride doubles. Logs shorter than
`MAX_POINTS` values keep every value exactly (stride 1). Exact facts that detectors need whatever
the length (the first values, the first non-finite value, counts) are tracked on the side.

A bucket mean is also a smoothing: on a log of a million per-step losses each bucket averages a few
hundred steps, which is what a person looking at the curve sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_POINTS = 2048   # buckets kept after a merge; up to twice this many between merges
HEAD = 16           # first raw values kept exactly (initial loss)


@dataclass
class Series:
    """One column after reading: bucketed points in log order (see module docstring)."""

    name: str
    y: np.ndarray          # mean of the finite values in each bucket (nan when none is finite)
    lo: np.ndarray         # smallest finite value in each bucket
    hi: np.ndarray         # largest finite value in each bucket
    bad: np.ndarray        # number of non-finite values in each bucket
    step: np.ndarray       # step of the last value in each bucket (nan when the log has no steps)
    epoch: np.ndarray      # epoch of the last value in each bucket (nan when the log has no epochs)
    count: np.ndarray      # raw values in each bucket
    n: int                 # raw values in all
    n_nan: int
    n_posinf: int
    n_neginf: int
    head: list[tuple[float, float, float]]    # first raw values: (value, step, epoch)
    first_bad: tuple[float, float, float] | None  # first non-finite raw value: (value, step, epoch)
    last_finite: tuple[float, float, float] | None
    stride: int = 1

    @property
    def n_bad(self) -> int:
        return self.n_nan + self.n_posinf + self.n_neginf

    def __len__(self) -> int:
        return len(self.y)

    def finite_prefix(self) -> "Series":
        """The points before the first bucket that holds a non-finite value."""
        bad = np.flatnonzero(self.bad > 0)
        if not len(bad):
            return self
        k = int(bad[0])
        return self.slice(0, k)

    def slice(self, start: int, stop: int) -> "Series":
        return Series(self.name, self.y[start:stop], self.lo[start:stop], self.hi[start:stop],
                      self.bad[start:stop], self.step[start:stop], self.epoch[start:stop],
                      self.count[start:stop], int(self.count[start:stop].sum()), 0, 0, 0,
                      self.head if start == 0 else [], None, self.last_finite, self.stride)

    def finite(self) -> tuple[np.ndarray, np.ndarray]:
        """(indices, values) of the points whose mean is finite."""
        ok = np.isfinite(self.y)
        return np.flatnonzero(ok), self.y[ok]


@dataclass
class SeriesBuilder:
    """Accumulates one column chunk by chunk; `build()` returns the `Series`."""

    name: str
    n: int = 0
    n_nan: int = 0
    n_posinf: int = 0
    n_neginf: int = 0
    stride: int = 1
    head: list = field(default_factory=list)
    first_bad: tuple | None = None
    last_finite: tuple | None = None
    _pending: list = field(default_factory=list)   # [(y, step, epoch)] arrays not yet bucketed
    _pending_n: int = 0
    _buckets: list = field(default_factory=list)   # [dict of arrays] appended per chunk
    _nbuckets: int = 0

    def add(self, y: np.ndarray, step: np.ndarray, epoch: np.ndarray) -> None:
        if not len(y):
            return
        y = np.asarray(y, dtype=np.float64)
        finite = np.isfinite(y)
        if not finite.all():
            bad_idx = np.flatnonzero(~finite)
            if self.first_bad is None:
                i = int(bad_idx[0])
                self.first_bad = (float(y[i]), float(step[i]), float(epoch[i]))
            bad_vals = y[bad_idx]
            nan = int(np.isnan(bad_vals).sum())
            pos = int((bad_vals > 0).sum())
            self.n_nan += nan
            self.n_posinf += pos
            self.n_neginf += len(bad_vals) - nan - pos
        if finite.any():
            i = int(np.flatnonzero(finite)[-1])
            self.last_finite = (float(y[i]), float(step[i]), float(epoch[i]))
        if len(self.head) < HEAD:
            take = HEAD - len(self.head)
            self.head.extend(zip(y[:take].tolist(), step[:take].tolist(), epoch[:take].tolist()))
        self.n += len(y)
        self._pending.append((y, np.asarray(step, dtype=np.float64), np.asarray(epoch, dtype=np.float64)))
        self._pending_n += len(y)
        if self._pending_n >= self.stride:
            self._bucket(final=False)

    def _bucket(self, final: bool) -> None:
        if not self._pending_n:
            return
        y = np.concatenate([p[0] for p in self._pending])
        s = np.concatenate([p[1] for p in self._pending])
        e = np.concatenate([p[2] for p in self._pending])
        used = len(y) // self.stride * self.stride
        if used:
            self._append(*_aggregate(y[:used], s[:used], e[:used], self.stride))
        if final and used < len(y):   # what is left becomes one smaller bucket
            self._append(*_aggregate(y[used:], s[used:], e[used:], len(y) - used))
            used = len(y)
        self._pending = [(y[used:].copy(), s[used:].copy(), e[used:].copy())] if used < len(y) else []
        self._pending_n = len(y) - used
        if self._nbuckets >= 2 * MAX_POINTS:
            self._merge()

    def _append(self, *arrays: np.ndarray) -> None:
        self._buckets.append(arrays)
        self._nbuckets += len(arrays[0])

    def _merge(self) -> None:
        sm, cnt, lo, hi, bad, st, ep, n = (np.concatenate(parts) for parts in zip(*self._buckets))
        m = len(sm) // 2 * 2
        merged = (sm[:m:2] + sm[1:m:2], cnt[:m:2] + cnt[1:m:2], np.minimum(lo[:m:2], lo[1:m:2]),
                  np.maximum(hi[:m:2], hi[1:m:2]), bad[:m:2] + bad[1:m:2], st[1:m:2], ep[1:m:2],
                  n[:m:2] + n[1:m:2])
        self._buckets = [merged]
        if m < len(sm):
            self._buckets.append(tuple(a[m:] for a in (sm, cnt, lo, hi, bad, st, ep, n)))
        self._nbuckets = len(merged[0]) + (len(sm) - m)
        self.stride *= 2

    def build(self) -> Series:
        self._bucket(final=True)
        if self._buckets:
            sm, cnt, lo, hi, bad, st, ep, n = (np.concatenate(parts) for parts in zip(*self._buckets))
        else:
            sm = cnt = lo = hi = bad = st = ep = n = np.zeros(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(cnt > 0, sm / np.maximum(cnt, 1), np.nan)
        lo = np.where(cnt > 0, lo, np.nan)
        hi = np.where(cnt > 0, hi, np.nan)
        return Series(self.name, mean, lo, hi, bad.astype(np.int64), st, ep, n.astype(np.int64), self.n,
                      self.n_nan, self.n_posinf, self.n_neginf, list(self.head), self.first_bad,
                      self.last_finite, self.stride)


def _aggregate(y: np.ndarray, s: np.ndarray, e: np.ndarray, size: int):
    k = len(y) // size
    Y = y.reshape(k, size)
    fin = np.isfinite(Y)
    total = np.where(fin, Y, 0.0).sum(axis=1)
    cnt = fin.sum(axis=1).astype(np.float64)
    lo = np.where(fin, Y, np.inf).min(axis=1)
    hi = np.where(fin, Y, -np.inf).max(axis=1)
    bad = (~fin).sum(axis=1).astype(np.float64)
    # copies, not views: a view would keep the whole chunk alive until the next merge
    return (total, cnt, lo, hi, bad, s.reshape(k, size)[:, -1].copy(), e.reshape(k, size)[:, -1].copy(),
            np.full(k, float(size)))
