"""Understand a person's own words as facts: which symptoms and setup facts they state or deny.

Transparent by design: every fact comes with the words it was heard from, and the reason
(a phrase of the node, a phrase negated by "no" / 「ない」, a negative phrase, a number).

1. The text is normalised (NFKC, lower case) and split into sentences; templates match within a
   sentence. Clauses (commas, "but", "although", 「が」「けど」「のに」) bound only where a negation
   reaches, so "no NaNs, but overfitting" negates only the NaNs.
2. Likely typos of the words the templates use are corrected (one edit, or two swapped letters);
   a word the knowledge's own prose uses is taken as spelled right and left alone.
3. Every template of every node is searched in every clause. A match inside a negated clause (a
   negation cue a few words before it in English, right after it in Japanese, and not part of the
   match itself) means "no"; a match of a `negative` phrase means "no".
4. Numbers that carry meaning are read by :mod:`engine.understand.numbers`.
5. A node heard both as yes and as no is left out (the person can say it again more clearly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ..knowledge import KnowledgeBase
from .numbers import read_numbers
from .templates import CJK, Template, TemplateError, compile_template, normalise

MAX_TEXT = 5000
"""Longer input is cut: a problem description is a paragraph, and the work stays bounded."""

_SENTENCE = re.compile(r"[.!?;](?=\s|$)|[。！？\n]")
_CLAUSE = re.compile(
    r"[,:、]|\s[-–—]{1,2}\s|[–—]|\bbut\b|\balthough\b|\bthough\b|\bhowever\b|\bwhereas\b|\bwhile\b|\band then\b"
    r"|(?<=[るたいだすぬ])(?:が|けど|けれど|ので|のに|から)|しかし|ただし|[てで]も"
    # 「張り付いたまま動かない」: the ない after まま belongs to the next predicate
    r"|(?<=[たの]まま)"
    # a conjunctive て/で that starts a new predicate (止まって、それ以上…), not an auxiliary (使っていない,
    # the contracted 使ってない, してなかった)
    r"|(?<=[っんいしきち])[てで](?![いおしまもるはあな])")
_CLAUSE_WORDS = frozenset({"but", "although", "though", "however", "whereas", "while", "then", "and", "not", "no",
                           "never", "without", "none", "nothing"})
_NEG_EN = re.compile(
    r"(?<![\w])(?:no|not|never|without|nor|neither|none|nothing|hardly|n't|isn't|aren't|wasn't|weren't"
    r"|don't|doesn't|didn't|won't|can't|cannot|haven't|hasn't|free of)(?![\w])")
_NEG_JA = re.compile(r"(?:ない|なく|ません|なかった|ず(?:$|[、。\s]|に)|せず|なし|無し|無い|未使用|ではなく)")
_HEDGE_EN = re.compile(
    r"(?<![\w])(?:not sure|unsure|no idea|don't know|do not know|can't tell|cannot tell|wonder\w*|whether"
    r"|maybe|perhaps|possibly|might|could it|is it|suspect(?:ed|ing)? that)(?![\w])")
"""Doubt anywhere before a match in its clause: "not sure whether it overfits" states nothing."""
_HEDGE_JA = re.compile(r"^[^、。]{0,6}?(?:(?<!し)かも|か(?:どうか)?(?:は|も)?(?:わから|分から|不明|判断|確信|自信)"
                       r"|のか|でしょうか|だろうか|(?<!し)かな(?:$|[\s?!]|あ))")
"""Doubt right after a Japanese match: 「過学習かもしれない」「nanになるのかわからない」."""
_ONLY_JA = re.compile(r"しか")
"""「10%しか出ない」 is "only 10 %": the ない after しか does not deny."""
_NOT_A_DENIAL_JA = ("少", "危", "汚", "足り", "違い", "間違い", "仕方", "しょうが", "もったい", "つまら", "切")
"""少ない, 足りない, 間違いない…: adjectives that end in ない without denying anything."""
_OTHER_ARGUMENT_JA = re.compile(r"[^\u3040-\u309f\s][がをはも]")
"""A noun (not hiragana) marked by a case particle between a match and a ない: the ない belongs to
that other argument's predicate (「転移学習で精度が出ない」 does not deny 転移学習)."""
_EMPHASIS_JA = re.compile(r"何も|なにも|一切|全く|まったく|全然|まだ|特に|別に|あまり|ほとんど|一度も|1つも|一つも")
"""Adverbs that strengthen a ない rather than being an argument of their own: 「正則化は何も入れていない」."""
_CHANGE_JA = re.compile(r"微動|動じ|安定|落ち着|収ま|伸び|伸ば|動か|動き|下が|上が|変わ|変化|減ら|減り|増え|改善|向上|進ま|収束|良くな|落ち|予測され|予測し")
"""A verb of change between a match and a ない: the ない says the change does not happen, not that
the match is absent (「val accuracyが全然伸びません」 still mentions accuracy)."""
_PARENS = re.compile(r"\((?!\))|(?<!\()\)")
"""A bracket bounds a clause: 「30層のMLP(skip connectionなし)」, "(no residuals and no batch norm)
classifying 20 types" (an empty pair, as in model.eval(), is code)."""
_NEG_WINDOW_EN = 4  # words before the match
_NEG_WINDOW_JA = 25  # characters after the match, up to the end of its clause
_WORD = re.compile(r"[a-z][a-z_'-]+")
MIN_TYPO_WORD = 4
SWAPS_ONLY_BELOW = 5
"""A four-letter word is corrected only for two swapped letters ("lsos"): one other edit turns
too many real words into others ("beam" → "beat", "itch" → "inch")."""


