"""Numbers that carry meaning in a problem description.

    "stuck at 2.30 with 10 classes"   loss ≈ ln 10 = 2.303: the model is guessing → acc_at_chance
    "val acc 10% on CIFAR-10"         10 % = 1/10: chance → acc_at_chance
    "first loss 14.2, 10 classes"     far from ln C → initial_loss_off
    "batch size 8192", "bs=4096"      → large_batch
    "only 300 images"                 → small_dataset

Each rule returns (fact id, answer, the words it read, why). Text is already normalised.
"""

from __future__ import annotations

import math
import re

# Digit runs are bounded and must start at a run's first digit: "\d+" would be retried from every
# digit of a long run of digits, quadratic in its length.
_NUM = r"(?<!\d)(\d{1,15}(?:\.\d{1,15})?)"
_CLASSES = [
    # "10 classes", "10-way", "4 balanced classes", "10 output categories"
    re.compile(r"(?<![\d.])(\d{1,5})[\s-]?(?:[a-z]{3,12}\s)?(?:classes|class|categories|category|labels|way)(?![\w])"),
    # "num_classes=10", "number of classes is 10", "n_classes: 10"
    re.compile(r"(?:num_classes|n_classes|nb_classes|num_labels|number of (?:classes|categories))\s?(?:=|:|is|of)?\s?"
               r"(\d{1,5})(?!\d)"),
    re.compile(r"(\d{1,5})\s?(?:クラス|カテゴリ|分類)"),
    re.compile(r"(?:クラス数|カテゴリ数)\s?[はがを:=]?\s?(\d{1,5})(?!\d)"),
]
_DATASETS = {"cifar-100": 100, "cifar100": 100, "cifar 100": 100, "cifar-10": 10, "cifar10": 10, "cifar 10": 10,
             "fashion-mnist": 10, "fashionmnist": 10, "mnist": 10}
_BINARY = re.compile(r"(?<![\w])(?:binary|two[- ]class|2値|二値)")
_LOSS = re.compile(r"(?:loss|ロス|損失)[^0-9%\n]{0,30}?" + _NUM + r"(?!\s?%|\d|\s?(?:epochs?|steps?|iter\w*|エポック))")
_FROM = re.compile(r"\s?(?:から|->|→)|\s(?:down\s)?to\s\d")
"""After a loss value: "2.30から1.95まで", "from 2.30 to 1.95" — where the loss started, not where it is."""
_STUCK = re.compile(r"(?:stuck|plateau\w*|flat|stays?|hovers?|around|止ま|張り付|横ばい)[^0-9%\n]{0,15}?" + _NUM
                    + r"(?!\s?%|\d|\s?(?:epochs?|steps?|iter\w*|エポック))")
_NOT_A_LOSS = r"(?!\s?%|\d|\s?(?:epochs?|steps?|iter\w*|batch\w*|minutes?|hours?|layers?|エポック|ステップ))"
_INITIAL = re.compile(r"(?:(?:initial|first|starting|初期|最初)[^0-9%\n]{0,12}?(?:loss|ロス|損失)"
                      r"|(?:loss|ロス|損失)[^0-9%\n]{0,12}?(?:starts at|starts from|at the start|初期値|最初))"
                      r"[^0-9%\n]{0,15}?" + _NUM + _NOT_A_LOSS)
_ACC = re.compile(r"(?:acc(?:uracy)?|精度|正解率)[^0-9%\n.。]{0,40}?" + _NUM + r"\s?%"
                  r"|" + _NUM + r"\s?%\s?(?:top-1\s)?(?:acc(?:uracy)?|精度|正解率)(?![a-z])")
_TRAIN_ACC = re.compile(r"(?:train(?:ing)?|学習|訓練)[^0-9%\n.。]{0,30}?(?:acc(?:uracy)?|精度|正解率)?[^0-9%\n.。]{0,40}?" + _NUM + r"\s?%")
_VAL_ACC = re.compile(r"(?:val(?:idation)?|検証|dev)[^0-9%\n.。]{0,30}?" + _NUM + r"\s?%")
_VAL_ACC_AFTER = re.compile(_NUM + r"\s?%[^0-9%\n.。]{0,25}?(?:in|on) the (?:val(?:idation)?)")
_TEST = r"(?:test|テスト|production|本番|inference|serving|deployed|deployment)"
_TEST_ACC = re.compile(_TEST + r"[^0-9%\n.。]{0,30}?(?:from\s\d{1,15}(?:\.\d{1,15})?\s?%\s?to\s?)?" + _NUM + r"\s?%"
                       r"|" + _TEST + r"[^.。\n]{0,140}?(?:only|just|about|around)\s(?:about\s|around\s)?" + _NUM + r"\s?%")
_METRIC = r"(?:roc[- ]?auc|auc|f1(?:[- ]score)?|map|iou|accuracy|acc|top-1|精度|正解率)"
_SCORE = re.compile(_METRIC + r"(?:(?!lr|learning rate|学習率|decay|momentum|dropout|threshold|beta)[^\d\n.。%]){0,45}?"
                    r"(?<![\d.])(0?\.\d{1,4}|1\.0{1,4})(?![\d%])"
                    r"|(?<![\d.])(0?\.\d{1,4})\s?" + _METRIC + r"(?![a-z])")
