import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from classifiers.instruction import (
    DEFAULT_MODEL_DIR,
    META_FILE,
    InstructionClassifier,
    InstructionParams,
    clauses,
    instruction_text,
    load_default,
    normalize,
    read_seed,
    seed_examples,
    structure_features,
)
from classifiers.taxonomy import REQUIRED_IDS, TaxonomyError, load_taxonomy, parse_taxonomy

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
BELLE = SHARED / "sft" / "belle_eval" / "eval_set.jsonl"
IWILD = SHARED / "sft" / "instructionwild" / "zh_en_labelled_429.jsonl"
Seed = tuple[list[str], list[str], list[str]]

PROBES = [
    "用Python写一个函数，计算列表中所有偶数的和。",
    "把下面这句话翻译成英文。\n我们下周一开会。",
    "Summarize the following paragraph in one sentence.\nThe council voted to extend library hours.",
    "给我一些周末放松的建议。",
    "What is 17 times 23?",
    "你好，最近过得怎么样？",
]


@pytest.fixture(scope="module")
def seed() -> Seed:
    return seed_examples()


@pytest.fixture(scope="module", params=["sklearn", "fasttext"])
def trained(request: pytest.FixtureRequest, seed: Seed) -> InstructionClassifier:
    texts, labels, _ = seed
    return InstructionClassifier(InstructionParams(model_type=request.param)).fit(texts, labels)


def test_probabilities_have_one_column_per_category(trained: InstructionClassifier) -> None:
    probs = trained.predict_proba(PROBES)
    assert probs.shape == (len(PROBES), len(trained.classes_))
    assert set(trained.classes_) == set(load_taxonomy().ids)
    assert np.all(probs >= 0) and np.all(probs <= 1)
    assert trained.predict_proba([]).shape == (0, len(trained.classes_)) and trained.predict([]) == []
    preds = trained.predict(PROBES)
    for row, p in zip(probs, preds, strict=True):
        assert p.category == trained.classes_[int(np.argmax(row))]
        assert p.score == pytest.approx(float(row.max()), abs=1e-6)


def test_save_load_round_trip_gives_identical_predictions(
    trained: InstructionClassifier, tmp_path: Path
) -> None:
    trained.save(tmp_path / "m")
    loaded = InstructionClassifier.load(tmp_path / "m")
    assert loaded.params == trained.params and loaded.classes_ == trained.classes_
    assert np.array_equal(loaded.predict_proba(PROBES), trained.predict_proba(PROBES))
    assert loaded.predict(PROBES) == trained.predict(PROBES)


def test_training_is_deterministic(trained: InstructionClassifier, seed: Seed) -> None:
    texts, labels, _ = seed
    again = InstructionClassifier(trained.params).fit(texts, labels)
    assert np.array_equal(again.predict_proba(PROBES), trained.predict_proba(PROBES))


def test_abstains_below_threshold_but_keeps_best_category(trained: InstructionClassifier) -> None:
    plain = trained.predict(PROBES, threshold=0.0)
    assert not any(p.uncertain for p in plain)
    strict = trained.predict(PROBES, threshold=1.0)
    assert all(p.uncertain for p in strict)
    assert [p.category for p in strict] == [p.category for p in plain]
    assert [p.score for p in strict] == [p.score for p in plain]
    mid = sorted(p.score for p in plain)[len(plain) // 2]
    assert [p.uncertain for p in trained.predict(PROBES, threshold=mid)] == [p.score < mid for p in plain]


def test_default_threshold_comes_from_params(seed: Seed) -> None:
    texts, labels, _ = seed
    clf = InstructionClassifier(InstructionParams(model_type="fasttext", threshold=1.0)).fit(texts, labels)
    assert all(p.uncertain for p in clf.predict(PROBES))


def test_bad_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="model_type"):
        InstructionParams(model_type="bert")
    with pytest.raises(ValueError, match="two categories"):
        InstructionClassifier().fit(["a", "b", "c"], ["code"] * 3)
    with pytest.raises(ValueError, match="fewer than 3"):
        InstructionClassifier().fit(["a", "b", "c", "d"], ["code", "code", "code", "math"])
    with pytest.raises(RuntimeError, match="not trained"):
        InstructionClassifier().predict(["hello"])
    with pytest.raises(FileNotFoundError, match=META_FILE):
        InstructionClassifier.load(tmp_path)