@dataclass(frozen=True)
class Heard:
    """One fact understood from the text."""

    id: str
    answer: str  # "yes" or "no"
    text: str
    """The words it was heard from (normalised), e.g. "goes to nan"."""
    why: str
    """How: "phrase", "negated phrase", "negative phrase", or the number rule that fired."""

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "answer": self.answer, "text": self.text, "why": self.why}


@dataclass(frozen=True)
class CompiledPhrase:
    node: str
    template: Template
    negative: bool


class Matcher:
    """Built once per knowledge base; :meth:`hear` is a pure function of the text."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.phrases: list[CompiledPhrase] = []
        self.errors: list[tuple[str, str, TemplateError]] = []
        for node in kb.facts:
            for field, negative in (("phrases", False), ("negative", True)):
                group = getattr(node, field, None)
                if group is None:
                    continue
                for lang in ("en", "ja"):
                    for source in getattr(group, lang):
                        try:
                            self.phrases.append(CompiledPhrase(node.id, compile_template(source, lang), negative))
                        except TemplateError as exc:
                            self.errors.append((node.id, source, exc))
        # Each template under the words of its first required part: a sentence is tried only against
        # the templates one of whose first words it contains (a few hundred of thousands), in order.
        self._by_first_word: dict[str, list[int]] = {}
        for k, phrase in enumerate(self.phrases):
            for needle in phrase.template.needles[0] if phrase.template.needles else ("",):
                self._by_first_word.setdefault(needle, []).append(k)

    def _candidates(self, sentence: str) -> list[CompiledPhrase]:
        """The templates that could match ``sentence``, in the order of :attr:`phrases`."""
        ks = {k for needle, indices in self._by_first_word.items() if needle in sentence for k in indices}
        return [self.phrases[k] for k in sorted(ks) if self.phrases[k].template.could_match(sentence)]

    @cached_property
    def _template_words(self) -> frozenset[str]:
        """The Latin words of all templates, a prefix word with its ``*`` (``diverg*``)."""
        return frozenset(w for phrase in self.phrases
                         for w in re.findall(r"[a-z][a-z_'-]+\*?", phrase.template.source))

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Latin words the templates use: what a typo may be corrected to. Whole words only: the
        stem of ``flatlin*`` is not a word, and "flatlines" is not a typo of it."""
        return frozenset(w for w in self._template_words if len(w) >= 4 and not w.endswith("*"))

    @cached_property
    def stems(self) -> tuple[str, ...]:
        """The stems of prefix words (``diverg*``): a word that starts with one is left alone."""
        return tuple(sorted(w[:-1] for w in self._template_words if w.endswith("*") and len(w) >= 5))

    @cached_property
    def known_words(self) -> frozenset[str]:
        """Correctly spelled words: everything the knowledge's English prose uses, plus the
        template words and the words that shape clauses. A known word is never "corrected"."""
        words: set[str] = set(self.vocabulary) | _CLAUSE_WORDS
        for node in self.kb.nodes.values():
            for field in ("title", "ask", "help", "why", "check", "fix"):
                value = getattr(node, field, None)
                if value is not None:
                    words.update(_WORD.findall(normalise(value.en)))
        return frozenset(words)

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """Fix likely typos of template words; returns the text and (typo, word) pairs."""
        vocab, known = self.vocabulary, self.known_words
        fixes: list[tuple[str, str]] = []
        tried: dict[str, str | None] = {}  # a word repeated a thousand times is looked up once

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if word in known or len(word) < MIN_TYPO_WORD or (word.endswith("s") and word[:-1] in known) \
                    or word.startswith(self.stems):
                return word
            if word not in tried:
                tried[word] = _close_word(word, vocab, swaps_only=len(word) < SWAPS_ONLY_BELOW)
            best = tried[word]
            if best is not None:
                fixes.append((word, best))
                return best
            return word

        return _WORD.sub(fix, text), fixes

    def hear(self, text: str) -> list[Heard]:
        """The facts stated or denied in ``text``, in the order first mentioned."""
        # cut again after normalising: NFKC turns some characters into up to 18 (U+FDFA)
        text = normalise(text[:MAX_TEXT])[:MAX_TEXT]
        text, fixes = self.correct(text)
        typo_note = {good: bad for bad, good in fixes}
        found: dict[str, list[tuple[int, Heard]]] = {}
        offset = 0
        for sentence in _sentences(text):
            if not sentence.strip():  # thousands of empty sentences ("。。。") cost a search each
                offset += len(sentence) + 1
                continue
            bounds = sorted(m.start() for pattern in (_CLAUSE, _PARENS) for m in pattern.finditer(sentence))
            for phrase in self._candidates(sentence):
                for match in phrase.template.regex.finditer(sentence):
                    negated = _negated(sentence, match.start(), match.end(), bounds)
                    if negated is None:
                        continue  # hedged: said in doubt, so neither yes nor no
                    if phrase.negative:
                        answer, why = ("yes", "negated negative phrase") if negated else ("no", "negative phrase")
                    else:
                        answer, why = ("no", "negated phrase") if negated else ("yes", "phrase")
                    words = match.group(0).strip()
                    shown = " ".join(f"{typo_note[w]} ({w})" if w in typo_note else w for w in words.split(" "))
                    found.setdefault(phrase.node, []).append(
                        (offset + match.start(), Heard(phrase.node, answer, shown, why)))
            offset += len(sentence) + 1
        for fact_id, answer, words, why in read_numbers(text):
            if fact_id in self.kb.nodes:
                found.setdefault(fact_id, []).append((text.find(words), Heard(fact_id, answer, words, why)))
        heard: list[tuple[int, Heard]] = []
        for node_id, items in found.items():
            answers = {h.answer for _, h in items}
            if len(answers) > 1:
                continue  # heard both ways: leave it to a question
            first = min(items, key=lambda item: (item[0], -len(item[1].text)))
            longest = max(items, key=lambda item: len(item[1].text))[1]
            heard.append((first[0], longest))
        return [h for _, h in sorted(heard, key=lambda item: item[0])]


