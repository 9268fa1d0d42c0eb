"""The current question or check: what is asked, the answers as buttons, and for a check the
steps, the code for the chosen framework, the fix and the references."""

from __future__ import annotations

from functools import lru_cache

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from engine.model import answers_for
from engine.schema import CHECK_KINDS
from engine.text import inert
from tui.i18n import strings
from tui.messages import AnswerChosen
from tui.widgets.prose import Prose

@lru_cache(maxsize=128)
def highlighted(code: str) -> Text:
    """The snippet highlighted once (pygments is slow): a Text re-renders without lexing again.
    Control characters are made visible first (tabs stay: the code's indentation)."""
    code = inert(code)
    return Syntax(code, "python", theme="ansi_dark").highlight(code).copy()


ANSWER_KEYS = {"yes": "y", "no": "n", "unknown": "u", "found": "f", "ok": "o", "skip": "s"}


class QuestionPanel(VerticalScroll):
    """Shows one node; ``show`` is called by the screen whenever the pending ask changes."""

    DEFAULT_CSS = """
    QuestionPanel { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.node_id: str | None = None
        self._shown: dict[str, object] = {}

    def _put(self, widget_id: str, key: object, content) -> None:
        """Update the Static ``widget_id`` only when what it shows changes (``key``): an update
        makes the widget ask the screen for a layout of its own, one frame later."""
        if self._shown.get(widget_id, ()) != key:
            self._shown[widget_id] = key
            widget = self.query_one(f"#{widget_id}", Static)
            widget.update(content() if callable(content) else content)
            widget.display = bool(key)  # an empty heading or code block takes no room

    def compose(self) -> ComposeResult:
        yield Static(id="q-kind")
        yield Prose(id="q-title", style="bold")
        yield Prose(id="q-text")
        yield Prose(id="q-help", style="italic")
        with Horizontal(id="q-answers"):
            for answer in ANSWER_KEYS:
                yield Button(id=f"answer-{answer}", compact=True)
        yield Static(id="q-why-head", classes="section")
        yield Prose(id="q-why")
        yield Static(id="q-check-head", classes="section")
        yield Prose(id="q-check")
        yield Static(id="q-code-head", classes="section")
        yield Static(id="q-code")
        yield Static(id="q-fix-head", classes="section")
        yield Prose(id="q-fix")
        yield Static(id="q-refs-head", classes="section")
        yield Prose(id="q-refs")

    def show(self, node, lang: str, framework: str, step: int) -> None:
        """Render ``node`` (or the end of the session when it is None)."""
        ui = strings(lang)
        self.node_id = node.id if node is not None else None
        is_check = node is not None and node.kind in CHECK_KINDS
        if node is None:
            self._put("q-kind", ("end", lang), Text(ui.t("nothing_pending")))
        else:
            ref = getattr(node, "ref", None)
            label = inert(f"{ui.t('step')} {step} · {getattr(ui.kinds, node.kind)}" + (f" {ref}" if ref else ""))
            self._put("q-kind", label, Text(label, style="dim"))
        self.query_one("#q-title", Prose).text = node.title.get(lang) if node is not None else ""
        ask = getattr(node, "ask", None) if node is not None else None
        self.query_one("#q-text", Prose).text = ask.get(lang) if ask is not None else ""
        helptext = getattr(node, "help", None) if node is not None else None
        self.query_one("#q-help", Prose).text = helptext.get(lang) if helptext is not None else ""

        allowed = answers_for(node.kind) if node is not None else ()
        for answer, key in ANSWER_KEYS.items():
            button = self.query_one(f"#answer-{answer}", Button)
            shown = answer in allowed
            if button.display != shown:
                button.display = shown
            label = f"{getattr(ui.answers, answer)} ({key})"
            if shown and str(button.label) != label:  # restyling a button is costly: only on change
                button.label = Text(label)
                button.variant = "primary" if answer in ("yes", "found") else "default"

        sections = (("why", ui.sections.why), ("check", ui.sections.how_to_check), ("fix", ui.sections.fix))
        for field, title in sections:
            value = getattr(node, field, None) if is_check else None
            head = title if value else ""
            self._put(f"q-{field}-head", head, Text(head, style="bold underline"))
            self.query_one(f"#q-{field}", Prose).text = value.get(lang) if value is not None else ""
        if is_check:
            snippet = node.snippets.get(framework)
            head = inert(f"{ui.sections.code} ({framework})")
            self._put("q-code-head", head, Text(head, style="bold underline"))
            self._put("q-code", (snippet, lang), lambda: highlighted(snippet) if snippet
                      else Text(ui.t("no_code"), style="dim"))
        else:
            self._put("q-code-head", "", "")
            self._put("q-code", None, "")
        refs = node.references if is_check else []
        head = ui.sections.references if refs else ""
        self._put("q-refs-head", head, Text(head, style="bold underline"))
        self.query_one("#q-refs", Prose).text = "\n".join(f"• {r.title}" + (f" {r.url}" if r.url else "") for r in refs)
        self.scroll_home(animate=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if self.node_id is not None and event.button.id and event.button.id.startswith("answer-"):
            event.stop()
            self.post_message(AnswerChosen(self.node_id, event.button.id.removeprefix("answer-")))
