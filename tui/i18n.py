"""UI strings per language, validated so that every language has every key."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict

LANGUAGES = ("en", "ja")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answers(_Section):
    yes: str
    no: str
    unknown: str
    found: str
    ok: str
    skip: str


class Kinds(_Section):
    symptom: str
    context: str
    question: str
    reason: str
    strategy: str


class Sections(_Section):
    how_to_check: str
    why: str
    fix: str
    code: str
    references: str
    suspects: str
    path: str
    help: str


class Bindings(_Section):
    why: str
    undo: str
    save: str
    export: str
    language: str
    knowledge: str
    framework: str
    restart: str
    copy_code: str
    help: str
    quit: str
    change: str
    describe: str


class UiStrings(BaseModel):
    """All the words of the interface in one language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answers: Answers
    kinds: Kinds
    sections: Sections
    bindings: Bindings
    texts: dict[str, str]

    def t(self, key: str, **values: object) -> str:
        """A text by key, with ``{name}`` placeholders filled in."""
        return self.texts[key].format(**values) if values else self.texts[key]


@lru_cache(maxsize=None)
def strings(lang: str) -> UiStrings:
    """The UI strings of ``lang`` (``en`` or ``ja``); English keys are the reference set."""
    if lang not in LANGUAGES:
        lang = "en"
    text = files("tui").joinpath("locales", f"{lang}.yaml").read_text(encoding="utf-8")
    data = UiStrings.model_validate(yaml.safe_load(text))
    if lang != "en":
        missing = set(strings("en").texts) - set(data.texts)
        if missing:
            raise ValueError(f"tui/locales/{lang}.yaml lacks texts: {', '.join(sorted(missing))}")
    return data


def default_language() -> str:
    """Japanese when the locale says so (LC_ALL, LC_MESSAGES, LANG), else English."""
    import os

    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"
