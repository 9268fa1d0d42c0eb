"""Numbers that carry meaning in a problem description.

    "stuck at 2.30 with 10 classes"   loss ≈ ln 10 = 2.303: the model is guessing → acc_at_chance
    "val acc 10% on CIFAR-10"         10 % = 1/10: chance → acc_at_chance
    "first loss 14.2, 10 classes"     far from ln C → initial_loss_off
    "batch size 8192", "bs=4096"      → large_batch
    "only 300 images"                 → small_dataset

Learning rates, gradient norms, a growing loss and when NaN appears: :mod:`engine.understand.dynamics`.

Each rule returns (fact id, answer, the words it read, why). Text is already normalised.
"""

from __future__ import annotations

import math
import re

from .dynamics import read_dynamics

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
_BINARY = re.compile(r"(?<![\w])(?:binary|two[- ]class|2値|二値)(?!\s?(?:segmentation|masks?|image|セグメンテーション|マスク|画像))")
"""Binary classification; a binary mask or segmentation labels pixels, and is not what "classes" means here."""
_NOT_A_LOSS = (r"(?!\s?%|\d|\s?(?:epochs?|steps?|iter\w*|batch\w*|minutes?|hours?|layers?|classes|class|categories"
               r"|エポック|ステップ|クラス|カテゴリ))")
"""After a number: "3 epochs", "4クラス" are not a loss value."""
_LOSS = re.compile(r"(?:loss|ロス|損失)[^0-9%\n]{0,30}?" + _NUM + _NOT_A_LOSS)
_FROM = re.compile(r"\s?(?:から|->|→)|\s(?:down\s)?to\s\d")
"""After a loss value: "2.30から1.95まで", "from 2.30 to 1.95" — where the loss started, not where it is."""
_STUCK_AFTER = re.compile(r"(?:loss|ロス|損失)[^0-9%\n。]{0,20}?" + _NUM + r"\s?(?:前後|くらい|ぐらい|付近|あたり|程度)?\s?"
                          r"(?:に|で|から|のまま)\s?(?:ずっと\s?)?(?:張り付|止ま|横ばい|停滞|動かな|変わらな)")
"""A Japanese loss value before the verb that says it stays: 「lossが0.693前後に張り付いた」."""
_EXPECTED = re.compile(r"should|expect\w*|would be|supposed|ideally|theoretical|はず|本来|理論")
"""Before a loss value: "should be around 2.3" is what it ought to be, not what it is."""
_STUCK = re.compile(r"(?:stuck|plateau\w*|flat|stays?|hovers?|around|止ま|張り付|横ばい)[^0-9%\n]{0,15}?" + _NUM + _NOT_A_LOSS)
_INITIAL = re.compile(r"(?:(?:initial|first|starting|初期|最初)[^0-9%\n]{0,20}?(?:loss|ロス|損失|cross[- ]entropy|nll)"
                      # 「最初の値」, not 「最初は下がる」 (at first it falls)
                      r"|(?:loss|ロス|損失)[^0-9%\n]{0,12}?(?:starts at|starts from|at the start|初期値|最初(?![^0-9%\n]{0,15}?(?:下が|上が|減|増)))"
                      # "it started at 2.30", "... slowly. started at 2.30": a run's start, said of it or of nothing else
                      r"|(?:(?<![a-z])(?:it|loss|training)\s(?:[a-z]{2,12}\s)?|^|[.;,!]\s)(?:started|starts)(?:\sout)?\s(?:at|from|around))"
                      r"[^0-9%\n]{0,15}?(?:\d{1,5}\s?(?:classes|クラス)[^0-9%\n]{0,10}?)?" + _NUM + _NOT_A_LOSS)
_HELD_FROM_START = re.compile(r"(?:loss|ロス|損失)[^0-9%\n.。]{0,30}?" + _NUM + _NOT_A_LOSS
                              + r"(?:(?!\.\s)[^\n。]){0,25}?(?:from|since)\s(?:the\s)?(?:very\s)?(?:first\s(?:step|iteration|batch|epoch)|start|beginning)")
""""the loss has sat at 5.30 (ln 200) from the first step": the value it started at, too."""
_ACC = re.compile(r"(?:acc(?:uracy)?|精度|正解率)[^0-9%\n.。]{0,40}?" + _NUM + r"\s?%"
                  r"|" + _NUM + r"\s?%\s?(?:top-1\s)?(?:acc(?:uracy)?|精度|正解率)(?![a-z])")
_SHARE = r"(?!\s?(?:of\s(?:the\s|my\s|our\s)?(?:data|dataset|samples|images|examples|rows)|split|のデータ))"
"""After a percentage: "80% of the data" is a share of the data, not a score."""
_TRAIN_ACC = re.compile(r"(?:(?<![a-z])train(?:ing)?|学習|訓練)[^0-9%\n.。]{0,30}?(?:acc(?:uracy)?|精度|正解率)?[^0-9%\n.。]{0,40}?"
                        + _NUM + r"\s?%" + _SHARE)
