"""Free text: the template language, negation, numbers, typos, the protocol and the TUI flow."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from engine.loader import load_knowledge, load_or_raise
from engine.protocol import Conversation, run
from engine.session import Session
from engine.understand import Matcher, matcher_for
from engine.understand.templates import TemplateError, compile_template, normalise

LAYER = ROOT / "tests" / "fixtures" / "phrases"


@pytest.fixture(scope="module")
def matcher():
    return Matcher(load_or_raise([LAYER]))


def heard(matcher, text):
    return {h.id: h.answer for h in matcher.hear(text)}


@pytest.mark.parametrize("template, lang, text, hit", [
    ("loss (is|goes to) nan", "en", "the loss goes to nan", True),
    ("loss (is|goes to) nan", "en", "glossis nan", False),
    ("[the] loss ~ diverg*", "en", "loss quickly diverges", True),
    ("[the] loss ~ diverg*", "en", "the loss a b c d e diverges", False),
    ("val acc [much] lower", "en", "val acc much lower", True),
    ("model.eval()", "en", "forgot model.eval() there", True),
    ("\\(x\\)", "en", "(x)", True),
    ("(nan|inf) (に|と) (なる|なっ)", "ja", "lossがnanになる", True),
    ("(loss|ロス) ~ nan", "ja", "ロスはすぐnan", True),
    # a number token ends where the number ends ("0" is in "0.00", not in "0.85"; "10" not in "100")
    ("recall (is|of) 0", "en", "recall is 0.85", False),
    ("recall (is|of) 0", "en", "recall is 0.00", True),
    ("10 クラス", "ja", "100クラス", False),
    # a prefix word is any number that starts so
    ("expected (0*|1*)", "en", "expected 1.6", True),
    # a Latin token in a Japanese template starts where the Latin word starts
    ("val (が|は) 低い", "ja", "evaluateが低い", False),
    ("val (が|は) 低い", "ja", "valが低い", True),
])
def test_templates(template, lang, text, hit):
    assert bool(compile_template(template, lang).regex.search(normalise(text))) is hit


@pytest.mark.parametrize("template, message, column", [
    ("(a|b", "'(' is never closed", 1),
    ("[x]", "every part is optional", 1),
    ("a ~", "'~' needs a token on each side", 3),
    ("NaN loss", "lower case", 1),
    ("((a))", "cannot be nested", 1),
    ("a*b", "'*' may only end a word", 1),
    ("a | b", "'|' outside", 3),
    ("(a||b)", "empty", 1),
])
def test_template_errors(template, message, column):
    with pytest.raises(TemplateError) as info:
        compile_template(template, "en")
    assert message in str(info.value) and info.value.column == column


def test_no_template_can_backtrack_catastrophically():
    import time

    regex = compile_template("a ~ b ~ c ~ d", "en").regex
    text = ("a " + "x " * 40) * 100
    started = time.perf_counter()
    regex.search(text)
    assert time.perf_counter() - started < 0.5


def test_phrases_negation_and_negative_phrases(matcher):
    assert heard(matcher, "The loss goes to NaN after 200 steps.") == {"loss_nan": "yes", "nan_early": "yes"}
    assert heard(matcher, "The loss goes to NaN after 20k steps.") == {"loss_nan": "yes", "nan_early": "no"}
    assert heard(matcher, "No NaNs during training, but it is overfitting.") == \
        {"loss_nan": "no", "val_much_worse_than_train": "yes"}
    assert heard(matcher, "we never see a nan loss") == {"loss_nan": "no"}
    assert heard(matcher, "I trained it from scratch without augmentation") == \
        {"finetuning_pretrained": "no", "uses_augmentation": "no"}
    assert heard(matcher, "not overfitting; fine-tuning a pretrained BERT") == \
        {"val_much_worse_than_train": "no", "finetuning_pretrained": "yes"}


def test_japanese(matcher):
    assert heard(matcher, "学習を始めてすぐlossがnanになる") == {"loss_nan": "yes", "nan_early": "yes"}
    assert heard(matcher, "ロスはnanにはならないが、過学習している") == \
        {"loss_nan": "no", "val_much_worse_than_train": "yes"}
    assert heard(matcher, "スクラッチから学習、データ拡張は使っていない") == \
        {"finetuning_pretrained": "no", "uses_augmentation": "no"}


def test_numbers_that_mean_chance(matcher):
    assert heard(matcher, "loss stuck at 2.30 with 10 classes")["acc_at_chance"] == "yes"
    assert heard(matcher, "val acc 10% on CIFAR-10")["acc_at_chance"] == "yes"
    assert heard(matcher, "10クラスで精度10%")["acc_at_chance"] == "yes"
    assert heard(matcher, "first loss 14.2 with 10 classes")["initial_loss_off"] == "yes"
    assert heard(matcher, "batch size 8192") == {"large_batch": "yes"}
    assert "small_dataset" not in heard(matcher, "each batch of 32 images")


def test_typos_are_corrected_and_shown(matcher):
    facts = matcher.hear("the lsos goes to nan, clearly overfiting")
    assert {h.id: h.answer for h in facts} == {"loss_nan": "yes", "val_much_worse_than_train": "yes"}
    assert "lsos (loss)" in facts[0].text, "the words as written, with what they were read as"


def test_heard_both_ways_is_left_out(matcher):
    assert "loss_nan" not in heard(matcher, "the loss goes to nan. there is no nan loss.")


def test_every_fact_names_its_words(matcher):
    for fact in matcher.hear("Fine-tuning a pretrained ResNet, the loss becomes inf"):
        assert fact.text and fact.why


def test_protocol_say_replies_with_heard(tmp_path):
    kb = load_or_raise([LAYER])
    out = io.StringIO()
    lines = [json.dumps({"say": "loss goes to nan, trained from scratch"}), json.dumps({"say": 3})]
    run(Conversation(Session(kb)), io.StringIO("\n".join(lines) + "\n"), out)
    replies = [json.loads(l) for l in out.getvalue().splitlines()]
    assert [r["type"] for r in replies] == ["ask", "ask", "error", "done"]
    assert {(h["id"], h["answer"]) for h in replies[1]["heard"]} == {("loss_nan", "yes"), ("finetuning_pretrained", "no")}
    assert all(h["text"] for h in replies[1]["heard"])
    assert replies[1]["node"]["id"] not in ("loss_nan", "finetuning_pretrained"), "never asks what it heard"


def test_said_facts_are_answers_with_their_words_as_evidence():
    session = Session(load_or_raise([LAYER]))
    session.say("the loss goes to nan")
    event = session.given()["loss_nan"]
    assert event.source == "say" and event.answer == "yes" and "goes to nan" in event.evidence
    session.say("actually there is no nan loss")
    assert session.given()["loss_nan"].answer == "no"


BROKEN = {
    "bad_syntax": ('nodes:\n  - id: loss_nan\n    phrases:\n      en: ["loss (nan|inf"]\n', 4, "'(' is never closed"),
    "upper_case": ('nodes:\n  - id: loss_nan\n    phrases:\n      en: ["NaN"]\n', 4, "lower case"),
    "contradiction": ('nodes:\n  - id: custom_loss\n    phrases:\n      en: ["custom loss"]\n'
                      '    negative:\n      en: ["custom loss"]\n', 4, "a contradiction"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_validation_reports_bad_templates_at_their_line(tmp_path, name):
    text, line, message = BROKEN[name]
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    problems = [p for p in load_knowledge([tmp_path]).problems if p.path.endswith("p.yaml")]
    assert problems and problems[0].line == line and message in problems[0].message, [str(p) for p in problems]


def test_matcher_is_cached_per_knowledge_base():
    kb = load_or_raise()
    assert matcher_for(kb) is matcher_for(kb)


def test_the_first_word_index_keeps_every_template_that_could_match(kb):
    """A sentence is tried only against templates indexed under a first word it contains: exactly
    the templates whose required words it holds, in the knowledge's order."""
    m = matcher_for(kb)
    for report in REPORTS[::7]:
        for sentence in normalise(report["text"]).split("。"):
            assert m._candidates(sentence) == [p for p in m.phrases if p.template.could_match(sentence)]