"""A score written as a fraction: "AUC 0.86", "0.61 AUC", "F1 of 0.42"."""
_SPLITS = (("train", re.compile(r"train(?:ing)?(?! and)|学習|訓練")),
           ("val", re.compile(r"val(?:idation)?|held[- ]out|dev set|検証|バリデーション")),
           ("test", re.compile(_TEST + r"|nightly|scoring job|leaderboard|本番|実運用|リーダーボード")))


def _number(match: re.Match[str]) -> float:
    """The number a pattern read, whichever of its alternatives (groups) matched."""
    return float(next(g for g in match.groups() if g is not None))


def _scores_by_split(text: str) -> dict[str, tuple[float, str]]:
    """The first fractional score in each split's context: the split word nearest to the number
    within its sentence (before it, or just after: "0.86 AUC on the held-out validation set")."""
    out: dict[str, tuple[float, str]] = {}
    for match in _SCORE.finditer(text):
        value = _number(match)
        before = max(match.start() - 1, 0)  # not the number's own decimal point
        left = max(text.rfind(". ", 0, before), text.rfind("。", 0, before), 0)
        window_start, window_end = max(left, match.start() - 60), match.end() + 40
        best = None
        for name, pattern in _SPLITS:
            for word in pattern.finditer(text, window_start, window_end):
                gap = match.start() - word.end() if word.end() <= match.start() else (word.start() - match.end()) * 2
                if gap >= 0 and (best is None or gap < best[0]):
                    best = (gap, name)
        if best is not None and best[1] not in out:
            out[best[1]] = (value, match.group(0))
    return out


_NAN_AT = re.compile(r"(?:nan|inf)[^.。\n]{0,40}?(?:after|at|within|from|around|by)\s?(?:step|iter(?:ation)?s?|~|about|around)?\s?~?"
                     r"(?<!\d)(\d{1,15}(?:\.\d{1,15})?)\s?(k)?\s?(iters?|iterations?|steps?|batches|epochs?)?(?![\w.])")
_NAN_AT_JA = re.compile(r"(?<!\d)(\d{1,15})\s?(ステップ|イテレーション|iter|step|エポック)[^。\n]{0,15}?(?:nan|inf)")
_NAN_FIRST = re.compile(r"(?:nan|inf)[^.。\n]{0,40}?(?:from|at|on|in|after)\s(?:the\s)?(?:very\s)?(?:first|1st)\s"
                        r"(?:batch|step|iter\w*|update|few\s(?:steps|iter\w*|batches))"
                        r"|(?:最初の|1回目の|一回目の|1\s?ステップ目|1\s?バッチ目)[^。\n]{0,12}?(?:nan|inf)")
_LR = re.compile(r"(?<![\w])(?:lr|learning rate|学習率)\s?(?:=|:|of|was|is|at|を|は)?\s?(\d{1,15}(?:\.\d{1,15})?(?:e-?\d{1,4})?)(?!\w|\.\d)")
_BATCH = re.compile(r"(?:batch[ _-]?size|bs)\s?(?:[=:]|is|was|of)?\s?(?:only\s|just\s|about\s|around\s|~)?(\d{1,6})(?!\d|\.\d)|バッチサイズ[はをが]?\s?(\d{1,6})")
_SIZE = re.compile(r"(?<![\w-])(\d[\d,]{0,9})\s?(?:images|samples|examples|pictures|photos|rows|画像|枚|サンプル|件)")


_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                 "twelve": 12, "twenty": 20, "hundred": 100}
_CLASS_WORDS = re.compile(r"(?<![\w-])(" + "|".join(_NUMBER_WORDS) + r")[\s-](?:[a-z]{3,12}\s)?"
                          r"(?:classes|categories|labels)(?![\w])")
""""the two classes are balanced", "six emotion classes"."""


def _classes(text: str) -> tuple[int, str] | None:
    for pattern in _CLASSES:
        match = pattern.search(text)
        if match and 2 <= int(match.group(1)) <= 100_000:
            return int(match.group(1)), match.group(0)
    match = _CLASS_WORDS.search(text)
    if match:
        return _NUMBER_WORDS[match.group(1)], match.group(0)
    for name, count in _DATASETS.items():
        if name in text:
            return count, name
    match = _BINARY.search(text)
    if match:
        return 2, match.group(0)
    return None