_VAL_ACC = re.compile(r"(?:(?<![a-z])val(?:idation)?|検証|(?<![a-z])dev)[^0-9%\n.。]{0,30}?" + _NUM + r"\s?%" + _SHARE)
_VAL_ACC_AFTER = re.compile(_NUM + r"\s?%[^0-9%\n.。]{0,25}?(?:in|on) (?:the|our|my|its) (?:held[- ]out\s)?(?:val(?:idation)?)")
_BOTH = (r"(?:both\s(?:the\s)?train(?:ing)?\s(?:set\s)?and\s(?:the\s)?val(?:idation)?|train(?:ing)?\s?(?:and|/|&)\s?val(?:idation)?"
         r"(?:\s(?:acc(?:uracy)?|loss))?\s(?:are\s|is\s)?(?:both|alike)|train\s?/\s?val\s?(?:どちら|両方|とも)|学習・検証(?:とも|どちら|両方))")
_BOTH_SPLITS = re.compile(_BOTH + r"[^0-9%\n.。]{0,30}?" + _NUM + r"\s?%|" + _NUM + r"\s?%[^%\n.。]{0,25}?(?:on|for|in)\s"
                          r"(?:" + _BOTH + r"|train(?:ing)?\s(?:and|&)\s(?:the\s)?val(?:idation)?(?![a-z]))")
"""One accuracy said of both splits: "accuracy hovers around 20% on both train and val", "10% acc on
10 classes, on train AND val"."""
_BARE = r"(?:\s?(?:acc(?:uracy)?|f1)?\s?[:=]?\s?)(\d{2}(?:\.\d{1,2})?|100)(?![\d%]|\.\d|\s?(?:epochs?|steps?|k\b|ms|s\b|classes))"
_BARE_PAIRS = (
    ("train", "val", re.compile(r"(?<![a-z])train(?:ing)?" + _BARE + r"[\s,/;]{1,3}(?:but\s|and\s|vs\.?\s|while\s)?(?:val(?:idation)?|dev)" + _BARE)),
    ("val", "test", re.compile(r"(?<![a-z])(?:val(?:idation)?|dev)" + _BARE + r"[\s,/;]{1,3}(?:but\s|and\s|vs\.?\s|while\s)?(?:test|prod(?:uction)?)" + _BARE)),
)
"""Chat shorthand without a % sign: "train 99 val 60", "val 92 test 70"."""
_TEST = r"(?:(?<![a-z])test|テスト|production|本番|inference|serving|deploy\w*|live traffic|real[- ]world|in the wild)"
_TEST_ACC = re.compile(_TEST + r"[^0-9%\n.。]{0,45}?(?:from\s\d{1,15}(?:\.\d{1,15})?\s?%\s?to\s?)?" + _NUM + r"\s?%"
                       r"|" + _TEST + r"[^.。\n]{0,140}?(?:only|just|about|around)\s(?:about\s|around\s)?" + _NUM + r"\s?%")
_METRIC = r"(?:roc[- ]?auc|auc|f1(?:[- ]score)?|map|iou|accuracy|acc|top-1|精度|正解率)"
_SCORE = re.compile(r"(?:" + _METRIC + r"|scores?)(?:(?!lr|learning rate|学習率|decay|momentum|dropout|threshold|beta)[^\d\n.。%]){0,45}?"
                    r"(?<![\d.])(0?\.\d{1,4}|1\.0{1,4})(?![\d%])"
                    r"|(?<![\d.])(0?\.\d{1,4})\s?" + _METRIC + r"(?![a-z])")
"""A score written as a fraction: "AUC 0.86", "0.61 AUC", "F1 of 0.42", "scores about 0.6"."""
_SCORE_ITEM = re.compile(r"(?:[,;(]\s?|\sand\s)(?:held[- ]out\s)?(?:val(?:idation)?|test|train(?:ing)?|dev)(?:\sset)?\s?[:=]?\s?"
                         r"(0?\.\d{1,4}|1\.0{1,4})(?![\d%])"
                         r"|(?:テスト|検証|学習|本番|評価)(?:セット|データ)?(?:では|で|は|だと|に対して)\s?(0?\.\d{1,4}|1\.0{1,4})(?![\d%])")
"""A later item of a list of scores: "train F1 0.93, val 0.91, test 0.90" (a metric named earlier in the sentence)."""
_SPLITS = (("train", re.compile(r"(?<![a-z])train(?:ing)?(?! and)|学習|訓練")),
           ("val", re.compile(r"(?<![a-z])val(?:idation)?|held[- ]out|dev set|検証|バリデーション")),
           ("test", re.compile(_TEST + r"|nightly|scoring job|leaderboard|本番|実運用|リーダーボード")))