def test_text_views() -> None:
    assert instruction_text("总结下文", "今天下雨。") == "总结下文\n今天下雨。"
    assert instruction_text("Hi", "") == "Hi"
    text = normalize("请回答问题：\n小明几岁？")
    assert text == "请回答问题:\n小明几岁?"
    assert clauses(text) == ["请回答问题", "小明几岁"]
    short = structure_features(normalize("为什么天空是蓝色的？"))
    given = structure_features(normalize("阅读以下文章，回答问题：“" + "今天天气很好，" * 30 + "”"))
    assert given[0] > short[0]  # longer
    assert given[2] == 1.0 and short[2] == 0.0  # quotes
    assert given[5] > 0 and short[5] == 0  # text after a colon


# --- taxonomy -------------------------------------------------------------------------------


def test_taxonomy_has_required_categories_names_and_abilities() -> None:
    tax = load_taxonomy()
    assert set(REQUIRED_IDS) <= set(tax.ids)
    for cat in tax.categories.values():
        assert cat.zh and cat.en and cat.definition
        assert cat.flageval in tax.abilities
    assert tax.coarse("translation") == "rewrite" and tax.coarse("code") == "code"


def test_label_maps_fold_spaces_and_reject_unknown_labels() -> None:
    tax = load_taxonomy()
    assert tax.map_label("belle", "closed\u00a0qa") == "closed_qa"
    assert tax.map_label("belle", "open qa") == "open_qa"
    assert tax.map_label("instructionwild", "Open QA") == "open_qa"
    assert tax.map_label("instructionwild", "Other") is None
    with pytest.raises(TaxonomyError):
        tax.map_label("belle", "poetry")
    with pytest.raises(TaxonomyError):
        tax.map_label("alpaca", "code")
    assert tax.refine_label("belle", "rewrite", "将以下句子翻译成英文：你好") == "translation"
    assert tax.refine_label("belle", "rewrite", "将以下句子改写得更正式") == "rewrite"


def test_taxonomy_checks_references() -> None:
    base = {"flageval_abilities": {"a": {"zh": "甲", "en": "A"}},
            "categories": {c: {"zh": c, "en": c, "definition": c, "flageval": "a"} for c in REQUIRED_IDS}}
    assert parse_taxonomy(base).ids == REQUIRED_IDS
    with pytest.raises(TaxonomyError, match="required"):
        parse_taxonomy({**base, "categories": {"code": base["categories"]["code"]}})
    with pytest.raises(TaxonomyError, match="unknown category"):
        parse_taxonomy({**base, "label_maps": {"x": {"y": "poetry"}}})


@pytest.mark.shared
def test_label_maps_cover_every_shared_label() -> None:
    if not BELLE.is_file() or not IWILD.is_file():
        pytest.skip("../shared/data is absent")
    tax = load_taxonomy()
    belle = {json.loads(line)["class"] for line in BELLE.open(encoding="utf-8")}
    iwild = {json.loads(line)["instruction_type"] for line in IWILD.open(encoding="utf-8")}
    assert len(belle) == 10
    assert {tax.map_label("belle", x) for x in belle} == set(REQUIRED_IDS)
    mapped = {x: tax.map_label("instructionwild", x) for x in iwild}
    assert [x for x, c in mapped.items() if c is None] == ["Other"]


# --- seed set and the shipped model -----------------------------------------------------------


def test_seed_set_is_bilingual_and_covers_every_category() -> None:
    rows = read_seed()
    tax = load_taxonomy()
    per = Counter((r["category"], r["lang"]) for r in rows)
    assert {c for c, _ in per} == set(tax.ids)
    for cat in tax.ids:
        assert per[(cat, "zh")] >= 15 and per[(cat, "en")] >= 15, cat
    texts = [instruction_text(r["instruction"], r["input"]) for r in rows]
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("用Python写一个函数，判断字符串是不是回文。", "code"),
        ("Write a JavaScript function that removes duplicates from an array.", "code"),
        ("计算 36 乘以 25 等于多少？", "math"),
        ("Solve the equation 4x + 6 = 30.", "math"),
        ("把下面这段话翻译成英文。\n明天上午九点在会议室开会。", "translation"),
        ("请总结下面这篇文章的主要内容。\n" + "城市公园为居民提供了休闲空间。" * 3, "summarization"),
        ("Classify the sentiment of this review as positive or negative.\nCold food.", "classification"),
        ("写一首关于秋天的诗。", "generation"),
    ],
)
def test_default_model_classifies_clear_instructions(text: str, category: str) -> None:
    clf = load_default()
    assert clf.labels([text]) == [category]


def test_default_model_ships_in_package_with_metadata() -> None:
    meta = json.loads((DEFAULT_MODEL_DIR / META_FILE).read_text(encoding="utf-8"))
    assert set(meta["classes"]) == set(load_taxonomy().ids)
    assert meta["info"]["sources"]["seed"]["items"] == len(read_seed())
    size = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir())
    assert size < 6_000_000
