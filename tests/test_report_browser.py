"""The HTML report in a real browser: Debian's chromium, headless, offline.

It must draw (a screenshot that is not blank, with the report's own colours) in English and
Japanese, and run no script even when the knowledge graph and the log are hostile (the DOM after
load still shows the text, and the page title was not changed). Skipped only when no chromium is
installed (`apt-get install -y chromium fonts-noto-cjk`).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from engine.render import render
from engine.report import build_report
from engine.session import Session, read_session_file

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt-get install -y chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
SESSIONS = ROOT / "tests" / "fixtures" / "sessions"


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],  # type: ignore[list-item]
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def read_png(data: bytes) -> np.ndarray:
    """The pixels (height, width, channels) of an 8-bit, non-interlaced RGB or RGBA PNG.

    A small decoder (zlib + the five PNG row filters) so that the test needs no image library.
    """
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, idat, header = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
    assert header is not None, "no IHDR chunk"
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    assert len(raw) == height * (stride + 1), "truncated image data"
    out = np.zeros((height, stride), dtype=np.int64)
    prev = np.zeros(stride, dtype=np.int64)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1).astype(np.int64)
        if kind == 0:
            cur = line
        elif kind == 1:  # Sub: a running sum along the row, per channel
            cur = np.cumsum(line.reshape(width, bpp), axis=0).reshape(-1) % 256
        elif kind == 2:  # Up
            cur = (line + prev) % 256
        else:  # Average, Paeth: each byte depends on the one to its left
            row = [0] * stride
            ln, up = line.tolist(), prev.tolist()
            for x in range(stride):
                a = row[x - bpp] if x >= bpp else 0
                b = up[x]
                if kind == 3:
                    value = ln[x] + ((a + b) >> 1)
                else:
                    c = up[x - bpp] if x >= bpp else 0
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    value = ln[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)
                row[x] = value & 255
            cur = np.array(row, dtype=np.int64)
        out[y] = cur
        prev = cur
    return out.reshape(height, width, bpp)[:, :, :3].astype(np.uint8)


def test_png_decoder_on_a_known_image():
    """The decoder itself, on an image written here with every filter type."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(5, 4, 3), dtype=np.int64)
    rows = []
    for y in range(5):
        line, up = pixels[y].reshape(-1), (pixels[y - 1].reshape(-1) if y else np.zeros(12, dtype=np.int64))
        left = np.concatenate([np.zeros(3, dtype=np.int64), line[:-3]])
        upleft = np.concatenate([np.zeros(3, dtype=np.int64), up[:-3]])
        kind = y % 5
        if kind == 0:
            f = line
        elif kind == 1:
            f = line - left
        elif kind == 2:
            f = line - up
        elif kind == 3:
            f = line - (left + up) // 2
        else:
            pa, pb, pc = abs(up - upleft), abs(left - upleft), abs(left + up - 2 * upleft)
            f = line - np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, upleft))
        rows.append(bytes([kind]) + bytes((f % 256).astype(np.uint8)))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 5, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))
    assert (read_png(png) == pixels).all()


def _report_html(lang: str) -> str:
    from engine.loader import load_or_raise

    data = read_session_file(SESSIONS / "found-from-log.json")
    kb = load_or_raise()
    return render(build_report(Session.from_file(data, kb), saved=data, lang=lang), "html")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_report_draws_in_chromium(tmp_path, lang):
    page = tmp_path / f"report-{lang}.html"
    page.write_text(_report_html(lang), encoding="utf-8")
    shot = tmp_path / f"report-{lang}.png"
    done = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 10_000, done.stderr[-2000:]
    pixels = read_png(shot.read_bytes())
    assert pixels.shape == (2000, 1200, 3)
    flat = pixels.reshape(-1, 3)
    colours = len(np.unique(flat, axis=0))
    ink = float((flat.astype(int).sum(axis=1) < 600).mean())
    assert colours > 500, f"only {colours} colours: blank or unstyled"
    assert 0.01 < ink < 0.6, f"{ink:.1%} of the pixels are dark"
    found_green = np.array([0x18, 0x80, 0x38])  # the "found" answer pill of the SVG and the table
    assert (flat == found_green).all(axis=1).sum() > 500, "the decision path diagram was not drawn"


class _DomText(HTMLParser):
    """Element names, the document's title (the <title> in <head>) and all text of a DOM dump."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.title: str | None = None
        self._current: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._current = tag

    def handle_endtag(self, tag):
        self._current = None

    def handle_data(self, data):
        if self._current == "title" and self.title is None and "body" not in self.tags:
            self.title = data
        self.text.append(data)


def test_hostile_text_runs_no_script_in_chromium(tmp_path):
    from engine.loader import load_or_raise

    evil = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
    layer = tmp_path / "layer"
    layer.mkdir()
    quoted = evil.replace("\\", "\\\\").replace('"', '\\"')
    (layer / "evil.yaml").write_text(
        "nodes:\n  - id: learning_rate_wrong\n    kind: reason\n"
        f'    title: {{en: "{quoted}", ja: "{quoted}"}}\n'
        "  - id: loss_nan\n    kind: symptom\n"
        f'    title: {{en: "{quoted}", ja: "{quoted}"}}\n', encoding="utf-8")
    kb = load_or_raise([layer])
    s = Session(kb)
    s.answer("yes", "loss_nan", source="log", evidence=evil)
    s.answer("found", "learning_rate_wrong")
    page = tmp_path / "hostile.html"
    page.write_text(render(build_report(s), "html"), encoding="utf-8")
    done = chromium(tmp_path, "--dump-dom", "--virtual-time-budget=2000", page.as_uri())
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    dom = _DomText()
    dom.feed(done.stdout)
    assert dom.title is not None and dom.title != "pwned" and dom.title.startswith("nn-triage report: Found: 4.10 ")
    assert "script" not in dom.tags and "img" not in dom.tags, "no element was made from the text"
    assert evil in "".join(dom.text), "the hostile text is shown as text"
