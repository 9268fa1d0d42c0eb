"""Helpers for driving the TUI headlessly with Textual's Pilot."""

from __future__ import annotations

from pathlib import Path

from tui.app import make_app
from tui.settings import Settings


def build(tmp_path: Path, **kw):
    kw.setdefault("offer_resume", False)
    settings = Settings(data=tmp_path / "data", **kw)
    return make_app(settings)


async def choose_first(pilot, option_list) -> None:
    """Choose the first row of an OptionList with the keyboard (focus, first row, Enter)."""
    option_list.focus()
    option_list.highlighted = 0
    await pilot.press("enter")
    await pilot.pause()


def screen_text(app) -> str:
    """What the screen shows, as plain text (the exported SVG's text content)."""
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")
