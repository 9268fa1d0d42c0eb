"""Numbers about how a run behaves: the learning rate for its optimiser, gradient norms, a loss that
grows by orders of magnitude, and when NaN first appears.

    "Adam, lr=3e-3"                 above Adam's usual 1e-5 … 1e-3      → q_lr_unusual yes
    "SGD lr 0.05"                   inside SGD's usual 1e-3 … 0.1        → q_lr_unusual no
    "grad norm of layer 1 ~1e-9"    at or below 1e-6                    → gradients_vanishing yes
    "grad normが10^6"               1e3 or more                          → gradients_exploding yes
    "loss goes 1e6 -> 1e9 -> 1e12"  rising tenfold or more              → loss_diverging yes
    "loss: 0.98, 3.4, 210, 8e6"     (a list needs three values)
    "nan at step ~100"              within the first few hundred steps  → nan_early yes

The usual ranges are the ones the knowledge's own question states (q_lr_unusual). Each rule
returns (fact id, answer, the words it read, why), like :func:`engine.understand.numbers.read_numbers`.
Text is already normalised (NFKC, lower case).
"""

from __future__ import annotations

import re

Fact = tuple[str, str, str, str]

_POWER = r"10\s?(?:\^|\*\*)\s?[-+]?\d{1,3}"  # 10^6, 10**-8
_DECIMAL = r"\d{1,15}(?:\.\d{1,15})?"
_NUMBER = rf"{_POWER}|{_DECIMAL}(?:e[-+]?\d{{1,3}})?"
_END = r"(?![a-z0-9_]|\.\d)"
VALUE = rf"(?<![a-z0-9_.])({_NUMBER}){_END}"
"""A number as people write it in a log or a chat: 0.5, 3e-4, 1.5e+3, 10^6, 10**-8 (digit runs are
bounded, so a long run of digits is not retried from each digit)."""


_ITERATIONS = r"iterations?|iters?|steps?|batches|updates?"
"""Units that count iterations (epochs count something larger)."""
_STEP = r"\s?(?:->|→|=>|to|から|,\s?then|then|,)\s?(?:~|about|around)?\s?"
"""Between the values of a series: "1e6 -> 1e9", "0.98, 3.4, 210", 「1e3から1e8」."""
_NOT_A_VALUE = r"(?!\s?(?:epochs?|steps?|iter\w*|layers?|st\b|nd\b|th\b|エポック|epoch|ステップ|層|番目|つ目))"
"""After a number: "20 epochs", 「1層目」 count something else."""
_SERIES_VALUE = re.compile(VALUE)
_SERIES_TAIL = re.compile(rf"(?:{_STEP}(?:{_NUMBER}){_END}{_NOT_A_VALUE}){{1,8}}")


def _grows(values: list[float], factor: float) -> bool:
    """Never falls, and ends ``factor`` times higher than it began."""
    return all(b >= a for a, b in zip(values, values[1:])) and values[-1] >= factor * max(values[0], 1e-12)


def value_of(written: str) -> float:
    if "^" in written or "**" in written:
        return 10.0 ** float(re.split(r"\^|\*\*", written.replace(" ", ""))[1])
    return float(written)


# -- learning rate -----------------------------------------------------------------------------

_ADAPTIVE = r"adam\w*|nadam|radam|rmsprop|adagrad|adadelta|adafactor|lamb|lion"
_SGD = r"sgd|momentum"
_OPTIMISER = re.compile(rf"(?<![a-z])(?:(?P<adaptive>{_ADAPTIVE})|(?P<sgd>{_SGD}))(?![a-z])")
USUAL_LR = {"adaptive": (1e-5, 1e-3), "sgd": (1e-3, 0.1)}
"""The usual range per optimiser family, as the knowledge asks it (q_lr_unusual)."""
ANY_OPTIMISER_UNUSUAL = (1e-6, 0.3)
"""Without a named optimiser, only a rate unusual for every optimiser counts."""
_LR = re.compile(r"(?<![a-z])(?:lr|learning[ _]rate|学習率)(?:\s[a-z]{2,12}ly)?\s?(?:=|:|of|was|is|at|to|set to|を|は|が)?\s?"
                 r"(?:~|about|around)?\s?"
                 + VALUE)
_LR_AFTER_OPTIMISER = re.compile(rf"(?<![a-z])(?:{_ADAPTIVE}|sgd)\s?(?:with\s|at\s|@\s?|\(\s?)?" + VALUE
                                 + r"(?!\s?(?:momentum|beta|decay|weight|epochs?|steps?|%))")
""""fine-tuning with Adam 1e-3", "sgd 0.01": the number right after an optimiser is its rate."""


def _optimiser_near(text: str, position: int) -> str | None:
    """The family ("adaptive" / "sgd") of the optimiser named nearest to ``position``."""
    best = None
    for match in _OPTIMISER.finditer(text):
        distance = abs(match.start() - position)
        if best is None or distance < best[0]:
            best = (distance, "adaptive" if match.group("adaptive") else "sgd")
    return best[1] if best else None