def read_numbers(text: str) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    classes = _classes(text)
    if classes is not None:
        c, words = classes
        out.append(("task_classification", "yes", words, f"{c} classes mentioned"))
        chance_loss = math.log(c)
        initial = {m.start(1) for m in _INITIAL.finditer(text)}
        for pattern in (_LOSS, _STUCK):
            for match in pattern.finditer(text):
                value = float(match.group(1))
                if match.start(1) in initial or _FROM.match(text, match.end(1)):
                    continue
                if abs(value - chance_loss) <= 0.05 * chance_loss + 0.01:
                    out.append(("acc_at_chance", "yes", match.group(0),
                                f"loss {value:g} ≈ ln {c} = {chance_loss:.3f}: the model is guessing"))
        for match in _INITIAL.finditer(text):
            value = float(match.group(1))
            if value > 1.5 * chance_loss + 0.3 or value < 0.5 * chance_loss:
                out.append(("initial_loss_off", "yes", match.group(0),
                            f"first loss {value:g} vs ln {c} = {chance_loss:.2f} at chance"))
            elif abs(value - chance_loss) <= 0.2 * chance_loss:
                out.append(("initial_loss_off", "no", match.group(0),
                            f"first loss {value:g} ≈ ln {c} = {chance_loss:.2f}, as expected"))
        for match in _ACC.finditer(text):
            value = _number(match)
            chance = 100.0 / c
            if abs(value - chance) <= max(1.5, 0.15 * chance):
                out.append(("acc_at_chance", "yes", match.group(0),
                            f"accuracy {value:g}% ≈ 1/{c} = {chance:.3g}%: chance level"))
    train = _TRAIN_ACC.search(text)
    val = _VAL_ACC.search(text) or _VAL_ACC_AFTER.search(text)
    test = _TEST_ACC.search(text)
    if train and not val and test and _number(train) - _number(test) >= 15:
        out.append(("val_much_worse_than_train", "yes", f"{train.group(0)} … {test.group(0)}",
                    f"training {_number(train):g}% vs test {_number(test):g}%"))
    if train and val and train.start(1) != val.start():
        t, v = _number(train), _number(val)
        if t - v >= 15:
            out.append(("val_much_worse_than_train", "yes", f"{train.group(0)} … {val.group(0)}",
                        f"training {t:g}% vs validation {v:g}%"))
        elif abs(t - v) <= 5 and max(t, v) <= 70:
            out.append(("train_and_val_poor", "yes", f"{train.group(0)} … {val.group(0)}",
                        f"training {t:g}% and validation {v:g}%, both low"))
    scores = _scores_by_split(text)
    if "val" in scores and "test" in scores and scores["val"][0] - scores["test"][0] >= 0.15:
        out.append(("test_worse_than_val", "yes", f"{scores['val'][1]} … {scores['test'][1]}",
                    f"validation {scores['val'][0]:g} vs test / production {scores['test'][0]:g}"))
    if "train" in scores and "val" in scores and scores["train"][0] - scores["val"][0] >= 0.15:
        out.append(("val_much_worse_than_train", "yes", f"{scores['train'][1]} … {scores['val'][1]}",
                    f"training {scores['train'][0]:g} vs validation {scores['val'][0]:g}"))
    if val and test and val.start() != test.start() and _number(val) - _number(test) >= 15:
        out.append(("test_worse_than_val", "yes", f"{val.group(0)} … {test.group(0)}",
                    f"validation {_number(val):g}% vs test {_number(test):g}%"))
    for match in _NAN_AT.finditer(text):
        value = float(match.group(1)) * (1000 if match.group(2) else 1)
        unit = match.group(3) or ""
        iterations = value if not unit.startswith("epoch") else None
        if iterations is not None and iterations <= 300:
            out.append(("nan_early", "yes", match.group(0), f"NaN after about {value:g} iterations"))
        elif (iterations is not None and iterations >= 2000) or (unit.startswith("epoch") and value >= 2):
            out.append(("nan_early", "no", match.group(0), f"NaN only after {value:g} {unit or 'steps'}"))
    for match in _NAN_FIRST.finditer(text):
        out.append(("nan_early", "yes", match.group(0), "NaN from the very first steps"))
    for match in _NAN_AT_JA.finditer(text):
        value = float(match.group(1))
        if match.group(2) != "エポック" and value <= 300:
            out.append(("nan_early", "yes", match.group(0), f"NaN after about {value:g} iterations"))
    for match in _LR.finditer(text):
        value = float(match.group(1))
        if value >= 0.3 or value <= 1e-6:
            out.append(("q_lr_unusual", "yes", match.group(0), f"learning rate {value:g} is far outside the usual 1e-5 … 0.1"))
    for match in _BATCH.finditer(text):
        size = int(match.group(1) or match.group(2))
        if size >= 2048:
            out.append(("large_batch", "yes", match.group(0), f"batch size {size} (thousands)"))
        elif size <= 512:
            out.append(("large_batch", "no", match.group(0), f"batch size {size}"))
    for match in _SIZE.finditer(text):
        count = int(match.group(1).replace(",", ""))
        if re.search(r"(?:batch|バッチ|checked|spot-checked|looked at|inspected|確認)[^.。\n]{0,12}$", text[:match.start()]):
            continue  # "a batch of 32 images", "spot-checked 200 samples": not the size of the dataset
        if count < 1000:
            out.append(("small_dataset", "yes", match.group(0), f"{count} examples in all"))
    return out