def _sentences(text: str) -> list[str]:
    out, last = [], 0
    for match in _SENTENCE.finditer(text):
        out.append(text[last:match.start()])
        last = match.end()
    out.append(text[last:])
    return out


def _negated(sentence: str, start: int, end: int, bounds: list[int]) -> bool | None:
    """Whether the match is denied: a negation cue near it, outside it and inside its clause (a
    few words before it in English, right after it up to the clause's end in Japanese). None when
    it is said in doubt ("not sure whether", "maybe", 「かもしれない」「かわからない」)."""
    clause_start = max((b for b in bounds if b <= start), default=-1) + 1
    clause_end = min((b for b in bounds if b >= end), default=len(sentence))
    before = sentence[clause_start:start]
    if _HEDGE_EN.search(before):
        return None
    words = re.findall(r"[\w'’-]+", before)[-_NEG_WINDOW_EN:]
    if any(_NEG_EN.fullmatch(w) or w.endswith("n't") for w in words):
        return True
    after = sentence[end:min(clause_end, end + _NEG_WINDOW_JA)]
    if CJK.search(sentence[start:end] + after[:2]):
        if _HEDGE_JA.search(after):
            return None
        for cue in _NEG_JA.finditer(after):
            between = after[:cue.start()]
            if between.endswith(_NOT_A_DENIAL_JA):
                continue
            if _CHANGE_JA.search(between):
                return False
            coordinated = between[:1] in ("と", "や", "も")  # 「AもBも入れていない」「AとBは使っていない」
            if _ONLY_JA.search(sentence[start:end] + between) or (
                    not coordinated and _OTHER_ARGUMENT_JA.search(_EMPHASIS_JA.sub("", between[1:]))):
                return False
            return True
    return False


def _close_word(word: str, vocab: frozenset[str], swaps_only: bool = False) -> str | None:
    """A vocabulary word one edit away (two for long words), or with two letters swapped; with
    ``swaps_only``, only the latter."""
    if swaps_only:
        swapped = sorted(word[:k] + word[k + 1] + word[k] + word[k + 2:] for k in range(len(word) - 1))
        return next((w for w in swapped if w in vocab and w != word), None)
    limit = 1 if len(word) < 8 else 2
    best, best_d = None, limit + 1
    for candidate in vocab:
        if abs(len(candidate) - len(word)) > limit or candidate[0] != word[0] and candidate[:2] != word[1::-1]:
            continue
        d = _distance(word, candidate, limit)
        if d < best_d or (d == best_d and best is not None and candidate < best):
            best, best_d = candidate, d
    return best if best_d <= limit else None


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (adjacent swaps count as one), stopping past ``limit``."""
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