def _number(match: re.Match[str]) -> float:
    """The number a pattern read, whichever of its alternatives (groups) matched."""
    return float(next(g for g in match.groups() if g is not None))


_PERCENT_SCORE = re.compile(r"(?:" + _METRIC + r"|scores?|スコア)[^\n.。%]{0,50}?" + _NUM + r"\s?%")
"""A percentage said to be a metric: "scores 91% on our val set", "accuracy on live traffic is 70%"."""


_METRIC_BEFORE = re.compile(_METRIC + r"(?![a-z])")


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding ``position`` starts (its full stop, or the text's start)."""
    return max(text.rfind(". ", 0, position), text.rfind("。", 0, position), 0)


def _scores_by_split(text: str, pattern: re.Pattern[str] = _SCORE) -> dict[str, tuple[float, str]]:
    """The first score in each split's context: the split word nearest to the number within its
    sentence (before it, or just after: "0.86 AUC on the held-out validation set")."""
    out: dict[str, tuple[float, str]] = {}
    matches = list(pattern.finditer(text))
    if pattern is _SCORE:
        matches = sorted(matches + [m for m in _SCORE_ITEM.finditer(text)
                                    if _METRIC_BEFORE.search(text, _sentence_start(text, m.start()), m.start())],
                         key=lambda m: m.start())
    for match in matches:
        value = _number(match)
        left = _sentence_start(text, max(match.start() - 1, 0))  # not the number's own decimal point
        window_start, window_end = max(left, match.start() - 60), match.end() + 40
        best = None
        for name, split_word in _SPLITS:
            for word in split_word.finditer(text, window_start, window_end):
                if match.start() <= word.start() < match.end():
                    gap = 0  # named in the match itself: ", val 0.91", 「テストセットでは0.51」
                else:
                    gap = match.start() - word.end() if word.end() <= match.start() else (word.start() - match.end()) * 2
                if gap >= 0 and (best is None or gap < best[0]):
                    best = (gap, name)
        if best is not None and (best[1] not in out or (best[1] == "test" and value < out["test"][0])):
            out[best[1]] = (value, match.group(0))  # the first score of a split; for test, the worst place
    return out


_BATCH = re.compile(r"(?:batch[ _-]?size|bs)\s?(?:[=:]|is|was|of)?\s?(?:only\s|just\s|about\s|around\s|~)?"
                    r"(\d{1,3}(?:,\d{3})+|\d{1,6})(?!\d|\.\d|,\d)|バッチサイズ[はをが]?\s?(\d{1,6})")
_SIZE = re.compile(r"(?<![a-z0-9_,.-])(\d[\d,]{0,9})\s?(?:[a-z]{3,12}(?:ed|led)\s)?(?:images|samples|examples|pictures|photos|rows|画像|枚|サンプル|件)")
""""only 300 images", "~300 labelled photos", 「約4,000件」."""


_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                 "twelve": 12, "twenty": 20, "hundred": 100}
_CLASS_WORDS = re.compile(r"(?<![\w-])(" + "|".join(_NUMBER_WORDS) + r")[\s-](?:[a-z]{3,12}\s)?"
                          r"(?:classes|class|categories|labels)(?![\w])")
""""the two classes are balanced", "six emotion classes", "three class folders"."""


_RARE = r"(?:positives?|positive (?:class|examples|samples|labels)|minority class|fraud\w*|anomal\w*|defects?|defective)"
_MINORITY_SHARE = re.compile(_NUM + r"\s?%\s(?:of\s(?:the\s)?(?:data\s|samples\s|examples\s)?(?:are\s)?)?" + _RARE
                             + r"|" + _RARE + r"\s(?:are|is|make up|account for)\s(?:only\s|just\s)?(?:about\s|around\s|~)?" + _NUM + r"\s?%")
""""~0.17% positives", "positives are about 2% of impressions": a rare class."""
_LOOKED_AT = re.compile(r"(?:check\w*|look\w* at|inspect\w*|went through|sampled|random|見て|確認)[^.。\n]{0,12}$")
"""Before a count: "checked 50 labels" counts what was looked at, not the classes."""


def _classes(text: str) -> tuple[int, str] | None:
    for pattern in _CLASSES:
        for match in pattern.finditer(text):
            if 2 <= int(match.group(1)) <= 100_000 and not _LOOKED_AT.search(text, max(0, match.start() - 25), match.start()):
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