def learning_rates(text: str) -> list[Fact]:
    out: list[Fact] = []
    seen: set[int] = set()
    for pattern in (_LR, _LR_AFTER_OPTIMISER):
        for match in pattern.finditer(text):
            if match.start(1) in seen:
                continue
            seen.add(match.start(1))
            value = value_of(match.group(1))
            family = _optimiser_near(text, match.start())
            if family is None:
                low, high = ANY_OPTIMISER_UNUSUAL
                if value >= high or value <= low:
                    out.append(("q_lr_unusual", "yes", match.group(0),
                                f"learning rate {value:g} is unusual for any optimiser"))
                continue
            low, high = USUAL_LR[family]
            name = "Adam-like" if family == "adaptive" else "SGD"
            if value > high * 1.01 or value < low * 0.99:
                out.append(("q_lr_unusual", "yes", match.group(0),
                            f"learning rate {value:g} is outside the usual {low:g} … {high:g} for {name} optimisers"))
            else:
                out.append(("q_lr_unusual", "no", match.group(0),
                            f"learning rate {value:g} is usual for {name} optimisers"))
    return out


# -- gradient norms ----------------------------------------------------------------------------

VANISHING = 1e-6
EXPLODING = 1e3
NORMAL_GRADIENTS = (1e-4, 100.0)
GROWTH = 100.0
"""A series of gradient norms that grows a hundredfold is exploding, whatever its last value."""
_GRADIENT = re.compile(r"(?<![a-z_])(?:grad(?:ient)?s?(?:[ _-]?norms?)?(?![a-z])|gnorm|勾配(?:ノルム|のノルム)?)"
                       r"(?:(?!accum|clip|max|thresh|step|update|check|penalty|クリッピング|クリップ)"
                       r"(?:\d{1,3}\s?(?:層目?|番目|つ目|(?:st|nd|rd|th)\b)|[^0-9\n.。])){0,40}?"
                       + VALUE + _NOT_A_VALUE)
_POWER_OF_TEN = re.compile(rf"(?<![a-z0-9_.])({_POWER}|{_DECIMAL}e[-+]?\d{{1,3}})" + _END)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|[。！？\n]")
_NOT_A_NORM = re.compile(r"(?:clip\w*|max_norm|accumulat\w*)[^\n.。]{0,12}$")


def gradient_norms(text: str) -> list[Fact]:
    """Every gradient value read decides together: one spike in a text of normal norms is a spike.
    After a gradient word, the powers of ten later in its sentence are gradient values too
    (「出力に近い層は1e-2程度なのに入力側の層は1e-9」)."""
    values = []
    growing = None
    for match in _GRADIENT.finditer(text):
        if _NOT_A_NORM.search(text, max(0, match.start() - 20), match.start()):
            continue
        values.append((value_of(match.group(1)), match.group(0)))
        tail = _SERIES_TAIL.match(text, match.end())  # "grad norm 0.8, 3, 40, 900"
        if tail:
            series = [values[-1][0]] + [value_of(m.group(1)) for m in _SERIES_VALUE.finditer(tail.group(0))]
            values += [(v, text[match.start():tail.end()]) for v in series[1:]]
            if _grows(series, GROWTH):
                growing = (series[0], series[-1], text[match.start():tail.end()])
        sentence_end = _SENTENCE_END.search(text, match.end())
        for more in _POWER_OF_TEN.finditer(text, match.end(), sentence_end.start() if sentence_end else len(text)):
            values.append((value_of(more.group(1)), text[match.start():more.end()]))
    if not values:
        return []
    out: list[Fact] = []
    low, high = min(values), max(values)
    normal = all(NORMAL_GRADIENTS[0] <= v <= NORMAL_GRADIENTS[1] for v, _ in values)
    if low[0] <= VANISHING:
        out.append(("gradients_vanishing", "yes", low[1], f"gradient {low[0]:g} ≤ {VANISHING:g}"))
    elif normal:
        out.append(("gradients_vanishing", "no", low[1], f"gradient {low[0]:g} is of a normal size"))
    if high[0] >= EXPLODING:
        out.append(("gradients_exploding", "yes", high[1], f"gradient {high[0]:g} ≥ {EXPLODING:g}"))
    elif growing:
        out.append(("gradients_exploding", "yes", growing[2], f"gradient grows from {growing[0]:g} to {growing[1]:g}"))
    elif normal:
        out.append(("gradients_exploding", "no", high[1], f"gradient {high[0]:g} is of a normal size"))
    return out


# -- a loss that grows -------------------------------------------------------------------------

_LOSS_SERIES = re.compile(r"(?:loss|ロス|損失)[^0-9\n.。]{0,30}?" + VALUE + _NOT_A_VALUE + _SERIES_TAIL.pattern)


_WITHIN = re.compile(r"\s(?:in|within)\s(?:like\s|about\s|around\s|just\s|~)?(\d{1,6})\s(?:" + _ITERATIONS + ")")


