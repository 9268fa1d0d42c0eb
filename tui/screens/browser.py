"""The knowledge browser: search any node, read it with its edges and where it is defined, open
it in $EDITOR at that line or edit it here."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList
from textual.widgets.option_list import Option

from engine.text import inert
from tui.i18n import strings
from tui.widgets.prose import Prose

TEXT_FIELDS = ("ask", "help", "why", "check", "fix")


def node_text(kb, node_id: str, lang: str) -> str:
    """Everything about one node, as plain text (shown by :class:`Prose`, which makes it inert)."""
    ui = strings(lang)
    node = kb.nodes[node_id]
    ref = getattr(node, "ref", None)
    lines = [f"{node.id} · {node.kind}" + (f" · {ref}" if ref else ""), node.title.get(lang), ""]
    for field in TEXT_FIELDS:
        value = getattr(node, field, None)
        if value is not None:
            lines += [f"[{field}]", value.get(lang), ""]
    out = [e for e in kb.edges_from(node_id)]
    inc = [e for e in kb.edges_to(node_id)]
    if out:
        lines.append(f"{ui.t('edges_out')}:")
        lines += [f"  {e.kind} → {e.target}" + _weight(e) for e in out]
    if inc:
        lines.append(f"{ui.t('edges_in')}:")
        lines += [f"  {e.source} → {e.kind}" + _weight(e) for e in inc]
    rules = [r.id for r in kb.rules if node_id in r.if_ or any(node_id in a.model_dump(by_alias=True).values()
                                                                 for a in r.then)]
    if rules:
        lines.append("rules: " + ", ".join(rules))
    where = kb.node_locations.get(node_id)
    if where is not None:
        lines += ["", f"{ui.t('source')}: {where.file}:{where.line}"]
    return "\n".join(lines)


def _weight(edge) -> str:
    for name in ("strength", "factor"):
        if hasattr(edge, name):
            return f" ({name} {getattr(edge, name)})"
    return ""


class BrowserScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("ctrl+e", "open_editor", "$EDITOR", id="editor"),
        Binding("ctrl+o", "edit_here", "Edit", id="edit"),
    ]

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.selected: str | None = None

    def compose(self) -> ComposeResult:
        ui = strings(self.lang)
        yield Header(show_clock=False)
        with Horizontal():
            with Vertical(id="browser-list"):
                yield Input(placeholder=ui.t("search"), id="search")
                yield OptionList(id="nodes")
            with VerticalScroll(id="browser-detail"):
                yield Prose(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        ui = strings(self.lang)
        self.app.sub_title = ui.t("browser_title")
        self._fill("")

    def _fill(self, query: str) -> None:
        kb, q = self.app.kb, query.lower().strip()
        options = []
        for node in kb.nodes.values():
            ref = getattr(node, "ref", None) or ""
            title = node.title.get(self.lang)
            if q and q not in node.id.lower() and q not in ref.lower() and q not in title.lower():
                continue
            label = inert(f"{ref:>5} {title}" if ref else f"      {title}").replace("\n", " ")
            options.append(Option(Text(label, no_wrap=True, overflow="ellipsis"), id=node.id))
        nodes = self.query_one("#nodes", OptionList)
        nodes.clear_options()
        nodes.add_options(options)
        if options:
            nodes.highlighted = 0
            self._show(options[0].id)

    def _show(self, node_id: str | None) -> None:
        if node_id is None or node_id not in self.app.kb.nodes:
            return
        self.selected = node_id
        self.query_one("#detail", Prose).text = node_text(self.app.kb, node_id, self.lang)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._show(event.option.id)

    def _location(self) -> tuple[Path, int] | None:
        where = self.app.kb.node_locations.get(self.selected or "")
        return (Path(where.file), where.line) if where is not None else None

    async def action_open_editor(self) -> None:
        ui = strings(self.lang)
        located = self._location()
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if located is None:
            return
        if not editor:
            self.notify(ui.t("no_editor"), severity="warning", markup=False)
            return
        path, line = located
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                subprocess.run([*shlex.split(editor), f"+{line}", str(path)], check=False)
        except SuspendNotSupported:  # e.g. a web or headless driver: the terminal cannot be handed over
            self.notify(ui.t("no_editor"), severity="warning")
            return
        except OSError as exc:
            self.notify(f"{editor}: {exc.strerror or exc}", severity="error")
            return
        if await self.app.reload_knowledge():
            self._show(self.selected)

    def action_edit_here(self) -> None:
        from tui.screens.editor import EditorScreen

        located = self._location()
        if located is not None:
            self.app.push_screen(EditorScreen(located[0], located[1], self.lang))
