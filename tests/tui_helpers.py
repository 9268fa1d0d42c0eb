"""Helpers for driving the TUI headlessly with Textual's Pilot."""

from __future__ import annotations

from pathlib import Path

from tui.app import make_app
from tui.settings import Settings


def build(tmp_path: Path, **kw):
    kw.setdefault("offer_resume", False)
    settings = Settings(data=tmp_path / "data", **kw)
    return make_app(settings)


def screen_text(app) -> str:
    """What the screen shows, as plain text (the exported SVG's text content)."""
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")