def _train_vs_val(t: float, v: float, words: str, full: float) -> list[tuple[str, str, str, str]]:
    """Training against validation, as percentages (``full`` 100) or fractions (1): 15 points
    apart is much worse; within 5, alike, and both low at 70 or under."""
    unit = "%" if full == 100.0 else ""
    if t - v >= 0.15 * full:
        return [("val_much_worse_than_train", "yes", words, f"training {t:g}{unit} vs validation {v:g}{unit}")]
    if abs(t - v) > 0.05 * full:
        return []
    out = [("val_much_worse_than_train", "no", words, f"training {t:g}{unit} and validation {v:g}{unit} alike")]
    if max(t, v) <= 0.7 * full:
        out.append(("train_and_val_poor", "yes", words, f"training {t:g}{unit} and validation {v:g}{unit}, both low"))
    return out


def read_numbers(text: str) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    classes = _classes(text)
    if classes is not None:
        c, words = classes
        out.append(("task_classification", "yes", words, f"{c} classes mentioned"))
        chance_loss = math.log(c)
        initial = {m.start(1) for m in _INITIAL.finditer(text)}
        for pattern in (_LOSS, _STUCK, _STUCK_AFTER):
            for match in pattern.finditer(text):
                value = float(match.group(1))
                # a start it stays at is where it is stuck: 「最初から0.693前後に張り付いた」
                started = match.start(1) in initial and pattern is _LOSS
                if started or _FROM.match(text, match.end(1)) \
                        or _EXPECTED.search(text, max(0, match.start(1) - 25), match.start(1)):
                    continue
                if abs(value - chance_loss) <= 0.05 * chance_loss + 0.01:
                    out.append(("acc_at_chance", "yes", match.group(0),
                                f"loss {value:g} ≈ ln {c} = {chance_loss:.3f}: the model is guessing"))
        for match in [*_INITIAL.finditer(text), *_HELD_FROM_START.finditer(text)]:
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
        out += _train_vs_val(_number(train), _number(val), f"{train.group(0)} … {val.group(0)}", 100.0)
    for match in _BOTH_SPLITS.finditer(text):
        value = _number(match)
        if value <= 70:
            out.append(("train_and_val_poor", "yes", match.group(0), f"{value:g}% on training and validation alike"))
    scores = _scores_by_split(text)
    if "val" in scores and "test" in scores and scores["val"][0] - scores["test"][0] >= 0.15:
        out.append(("test_worse_than_val", "yes", f"{scores['val'][1]} … {scores['test'][1]}",
                    f"validation {scores['val'][0]:g} vs test / production {scores['test'][0]:g}"))
    if "train" in scores and "val" in scores:
        (t, t_words), (v, v_words) = scores["train"], scores["val"]
        out += _train_vs_val(t, v, f"{t_words} … {v_words}", 1.0)
    for first, second, pattern in _BARE_PAIRS:
        for match in pattern.finditer(text):
            a, b = float(match.group(1)), float(match.group(2))
            if a - b >= 15:
                fact = "val_much_worse_than_train" if first == "train" else "test_worse_than_val"
                out.append((fact, "yes", match.group(0), f"{first} {a:g} vs {second} {b:g}"))
    percents = _scores_by_split(text, _PERCENT_SCORE)
    if val and test and val.start() != test.start() and _number(val) - _number(test) >= 15:
        out.append(("test_worse_than_val", "yes", f"{val.group(0)} … {test.group(0)}",
                    f"validation {_number(val):g}% vs test {_number(test):g}%"))
    elif "val" in percents and "test" in percents and percents["val"][0] - percents["test"][0] >= 15:
        out.append(("test_worse_than_val", "yes", f"{percents['val'][1]} … {percents['test'][1]}",
                    f"validation {percents['val'][0]:g}% vs test / production {percents['test'][0]:g}%"))
    for match in _MINORITY_SHARE.finditer(text):
        share = _number(match)
        if share <= 10:
            out.append(("imbalanced_classes", "yes", match.group(0), f"the rare class is {share:g}% of the data"))
    for match in _BATCH.finditer(text):
        size = int((match.group(1) or match.group(2)).replace(",", ""))
        if size >= 2048:
            out.append(("large_batch", "yes", match.group(0), f"batch size {size} (thousands)"))
        elif size <= 512:
            out.append(("large_batch", "no", match.group(0), f"batch size {size}"))
    for match in _SIZE.finditer(text):
        count = int(match.group(1).replace(",", ""))
        if re.search(r"(?:batch|バッチ|checked|spot-checked|looked at|inspected|確認|even|subset|overfit|memori[sz]e"
                     r"|見て|見た|うち|中)[^.。\n]{0,12}$", text[:match.start()]) \
                or re.match(r"[^.。\n]{0,12}?(?:ランダムに|見て|見た|確認|チェック|sampled|checked|spot)", text[match.end():]):
            continue  # "a batch of 32 images", "even 16 examples won't memorise": not the size of the dataset
        if count < 1000:
            out.append(("small_dataset", "yes", match.group(0), f"{count} examples in all"))
    return out + read_dynamics(text)
