"""Read one YAML file safely into plain Python data, remembering where every value stood.

We build the data from libyaml's event stream ourselves instead of calling ``yaml.safe_load``:

* the event loop is iterative, so a deeply nested document cannot exhaust the stack (PyYAML's C
  composer segfaults at ~100,000 levels) and we stop at ``MAX_DEPTH`` long before libyaml slows down;
* anchors and aliases are refused, so an alias bomb ("billion laughs") never expands;
* only the plain YAML tags are accepted (``!!python/object`` and friends are an error, not code);
* duplicate keys are an error instead of silently keeping the last one;
* ``yes`` / ``no`` / ``on`` / ``off`` stay strings (YAML 1.1 would turn them into booleans, and a
  knowledge file writes ``when: no``);
* each value's 1-based line and column is kept in ``positions`` under its path, e.g.
  ``("nodes", 3, "title", "ja")``, so validation errors can point at the exact spot.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .text import BIDI_CONTROLS, describe

try:  # libyaml makes parsing ~10x faster; fall back to the pure-Python parser where it is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 4 * 1024 * 1024
"""Knowledge files larger than this are refused before parsing (the shipped ones are ~100 KB)."""
MAX_DEPTH = 64
"""Nesting deeper than this is refused; real knowledge files nest about 5 levels."""

Path_ = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_YAML11_WORDS = {"yes", "no", "on", "off", "y", "n"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()


class YamlError(Exception):
    """A problem with a YAML file, with its 1-based position."""

    def __init__(self, path: str, line: int, col: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{col}: {message}")
        self.path, self.line, self.col, self.message = path, line, col, message


@dataclass
class YamlDocument:
    """The data of one YAML file and the position of every value and mapping key in it."""

    path: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def position(self, loc: Path_, *, key: bool = False) -> tuple[int, int]:
        """Where ``loc`` (or, if it is absent, its nearest ancestor) stands; (1, 1) at worst."""
        loc = tuple(loc)
        if key and loc in self.key_positions:
            return self.key_positions[loc]
        while loc:
            if loc in self.positions:
                return self.positions[loc]
            loc = loc[:-1]
        return self.positions.get((), (1, 1))


def _mark(event: yaml.Event) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _scalar(event: yaml.ScalarEvent, path: str) -> Any:
    if event.tag is None or event.tag == "!":
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
    else:
        tag = event.tag
    if tag not in _PLAIN_TAGS:
        raise YamlError(path, *_mark(event), f"the tag {tag!r} is not allowed in knowledge files")
    if tag == _STR or tag == "tag:yaml.org,2002:timestamp":
        return event.value
    if tag == "tag:yaml.org,2002:bool" and event.value.lower() in _YAML11_WORDS:
        return event.value
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
    return _constructor.construct_object(node)


def parse_yaml(text: str, path: str = "<string>") -> YamlDocument:
    """Parse one YAML document from ``text``; raise :class:`YamlError` on anything unsafe or malformed."""
    doc = YamlDocument(path=path, data=None)
    bad = _SURROGATE.search(text)
    if bad is not None:  # libyaml would fail to encode it; only text not read from a file can hold one
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise YamlError(path, line, col, "the text holds a lone surrogate (not a character), so it is not "
                                         "valid Unicode")
    bidi = _BIDI.search(text)
    if bidi is not None:  # "Trojan Source": anywhere, a comment included, it changes what a reviewer sees
        raise YamlError(path, *_line_col(text, bidi.start()),
                        f"the character {describe(bidi.group())} reorders how the text around it is displayed "
                        "(a line can then read differently from what it says); remove it")
    # Each open container: [container, its path, pending key (mappings), key's position]
    stack: list[list[Any]] = []
    documents = 0

    def place(value: Any, event: yaml.Event) -> Path_:
        """Put a finished value into the open container; return the path it got."""
        if not stack:
            doc.data = value
            doc.positions[()] = _mark(event)
            return ()
        top = stack[-1]
        container, cpath = top[0], top[1]
        if isinstance(container, list):
            vpath = (*cpath, len(container))
            container.append(value)
        elif top[2] is _NO_KEY:  # this value is a key
            if not isinstance(value, (str, int, float, bool)) or value is None:
                raise YamlError(path, *_mark(event), "a mapping key must be a plain value")
            if value in container:
                raise YamlError(path, *_mark(event), f"duplicate key {value!r} in this mapping")
            top[2], top[3] = value, _mark(event)
            return cpath
        else:
            key = top[2]
            vpath = (*cpath, key)
            container[key] = value
            doc.key_positions[vpath] = top[3]
            top[2] = _NO_KEY
        doc.positions[vpath] = _mark(event)
        return vpath

    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlError(path, *_mark(event),
                                "anchors and aliases (&name, *name) are not supported in knowledge files")
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise YamlError(path, *_mark(event), "a knowledge file holds one YAML document, found a second")
            elif isinstance(event, yaml.ScalarEvent):
                place(_scalar(event, path), event)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if event.tag not in (None, "!") and event.tag not in _PLAIN_TAGS:
                    raise YamlError(path, *_mark(event), f"the tag {event.tag!r} is not allowed in knowledge files")
                if len(stack) >= MAX_DEPTH:
                    raise YamlError(path, *_mark(event), f"nesting deeper than {MAX_DEPTH} levels")
                container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is _NO_KEY:
                    raise YamlError(path, *_mark(event), "a mapping key must be a plain value")
                # remember where the container goes; it is placed now so its path is known
                cpath = place(container, event)
                stack.append([container, cpath, _NO_KEY, None])
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "malformed YAML"
        if exc.problem and exc.context and exc.context_mark is not None:
            start = exc.context_mark
            problem += f" ({exc.context} that starts at line {start.line + 1}, column {start.column + 1})"
        raise YamlError(path, line, col, f"malformed YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:  # a raw control character (ESC, BEL, a C1 code...)
        # libyaml reports a byte offset, the pure-Python reader a character index: find the
        # character itself instead (its first occurrence is the one the reader stopped at).
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        index = text.find(char)
        line, col = _line_col(text, index) if index >= 0 else (1, 1)
        raise YamlError(path, line, col, f"malformed YAML: the control character {describe(char)} is "
                                         "not allowed in a YAML file; remove it") from None
    except yaml.YAMLError as exc:  # pragma: no cover - every other PyYAML error is marked or a reader error
        raise YamlError(path, 1, 1, f"malformed YAML: {' '.join(str(exc).split())}") from None
    return doc


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at ``index``."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


class _NoKey:
    __slots__ = ()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<no key>"


_NO_KEY = _NoKey()


def load_yaml_file(path: Path, display: str | None = None, max_bytes: int = MAX_BYTES) -> YamlDocument:
    """Read and parse ``path``; ``display`` is the name used in messages (defaults to the path)."""
    name = display or str(path)
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise YamlError(name, 1, 1, f"cannot read the file: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise YamlError(name, 1, 1, f"the file is {size / 1e6:.1f} MB; knowledge files are limited to "
                                    f"{max_bytes / 1e6:.0f} MB")
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise YamlError(name, 1, 1, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(name, line, col, "the file is not valid UTF-8 text") from None
    if "\x00" in text:
        raise YamlError(name, *_line_col(text, text.index("\x00")), "the file contains a NUL byte; is it binary?")
    return parse_yaml(text, name)