def loss_series(text: str) -> list[Fact]:
    """A loss written as a series ("1e6 -> 1e9 -> 1e12", 「1e3から1e8まで」) that ends ten times higher
    than it began, and never falls on the way."""
    out: list[Fact] = []
    for match in _LOSS_SERIES.finditer(text):
        values = [value_of(m.group(1)) for m in _SERIES_VALUE.finditer(match.group(0))]
        listed = re.search(r"\d\s?,\s?(?!then)", match.group(0))  # "0.98, 3.4, 210": a list needs three
        if len(values) >= (3 if listed else 2) and _grows(values, 10):
            out.append(("loss_diverging", "yes", match.group(0),
                        f"the loss grows from {values[0]:g} to {values[-1]:g}"))
            within = _WITHIN.match(text, match.end())  # "0.7 -> 3e6 in like 20 iterations"
            if within and int(within.group(1)) <= EARLY:
                out.append(("nan_early", "yes", match.group(0) + within.group(0),
                            f"the loss explodes within {within.group(1)} iterations"))
    return out


# -- when NaN appears --------------------------------------------------------------------------

EARLY = 500
"""NaN within this many iterations is "early": a rate or an initialisation problem, not drift."""
LATE = 2000
_NAN = r"(?<![a-z])(?:nans?|infs?|inf(?:inity|inite)?|explod\w*|blows? up|blew up|diverg\w*)(?![a-z])"
"""NaN or Inf as a word ("inference" is not Inf), or the explosion that comes with it: the knowledge
asks whether "the NaN (or the explosion)" comes within the first few hundred iterations."""
_NAN_AT = re.compile(_NAN + r"[^.。\n]{0,40}?(?:after|at|within|from|around|by|in)\s?"
                     r"(?:(?P<before>step|iter(?:ation)?s?|it|epoch)\s?)?(?:~|about|around)?\s?~?"
                     r"(?<!\d)(?P<count>\d{1,15}(?:\.\d{1,15})?)\s?(?P<k>k)?\s?(?P<after>" + _ITERATIONS + r"|epochs?)?(?!\w|\.\d)")
_STEPS_BEFORE_NAN = re.compile(r"(?:(?:by|at|after|within|around|in)\s(?P<unit>step|iter(?:ation)?|batch|update|epoch)\s?~?"
                               r"(?<!\d)(?P<count>\d{1,9})(?P<k>k)?"
                               r"|(?:after|within|in|first)\s(?:~|about|around)?\s?(?<!\d)(?P<count2>\d{1,9})(?P<k2>k)?\s?"
                               r"(?P<unit2>" + _ITERATIONS + r"|epochs?))(?!\w)[^.。\n]{0,40}?(?P<nan>" + _NAN + ")")
_NAN_FIRST = re.compile(_NAN + r"[^.。\n]{0,40}?(?:from|at|on|in|after)\s(?:the\s)?(?:very\s)?(?:first|1st)\s"
                        r"(?:batch|step|iter\w*|update|few\s(?:steps|iter\w*|batches))"
                        r"|(?:最初の|1回目の|一回目の|1\s?ステップ目|1\s?バッチ目)[^。\n]{0,12}?" + _NAN)
_NAN_AT_JA = re.compile(r"(?<!\d)(\d{1,15})\s?(k)?\s?(ステップ|イテレーション|iter|step|エポック|epoch)[^。\n]{0,40}?(?P<nan>"
                        + _NAN + ")")


_DENIED = re.compile(r"(?:no|not|never|without|zero)\s(?:a\s|any\s)?$")


def nan_timing(text: str) -> list[Fact]:
    out: list[Fact] = []

    def add(count: float, unit: str, words: str) -> None:
        epochs = unit.startswith(("epoch", "エポック"))
        if not epochs and count <= EARLY:
            out.append(("nan_early", "yes", words, f"NaN after about {count:g} iterations"))
        elif (not epochs and count >= LATE) or (epochs and count >= 2):
            out.append(("nan_early", "no", words, f"NaN only after {count:g} {'epochs' if epochs else 'steps'}"))

    timed = set()  # a NaN that says when itself ("nan at epoch 20") outranks steps said before it
    for match in _NAN_AT.finditer(text):
        unit = match["before"] or match["after"] or ""
        if _DENIED.search(text, max(0, match.start() - 12), match.start()) or ("." in match["count"] and not unit):
            continue  # "no nans - loss sits at 2.3": neither a NaN nor a step count
        add(float(match["count"]) * (1000 if match["k"] else 1), unit, match.group(0))
        timed.add(match.start())
    for match in _STEPS_BEFORE_NAN.finditer(text):
        if match.start("nan") in timed:
            continue
        number, thousands, unit = (match["count"], match["k"], match["unit"]) if match["count"] else \
            (match["count2"], match["k2"], match["unit2"])
        add(float(number) * (1000 if thousands else 1), unit, match.group(0))
    for match in _NAN_AT_JA.finditer(text):
        if match.start("nan") in timed:
            continue
        add(float(match.group(1)) * (1000 if match.group(2) else 1), match.group(3), match.group(0))
    for match in _NAN_FIRST.finditer(text):
        out.append(("nan_early", "yes", match.group(0), "NaN from the very first steps"))
    return out


def read_dynamics(text: str) -> list[Fact]:
    return learning_rates(text) + gradient_norms(text) + loss_series(text) + nan_timing(text)