FILES = sorted((ROOT / "tests" / "free_text").glob("*.yaml"))
REPORTS = [report for path in FILES for report in yaml.safe_load(path.read_text(encoding="utf-8"))]
"""reports.yaml (48, split tune / holdout) and fresh*.yaml (9 batches, 528 in all), written later
by writers who never saw the phrases: half to develop on (dev), half held out (batch 8 all held out)."""
TUNING_FLOOR = 0.95
HELD_OUT_FLOOR = 0.72
HELD_OUT_CONTRADICTIONS = {None: 6, "en": 2, "ja": 4}
"""Floors a little below the measured figures (README, Measured: tuning 0.982, held out 0.756,
English 0.749, Japanese 0.764), and no more contradictions than measured, so a regression fails."""


def _score(splits: tuple[str, ...], lang: str | None = None):
    m = matcher_for(load_or_raise())
    stated = recalled = contradictions = 0
    for report in REPORTS:
        if report["split"] not in splits or lang not in (None, report["lang"]):
            continue
        heard_facts = {h.id: h.answer for h in m.hear(report["text"])}
        for fact, answer in report["facts"].items():
            stated += 1
            recalled += heard_facts.get(fact) == str(answer)
            contradictions += fact in heard_facts and heard_facts[fact] != str(answer)
    return recalled / stated, contradictions


