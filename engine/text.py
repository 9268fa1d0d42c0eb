"""Text from knowledge files, logs, session files and people, made inert for a terminal or a document.

Escaping for a syntax (HTML, Markdown, Mermaid, DOT) is each renderer's job; this module handles
what no syntax escape covers: characters that act on the *display* itself.

* C0 and C1 control characters (ESC starts terminal escape sequences: clear the screen, set the
  window title, write the clipboard with OSC 52; BEL rings; a lone CR returns the cursor and lets
  later text overwrite earlier text; NUL and friends confuse pagers) — shown by their names,
  ``‹ESC›``, ``‹BEL›``, ``‹CR›``, ``‹NUL›`` (C0 and DEL), or as ``‹U+009B›`` (C1). Names in ASCII
  between single guillemets, rather than the control pictures ``␛``, because terminal and browser
  fonts often lack the pictures and would show an anonymous box;
* format characters: right-to-left overrides and isolates (U+202A–U+202E, U+2066–U+2069) reorder
  how a line is displayed ("Trojan Source"), zero-width spaces and joiners (U+200B–U+200D, U+2060,
  U+FEFF) hide text, tag characters (U+E0020–U+E007F) smuggle invisible ASCII — shown as
  ``‹U+202E›`` so that a reader sees that they are there;
* line and paragraph separators (U+2028, U+2029), which some readers take for line breaks, and
  lone surrogates, which cannot even be encoded as UTF-8 — shown the same way.

Line feeds and tabs are kept (callers that want one line join the lines themselves); a CR LF pair
becomes a line feed. The placeholders contain no character that is syntax in HTML, Markdown,
Mermaid, DOT or Rich markup, so :func:`inert` may run before or after a renderer's own escaping.
"""

from __future__ import annotations

import re

# Unicode categories Cc (controls, except TAB and LF), Cf (format), Zl, Zp and Cs (surrogates),
# written out because computing them at import costs ~160 ms. Unicode 15.1; a test checks that
# they cover every such character of the running Python's Unicode database.
_RANGES = (
    (0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C),
    (0x6DD, 0x6DD), (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xD800, 0xDFFF),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
UNSAFE = re.compile("[" + "".join(
    re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _RANGES) + "]")
"""Any character that :func:`inert` replaces (a lone CR included; CR LF is handled first)."""

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: the characters that reorder how a line is displayed."""

_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0B: "VT", 0x0C: "FF", 0x0D: "CR", 0x1B: "ESC",
          0x7F: "DEL", 0x85: "NEL", 0x9B: "CSI", 0x9D: "OSC", 0xAD: "SOFT HYPHEN", 0x200B: "ZERO WIDTH SPACE",
          0x200C: "ZERO WIDTH NON-JOINER", 0x200D: "ZERO WIDTH JOINER", 0x200E: "LEFT-TO-RIGHT MARK",
          0x200F: "RIGHT-TO-LEFT MARK", 0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR",
          0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING",
          0x202C: "POP DIRECTIONAL FORMATTING", 0x202D: "LEFT-TO-RIGHT OVERRIDE",
          0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2060: "WORD JOINER", 0x2066: "LEFT-TO-RIGHT ISOLATE",
          0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE",
          0x2069: "POP DIRECTIONAL ISOLATE", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE"}


_C0 = ("NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB "
       "ESC FS GS RS US").split()


def placeholder(char: str) -> str:
    """What :func:`inert` shows instead of ``char``: ``‹ESC›`` (C0 and DEL) or ``‹U+202E›``."""
    code = ord(char)
    if code < 0x20:
        return f"‹{_C0[code]}›"
    if code == 0x7F:
        return "‹DEL›"
    return f"‹U+{code:04X}›"


def describe(char: str) -> str:
    """``U+001B (ESC)``: a character named in an error message."""
    code = ord(char)
    name = _NAMES.get(code)
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def inert(text: str) -> str:
    """``text`` with every control, format and separator character shown as a visible placeholder.

    Line feeds and tabs stay; CR LF becomes LF. Plain text comes back unchanged (and fast).
    """
    if not text or UNSAFE.search(text) is None:
        return text
    return UNSAFE.sub(lambda m: placeholder(m.group()), text.replace("\r\n", "\n"))


def json_safe(text: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with the characters :func:`inert`
    replaces written as ``\\uXXXX`` escapes instead: the same data for a JSON reader, nothing
    raw for a terminal or a line splitter. Valid because those characters can only stand inside
    JSON strings."""
    if UNSAFE.search(text) is None:
        return text

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code > 0xFFFF:  # a surrogate pair, as JSON writes characters beyond the BMP
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return UNSAFE.sub(escape, text)


def first_unsafe(text: str, allowed: str = "\t\n") -> tuple[int, str] | None:
    """Index and character of the first character :func:`inert` would replace (a CR too), or None."""
    match = UNSAFE.search(text)
    while match is not None and match.group() in allowed:
        match = UNSAFE.search(text, match.end())
    return (match.start(), match.group()) if match else None
