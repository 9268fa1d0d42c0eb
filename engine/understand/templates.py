"""Phrase templates: a small, safe pattern language compiled to regular expressions.

The knowledge YAML writes what people say as templates, not regexes, so that a team can edit them
without learning regex and so that no template can cause catastrophic backtracking (every
repetition the compiler emits is bounded, and all words are literals).

Syntax (docs/free-text.md):
    word        a literal token; ``diverg*`` is a word prefix
    (a|b c)     alternatives (no nesting)
    [x]         an optional token or group: ``[(val|validation)] loss``
    ~           a gap: up to 4 words in English, up to 12 characters in Japanese
English tokens must stand as whole words separated by spaces or punctuation. In Japanese a space
between tokens means optional whitespace. Text is matched lower-cased after NFKC normalisation.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_SEP_EN = r"\W{1,6}"  # the same as [^\w]{1,6}, which the regex compiler takes ~1 ms to optimise
_GAP_EN = r"(?:\W{1,6}[\w'’-]{1,30}){0,4}\W{1,6}"
_SEP_JA = r"\s{0,3}"
_GAP_JA = r"[^。！？!?\n]{0,12}?"
LATIN = r"[a-z0-9_]"
"""A character of an English word (text is NFKC-normalised and lower-cased first). Kana and kanji
are word characters too (\\w), but an English word inside Japanese ("lossがnanになる") still ends
where the kana begin. (A class with the CJK ranges would say so too, but the regex compiler takes
50 times longer over one, for each of thousands of templates.)"""
_LEFT = rf"(?<!{LATIN})"
_RIGHT = rf"(?!{LATIN})"


class TemplateError(ValueError):
    """A template that cannot be compiled; ``column`` is 1-based within the template."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Template:
    source: str
    lang: str  # "en" or "ja": how tokens are joined
    regex: re.Pattern[str]
    needles: tuple[tuple[str, ...], ...] = ()
    """For each part the template cannot match without, its literal words (the first word of each
    alternative of a group): one of them must be in the text. A substring test is far cheaper than
    running the regex over the text, and most templates fail it."""

    def could_match(self, text: str) -> bool:
        """False when the regex cannot match ``text`` (a required word is missing); True otherwise."""
        # inline, not a call to _has_needles: this runs for every template in every sentence
        return all(any(needle in text for needle in alternatives) for alternatives in self.needles)