def test_reports_are_well_formed():
    kb = load_or_raise()
    assert len(FILES) >= 6 and len(REPORTS) >= 350
    assert {r["lang"] for r in REPORTS} == {"en", "ja"}
    assert len({r["id"] for r in REPORTS}) == len(REPORTS)
    for report in REPORTS:
        assert report["split"] in ("tune", "dev", "holdout") and report["text"].strip()
        assert all(fact in kb.nodes and str(v) in ("yes", "no") for fact, v in report["facts"].items()), report["id"]
    held_out = sum(r["split"] == "holdout" for r in REPORTS)
    assert 0.4 <= held_out / len(REPORTS) <= 0.6


def test_tuning_reports_are_understood():
    """The halves the phrases were written on (tune, dev): recall well above 0.8, no contradiction."""
    recall, contradictions = _score(("tune", "dev"))
    assert recall >= TUNING_FLOOR and contradictions == 0, (recall, contradictions)


@pytest.mark.parametrize("lang", [None, "en", "ja"])
def test_held_out_reports_do_not_regress(lang):
    """The held-out halves were never read while writing phrases or rules. These floors (below the
    0.8 target, which held-out text does not reach yet: see the README) catch regressions."""
    recall, contradictions = _score(("holdout",), lang)
    assert recall >= HELD_OUT_FLOOR and contradictions <= HELD_OUT_CONTRADICTIONS[lang], (recall, contradictions)


async def _describe(pilot, text: str):
    """`/`, type ``text``, Enter: the dialog of what was understood (asserted to be open)."""
    from textual.widgets import Input

    from tui.screens.heard import HeardScreen

    await pilot.pause()
    await pilot.press("slash")
    box = pilot.app.screen.query_one("#describe", Input)
    assert box.has_focus
    box.value = text
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, HeardScreen)
    return pilot.app.screen


