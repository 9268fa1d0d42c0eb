"""Free text: numbers about how a run behaves (learning rate per optimiser, gradient norms, a loss
that grows, when NaN appears) and the percentages that place a score in its split."""

from __future__ import annotations

import pytest

from engine.understand.dynamics import value_of
from engine.understand.numbers import read_numbers
from engine.understand.templates import normalise


def facts(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for fact, answer, words, why in read_numbers(normalise(text)):
        assert words and why
        out.setdefault(fact, set()).add(answer)
    return out


@pytest.mark.parametrize("written, value", [
    ("0.5", 0.5), ("3e-4", 3e-4), ("1.5e+3", 1500.0), ("10^6", 1e6), ("10 ^ -8", 1e-8), ("10**-3", 1e-3),
])
def test_numbers_as_people_write_them(written, value):
    assert value_of(written) == pytest.approx(value)


@pytest.mark.parametrize("text, answer", [
    # the usual range depends on the optimiser (the knowledge's question states it)
    ("Adam, lr=3e-3", "yes"),
    ("adam w/ lr 1e-2", "yes"),
    ("Adam lr=1e-4です", "no"),
    ("SGD with momentum 0.9, lr 0.1", "no"),
    ("SGDをlr=0.5で回したら", "yes"),
    ("plain SGD at lr=1e-5", "yes"),
    ("fine-tuning with AdamW 2e-5", "no"),
    ("batch size 2 per GPU, Adam at 1e-4", "no"),
    ("bumped SGD lr linearly to 3.2 like the paper says", "yes"),
    ("the scheduler set Adam's lr to 10.0", "yes"),
    # without an optimiser only what is unusual for every optimiser counts
    ("we train with lr 0.5.", "yes"),
    ("lr 0.01", None),
    # an optimiser's other numbers are not its rate
    ("sgd 0.9 momentum", None),
    ("AdamW 0.01 weight decay", None),
    # Adam at 1e-3 is inside the range the knowledge asks about ("above 1e-3")
    ("fine-tuning with Adam 1e-3", "no"),
])
def test_learning_rate_for_its_optimiser(text, answer):
    assert facts(text).get("q_lr_unusual") == ({answer} if answer else None)


@pytest.mark.parametrize("text, vanishing, exploding", [
    ("grad norm of the first few layers is ~1e-9 from step 1", "yes", None),
    ("grad normも10^6とか出てます", None, "yes"),
    ("grad normは0.1〜1くらいで", "no", "no"),
    ("grad norm is ~1 but spikes to 1e4 sometimes", None, "yes"),
    ("global grad norm 0.8, 3, 40, 900, bigger every step", None, "yes"),
    # after a gradient word, later powers of ten in its sentence are gradient values too
    ("各層の勾配ノルムを出したら、出力側は1e-2程度なのに入力側は1e-9でした。", "yes", None),
    # a clipping threshold or an accumulation count is not a norm
    ("clip_grad_norm_(params, max_norm=1.0)", None, None),
    ("gradient accumulation of 8 steps", None, None),
])
def test_gradient_norms(text, vanishing, exploding):
    got = facts(text)
    assert got.get("gradients_vanishing") == ({vanishing} if vanishing else None)
    assert got.get("gradients_exploding") == ({exploding} if exploding else None)


@pytest.mark.parametrize("text, diverging", [
    ("loss goes 1e6 -> 1e9 -> 1e12 over the first epochs", True),
    ("lossが1e3から1e8まで増えた", True),
    ("the loss went 2.3 -> 1.1 -> 0.4", False),
    ("loss 0.9 -> 1.0", False),
    ("Loss per iteration: 0.98, 3.4, 210, 8e6, then nan", True),
    # two numbers and a comma are not a series: "loss 0.5, 12 classes"
    ("loss 0.5, 12 classes", False),
])
def test_a_loss_that_grows_by_orders_of_magnitude(text, diverging):
    assert ("loss_diverging" in facts(text)) is diverging


@pytest.mark.parametrize("text, answer", [
    ("Loss shows nan at step ~100.", "yes"),
    ("loss rockets to 1e8 by step 20 and it's nan right after", "yes"),
    ("最初の50stepくらいでgrad normが跳ねて、lossがinfになります", "yes"),
    ("trained fine for the first 5000 steps, then nan", "no"),
    ("loss is nan after 3 epochs", "no"),
    # a NaN that says when it came outranks the steps said before it
    ("in the first 100 steps everything is fine but NaN appears at epoch 20", "no"),
    ("200stepくらいでlossがnanになります", "yes"),
    # a denied NaN, and a loss value after "at", say nothing about when
    ("no nans - loss just sits at 2.3 with 10 classes", None),
    # "inference" is not Inf
    ("our inference service gets around 60 on the same images", None),
])
def test_when_nan_appears(text, answer):
    assert facts(text).get("nan_early") == ({answer} if answer else None)


@pytest.mark.parametrize("text, fact", [
    ("Model scores 91% on our val set, but since deploying, accuracy on live traffic is more like 70%.",
     "test_worse_than_val"),
    ("accuracy hovers around 20% on both train and val", "train_and_val_poor"),
    ("now it's at 10% acc on 10 classes, on train AND val", "train_and_val_poor"),
    ("train/valどちらも精度は40%くらい", "train_and_val_poor"),
    ("val 92 test 70. the test set goes through a separate script", "test_worse_than_val"),
    ("train 99 val 60 after 30 ep", "val_much_worse_than_train"),
    ("valではbalanced accuracy 0.82だったが、別の病院のテストセットでは0.51まで落ちた", "test_worse_than_val"),
    ("Classifier, 94% on the held-out validation set. In production it's closer to 70%.", "test_worse_than_val"),
    # a list of scores after one metric word; the worst place of the test side counts
    ("Offline: train F1 0.93, val 0.91, held-out test 0.90. In production the model scores about 0.6.",
     "test_worse_than_val"),
])
def test_percentages_placed_by_their_split(text, fact):
    assert facts(text).get(fact) == {"yes"}


@pytest.mark.parametrize("text, absent", [
    # a share of the data is not a score
    ("trained on 80% of the data, validated on 20% of the data", "val_much_worse_than_train"),
    # "eval" and "pretrained" do not name the validation or the training split
    ("model.eval() accuracy 30%, pretrained weights gave 92% before", "val_much_worse_than_train"),
    ("train and val both 95%", "train_and_val_poor"),
])
def test_percentages_that_are_not_a_gap(text, absent):
    assert absent not in facts(text)


@pytest.mark.parametrize("text, answer", [
    ("it IS learning, just slowly. started at 2.30 which is what you'd expect for 10 classes", "no"),
    ("with 10 classes the loss started out at 9.5", "yes"),
    ("10 classes. The very first batch gives a cross-entropy of about 45", "yes"),
    ("最初のバッチからlossが異常に大きく、10クラスなのに41くらいあった", "yes"),
    # the number of classes is not the first loss (was read as a first loss of 4, "far from ln 4")
    ("cls_lossが最初の値(4クラスで1.38くらい)からほぼ動いてません", "no"),
    ("10 classes, lr started at 0.1", None),
    # a value the loss has held since the first step is where it started
    ("200 classes. Training loss has sat at 5.30 (ln 200 = 5.30) from the first step through 8 epochs.", "no"),
    ("10 classes. the loss has been 9.2 since the start", "yes"),
])
def test_where_the_loss_started(text, answer):
    assert facts(text).get("initial_loss_off") == ({answer} if answer else None)


@pytest.mark.parametrize("text, fact, answer", [
    # a binary mask labels pixels: not a two-class task
    ("Binary segmentation with a UNet, val IoU 0.05", "task_classification", None),
    ("binary classifier, loss 0.693", "acc_at_chance", "yes"),
    ("three class folders (cats / dogs / foxes), val accuracy is ~33%", "acc_at_chance", "yes"),
    # 「最初は下がる」 is "at first it falls", not a first loss
    ("train lossは最初は下がるけど1.4あたりで止まって、20カテゴリ", "initial_loss_off", None),
    # the examples of a sanity check are not the dataset
    ("even 16 examples won't memorize", "small_dataset", None),
    ("only 300 images in total", "small_dataset", "yes"),
    ("we moved to a batch size of 16,384 on 8 GPUs", "large_batch", "yes"),
    # counts, shares and how fast
    ("データは約4,000件でラベルはほぼ半々", "small_dataset", None),
    ("学習データから50件ランダムに見てみたら、12件くらいラベルが間違ってた", "small_dataset", None),
    ("~300 labelled photos in total", "small_dataset", "yes"),
    ("I checked 50 labels by hand", "task_classification", None),
    ("Kaggle fraud data: ~0.17% positives.", "imbalanced_classes", "yes"),
    ("positives are about 2% of impressions", "imbalanced_classes", "yes"),
    ("loss 0.7 -> 3e6 in like 20 iterations", "nan_early", "yes"),
    # counts of epochs and layers are not values of a series or a norm
    ("lossは1.58から20 epochで1.41まで下がった", "loss_diverging", None),
    ("勾配ノルムを見ると1層目は1e-9くらい", "gradients_vanishing", "yes"),
    ("勾配クリッピングは1.0にしている", "gradients_vanishing", None),
    # a Japanese loss value before the verb that says it stays, even where it started
    ("2クラス分類。train lossは最初から0.693前後に張り付いたまま全く動かない", "acc_at_chance", "yes"),
    ("10クラスでlossが2.30で止まっている", "acc_at_chance", "yes"),
    ("10クラスでlossが2.3から1.9まで下がった", "acc_at_chance", None),
])
def test_what_numbers_describe(text, fact, answer):
    assert facts(text).get(fact) == ({answer} if answer else None)