def normalise(text: str) -> str:
    """The form both templates and user text are matched in: NFKC, lower case, plain quotes."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


_ESCAPABLE = "()[]|~*\\"
_PLACEHOLDER = {ch: chr(0xE000 + k) for k, ch in enumerate(_ESCAPABLE)}
_LITERAL = {v: k for k, v in _PLACEHOLDER.items()}


def _protect(source: str) -> str:
    """``\\(`` and friends, and an empty ``()`` (as in ``model.eval()``), become literal characters."""
    out, i = [], 0
    while i < len(source):
        if source[i] == "\\" and i + 1 < len(source) and source[i + 1] in _ESCAPABLE:
            out.append(_PLACEHOLDER[source[i + 1]])
            i += 2
        elif source.startswith("()", i):
            out += [_PLACEHOLDER["("], _PLACEHOLDER[")"]]
            i += 2
        else:
            out.append(source[i])
            i += 1
    return "".join(out)


def _literal(word: str) -> str:
    return "".join(_LITERAL.get(ch, ch) for ch in word)


# An item is (kind, payload, optional): kind "word" (payload: str), "group" (payload: list of
# alternatives, each a list of words), or "gap".
Item = tuple[str, object, bool]


def _parse(source: str) -> list[Item]:
    items: list[Item] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        optional = False
        start = i
        if ch == "[":
            close = source.find("]", i)
            if close < 0:
                raise TemplateError("'[' is never closed", i + 1)
            inner = source[i + 1:close].strip()
            if not inner:
                raise TemplateError("'[]' is empty", i + 1)
            sub = _parse(inner)
            if len(sub) != 1 or sub[0][0] == "gap":
                raise TemplateError("'[...]' holds one token or one (a|b) group", i + 1)
            kind, payload, _ = sub[0]
            items.append((kind, payload, True))
            i = close + 1
            continue
        if ch == "]":
            raise TemplateError("']' without '['", i + 1)
        if ch == "(":
            close = source.find(")", i)
            if close < 0:
                raise TemplateError("'(' is never closed", i + 1)
            inner = source[i + 1:close]
            if "(" in inner or "[" in inner:
                raise TemplateError("groups cannot be nested", i + 1)
            alternatives = [alt.split() for alt in inner.split("|")]
            if any(not alt for alt in alternatives):
                raise TemplateError("an alternative in '(...)' is empty", i + 1)
            items.append(("group", alternatives, optional))
            i = close + 1
            continue
        if ch in ")|":
            raise TemplateError(f"'{ch}' outside a '(...)' group", i + 1)
        if ch == "~":
            if not items or items[-1][0] == "gap":
                raise TemplateError("'~' needs a token on each side", i + 1)
            items.append(("gap", None, False))
            i += 1
            continue
        j = i
        while j < n and not source[j].isspace() and source[j] not in "()[]|~":
            j += 1
        word = source[start:j]
        if word == "*" or word.count("*") > 1 or ("*" in word and not word.endswith("*")):
            raise TemplateError("'*' may only end a word", start + 1)
        items.append(("word", word, False))
        i = j
    if not items:
        raise TemplateError("the template is empty", 1)
    if items[-1][0] == "gap":
        raise TemplateError("'~' needs a token on each side", len(source))
    if all(optional or kind == "gap" for kind, _, optional in items):
        raise TemplateError("every part is optional, so it would match empty text", 1)
    return items


def _word(word: str, lang: str) -> str:
    prefix = word.endswith("*")
    word = _literal(word[:-1]) + "*" if prefix else _literal(word)
    body = re.escape(word[:-1] if prefix else word)
    stem = word[:-1] if prefix else word
    # "0" is not the start of "0.85" (it is of "0.00"), "10" not the start of "100"
    number_end = r"(?!\d|[.,]\d{0,15}[1-9])" if re.search(r"\d$", stem) else ""
    if lang == "ja" or CJK.search(word):
        # a Latin or digit token in Japanese text starts where the Latin run starts ("val" is not in
        # "evaluate", "10" is not in "100"); its end stays open ("acc" reaches "accuracyが")
        left = _LEFT if re.match(r"[a-z0-9_]", word) else ""
        return left + body + (number_end if not prefix else "")
    left = _LEFT if re.match(r"\w", word) else ""
    right = rf"(?:{LATIN}|['-]){{0,20}}" if prefix else (_RIGHT if re.search(r"\w$", word) else "") + number_end
    return left + body + right


def _sequence(words: list[str], lang: str) -> str:
    sep = _SEP_JA if lang == "ja" else _SEP_EN
    return sep.join(_word(w, lang) for w in words)


def check_template(source: str) -> list[Item]:
    """Parse ``source`` without building its regex (cheap: what validation needs); raises
    :class:`TemplateError` with the column of the problem."""
    if source != normalise(source):
        bad = next((k for k, (a, b) in enumerate(zip(source, normalise(source))) if a != b), 0)
        raise TemplateError("write templates in lower case, with ASCII letters and digits (text is matched "
                            "after NFKC normalisation and lower-casing, so this would never match)", bad + 1)
    return _parse(_protect(source))


@lru_cache(maxsize=8192)
def plain_text(source: str, lang: str) -> str:
    """One text the template matches: first alternatives, optional parts and gaps left out."""
    parts: list[str] = []
    for kind, payload, optional in check_template(source):
        if optional or kind == "gap":
            continue
        words = [payload] if kind == "word" else payload[0]  # type: ignore[index]
        parts.extend(_literal(w).rstrip("*") for w in words)  # type: ignore[union-attr]
    return ("" if lang == "ja" else " ").join(parts)


@lru_cache(maxsize=16384)
def compile_template(source: str, lang: str) -> Template:
    """Compile ``source``; raises :class:`TemplateError` with the column of the problem.

    Cached: the graph has over a thousand templates, more than the `re` module's own cache holds,
    and Python compiles a large alternation in about half a millisecond. Validation, each matcher
    and every reload of an edited graph compile the same templates again; a `Template` is immutable."""
    items = check_template(source)
    sep = _SEP_JA if lang == "ja" else _SEP_EN
    gap = _GAP_JA if lang == "ja" else _GAP_EN
    # (pattern, optional, joiner to the next token): a "~" becomes the joiner of the token before it
    tokens: list[tuple[str, bool, str]] = []
    for k, (kind, payload, optional) in enumerate(items):
        if kind == "gap":
            continue
        if kind == "word":
            body = _word(payload, lang)  # type: ignore[arg-type]
        else:
            body = "(?:" + "|".join(_sequence(alt, lang) for alt in payload) + ")"  # type: ignore[union-attr]
        joiner = gap if k + 1 < len(items) and items[k + 1][0] == "gap" else sep
        tokens.append((body, optional, joiner))
    # An optional token takes one joiner with it: the one after it when it leads, else the one before.
    pattern = ""
    for k, (body, optional, joiner) in enumerate(tokens):
        if k == 0:
            pattern = f"(?:{body}{joiner})?" if optional and len(tokens) > 1 else body
            continue
        before = tokens[k - 1][2]
        if k == 1 and tokens[0][1]:
            pattern += f"(?:{body})?" if optional else body
        elif optional:
            pattern += f"(?:{before}{body})?"
        else:
            pattern += before + body
    try:
        regex = re.compile(pattern)
    except re.error as exc:  # pragma: no cover - the compiler only emits valid patterns
        raise TemplateError(f"internal: {exc}", 1) from None
    if regex.fullmatch(""):
        raise TemplateError("the template matches empty text", 1)
    return Template(source, lang, regex, _needles(items))


def _needles(items: list[Item]) -> tuple[tuple[str, ...], ...]:
    needles = []
    for kind, payload, optional in items:
        if optional or kind == "gap":
            continue
        words = [payload] if kind == "word" else [alternative[0] for alternative in payload]  # type: ignore[index,union-attr]
        needles.append(tuple(_literal(w[:-1] if w.endswith("*") else w) for w in words))  # type: ignore[union-attr]
    return tuple(needles)


@lru_cache(maxsize=16384)
def _source_needles(source: str) -> tuple[tuple[str, ...], ...]:
    return _needles(check_template(source))


def could_match(source: str, text: str) -> bool:
    """False when ``source`` cannot match ``text`` (a word it needs is missing), without compiling
    its regex: what validation asks before paying for a compile."""
    return all(any(needle in text for needle in alternatives) for alternatives in _source_needles(source))