async def test_tui_free_text_confirm_flip_and_drop(tmp_path):
    from textual.widgets import Checkbox

    from tui_helpers import build

    app = build(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.screen
        await _describe(pilot, "The loss goes to NaN after 50 steps, trained from scratch with data augmentation.")
        ids = [h.id for h in app.screen.heard]
        assert {"loss_nan", "finetuning_pretrained", "uses_augmentation"} <= set(ids)
        app.screen.query_one(f"#keep-{ids.index('uses_augmentation')}", Checkbox).value = False
        await pilot.click(f"#flip-{ids.index('finetuning_pretrained')}")
        await pilot.click("#apply")
        await pilot.pause()
        given = main.session.given()
        assert given["loss_nan"].answer == "yes" and given["loss_nan"].source == "say"
        assert given["finetuning_pretrained"].answer == "yes", "flipped by the person"
        assert "uses_augmentation" not in given, "dropped by the person"


async def test_tui_free_text_by_keyboard_alone(tmp_path):
    """`/`, type, Enter, Enter: what was understood counts as it stands (the dialog opens on Apply)."""
    from tui_helpers import build

    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        heard = {h.id for h in (await _describe(pilot, "loss becomes nan after a few hundred steps")).heard}
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is main
        assert "loss_nan" in heard and heard <= set(main.session.given())


@pytest.mark.parametrize("text, expected", [
    # doubt states nothing either way
    ("not sure whether it is overfitting", {}),
    ("I am not sure if the loss goes to nan", {}),
    ("lossがnanになるかもしれない", {}),
    ("lossがnanになるのかわからない", {}),
    # ... and leaves the other clauses alone
    ("maybe it overfits, but the loss goes to nan", {"loss_nan": "yes"}),
    # 「しか…ない」 is "only", not a denial
    ("lossはnanにしかならない", {"loss_nan": "yes"}),
    # an English word inside Japanese text still ends where the kana begin
    ("学習を始めてすぐlossがnanになる", {"loss_nan": "yes"}),
    ("lossはnanにはならない", {"loss_nan": "no"}),
])
def test_hedges_only_and_english_inside_japanese(kb, text, expected):
    got = heard(matcher_for(kb), text)
    assert {k: v for k, v in got.items() if k in ("loss_nan", "val_much_worse_than_train")} == expected, got


@pytest.mark.parametrize("text, fact, answer", [
    ("batch size of 8192.", "large_batch", "yes"),
    ("we train with lr 0.5.", "q_lr_unusual", "yes"),
    ("4 balanced classes and the loss is stuck at 1.386", "acc_at_chance", "yes"),
    ("num_classes=10 and val acc is 10%", "acc_at_chance", "yes"),
    ("クラス数は10で、精度が10%から動かない", "acc_at_chance", "yes"),
    ("2 balanced classes, so 50% acc is a coin flip", "acc_at_chance", "yes"),
    ("loss is NaN from the very first batch", "nan_early", "yes"),
    ("batch size is only 2 per GPU", "large_batch", "no"),
    ("the two classes are balanced and accuracy is 50%", "acc_at_chance", "yes"),
    ("six emotion classes, and the loss sits at 1.79", "acc_at_chance", "yes"),
    # scores written as fractions, placed by the nearest split word
    ("0.86 AUC on the held-out validation set, but the nightly scoring job gets an AUC of 0.61",
     "test_worse_than_val", "yes"),
    ("train F1 0.95, val F1 0.60", "val_much_worse_than_train", "yes"),
    # a few more words between the metric and its number
    ("training accuracy is roughly what it was last week, around 98%, and test accuracy fell to 60%",
     "val_much_worse_than_train", "yes"),
    ("2 classes; the accuracy my loop reports stays at exactly 50.0%", "acc_at_chance", "yes"),
])
def test_numbers_at_the_end_of_a_sentence_and_class_counts(kb, text, fact, answer):
    assert heard(matcher_for(kb), text).get(fact) == answer


@pytest.mark.parametrize("text", [
    "10クラス分類で、lossは2.30から1.95くらいまで下がった",
    "with 10 classes the loss went from 2.30 to 1.9",
])
def test_a_loss_it_went_down_from_is_not_where_it_is_stuck(kb, text):
    assert "acc_at_chance" not in heard(matcher_for(kb), text)


@pytest.mark.parametrize("text", ["val auc 0.80 and test auc 0.78", "lr 0.1 and val acc 0.5, test acc 0.45"])
def test_close_scores_are_not_a_gap(kb, text):
    got = heard(matcher_for(kb), text)
    assert "test_worse_than_val" not in got and "val_much_worse_than_train" not in got




@pytest.mark.parametrize("text, fact, answer", [
    # a ない that belongs to another argument's predicate denies nothing here
    ("転移学習で精度が出ない", "finetuning_pretrained", "yes"),
    # ... while one on the match's own predicate still does
    ("データ拡張は使っていない", "uses_augmentation", "no"),
    ("BatchNormは入れていない", "uses_batchnorm", "no"),
    ("nanは出ていない", "loss_nan", "no"),
    # ... and one shared by coordinated nouns denies each of them
    ("dropoutもweight decayも入れていない", "uses_regularization", "no"),
    # the contracted ~てない is an auxiliary, not a new clause
    ("fp16は使ってない", "q_uses_fp16", "no"),
    ("augmentationは使ってなくて、dropoutだけ", "uses_augmentation", "no"),
    # 何も / 一切 / まだ strengthen the ない; they are not another argument
    ("augmentationはまだ何も入れていない状態です", "uses_augmentation", "no"),
    ("dropoutは一切使っていない", "uses_regularization", "no"),
    # a ない after a verb of change says the change does not happen; the mention stands
    ("6クラス分類でval accuracyが70%から全然伸びません", "task_classification", "yes"),
    ("10クラス分類でval accが10%から微動だにしない", "task_classification", "yes"),
    ("lossがギザギザで安定しません", "loss_oscillating", "yes"),
    # the ない after まま belongs to the next predicate
    ("accは50%のまま変わらない", "acc_at_chance", "yes"),
    ("train lossは最初から0.693前後に張り付いたまま全く動かなかった", "loss_flat", "yes"),
    # a bracket bounds a clause in English too
    ("A 12-layer net (no residual connections and no batch norm) classifying 20 types of traffic",
     "task_classification", "yes"),
])
def test_japanese_negation_stays_with_its_own_predicate(kb, text, fact, answer):
    assert heard(matcher_for(kb), text).get(fact) == answer


def test_adjectives_ending_in_nai_are_not_denials():
    from engine.understand.matcher import _negated

    sentence = "正例が少ない"
    assert _negated(sentence, 0, 2, []) is False  # 少ない: few, not "no"
    sentence = "正例がない"
    assert _negated(sentence, 0, 2, []) is True


def test_typo_correction_leaves_real_words_and_stem_words_alone(kb):
    text, fixes = matcher_for(kb).correct("the lsos flatlines, a beam and an itch")
    assert fixes == [("lsos", "loss")]  # a swap in a short word is corrected ...
    assert "flatlines" in text and "beam" in text and "itch" in text  # ... nothing else is


async def test_tui_compiles_the_phrases_while_the_person_types(tmp_path):
    from engine.understand import _CACHE
    from tui_helpers import build

    app = build(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert id(app.kb) not in _CACHE
        await pilot.press("slash")
        await app.workers.wait_for_complete()
        assert _CACHE[id(app.kb)][0] is app.kb
