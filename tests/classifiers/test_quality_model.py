import dataclasses
import json

import pytest

from classifiers.quality import META_FILE, QualityModel, QualityModelParams, tokens
from tests.classifiers.quality_fixtures import FAST, HELD_OUT, tiny_corpus


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[int], list[str]]:
    return tiny_corpus()


@pytest.fixture(scope="module")
def model(data) -> QualityModel:
    return QualityModel(FAST).fit(*data)


def held_out() -> tuple[list[str], list[str], list[int]]:
    keys = sorted(HELD_OUT)
    return [HELD_OUT[k] for k in keys], [k[0] for k in keys], [k[1] for k in keys]


# --- tokens: Chinese is never split on whitespace ------------------------------------------------------


def test_chinese_chars_are_tokens_whatever_the_spacing():
    assert tokens("今天 天气很好。OK 42", "zh") == ["今", "天", "天", "气", "很", "好", "。", "ok", "0"]
    assert tokens("今天天气很好", "zh") == tokens("今天 天气 很好", "zh")


def test_chinese_words_come_from_jieba():
    toks = tokens("我们一起去公园散步", "zh", QualityModelParams(zh_features="words"))
    assert toks == ["我们", "一起", "去", "公园", "散步"]


def test_english_words_are_lowercased_with_punctuation_and_digits_folded():
    assert tokens("Hello, World! It's 2024.", "en") == ["hello", ",", "world", "!", "it's", "0", "."]


def test_only_the_head_of_a_long_document_is_read():
    assert len(tokens("字" * 10_000, "zh", QualityModelParams(max_chars=300))) == 300


def test_unknown_language_raises():
    with pytest.raises(ValueError, match="unsupported language 'ja'"):
        tokens("今日は", "ja")


# --- the face ------------------------------------------------------------------------------------------


def test_scores_are_probabilities_that_rank_unseen_text(model):
    texts, langs, labels = held_out()
    scores = model.predict_proba(texts, langs)
    assert all(0.0 <= s <= 1.0 for s in scores)
    for lang in ("en", "zh"):
        good = next(s for s, lg, y in zip(scores, langs, labels, strict=True) if lg == lang and y == 1)
        bad = next(s for s, lg, y in zip(scores, langs, labels, strict=True) if lg == lang and y == 0)
        assert good > 0.5 > bad, (lang, good, bad)
    assert model.predict(texts, langs) == labels
    assert model.score(texts[0], langs[0]) == scores[0]
    assert model.languages == ("en", "zh")


def test_save_and_load_give_identical_scores(model, data, tmp_path):
    texts, _, langs = data
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / META_FILE).read_text())
    assert meta["files"] == {"en": "en.bin", "zh": "zh.bin"}
    assert meta["params"] == dataclasses.asdict(FAST)
    loaded = QualityModel.load(tmp_path / "m")
    assert loaded.params == FAST
    assert loaded.languages == ("en", "zh")
    assert loaded.predict_proba(texts, langs) == model.predict_proba(texts, langs)


def test_same_seed_single_thread_trains_the_same_model(model, data):
    again = QualityModel(FAST).fit(*data)
    texts, _, langs = data
    assert again.predict_proba(texts, langs) == model.predict_proba(texts, langs)


@pytest.mark.parametrize("params", [
    dataclasses.replace(FAST, per_language=False),
    dataclasses.replace(FAST, per_language=False, zh_features="words", en_features="subwords"),
])
def test_bilingual_model_round_trips_and_ranks(params, data, tmp_path):
    bilingual = QualityModel(params).fit(*data)
    assert set(bilingual.models_) == {"all"}
    texts, langs, labels = held_out()
    assert bilingual.predict(texts, langs) == labels
    bilingual.save(tmp_path)
    assert QualityModel.load(tmp_path).predict_proba(texts, langs) == bilingual.predict_proba(texts, langs)


def test_a_language_the_model_was_not_trained_on_raises(data):
    texts, labels, langs = data
    en_only = QualityModel(FAST).fit(
        [t for t, lg in zip(texts, langs, strict=True) if lg == "en"],
        [y for y, lg in zip(labels, langs, strict=True) if lg == "en"],
        ["en"] * langs.count("en"),
    )
    assert en_only.languages == ("en",)
    with pytest.raises(ValueError, match="no quality model for language 'zh'"):
        en_only.score("这是一段中文。", "zh")


def test_fit_needs_both_classes_per_language_and_binary_labels():
    with pytest.raises(ValueError, match="language 'en' needs both"):
        QualityModel(FAST).fit(["a good text", "another good text"], [1, 1], ["en", "en"])
    with pytest.raises(ValueError, match="labels must be 0"):
        QualityModel(FAST).fit(["a", "b"], [1, 2], ["en", "en"])
    with pytest.raises(ValueError, match="differ in length"):
        QualityModel(FAST).fit(["a", "b"], [1, 0], ["en"])


def test_unfitted_model_and_foreign_folder_fail_clearly(tmp_path):
    with pytest.raises(RuntimeError, match="not fitted"):
        QualityModel().score("text", "en")
    with pytest.raises(RuntimeError, match="not fitted"):
        QualityModel().save(tmp_path / "x")
    with pytest.raises(FileNotFoundError, match="not a quality model folder"):
        QualityModel.load(tmp_path)


def test_params_reject_unknown_feature_kinds():
    with pytest.raises(ValueError, match="zh_features"):
        QualityModelParams(zh_features="spaces")
    with pytest.raises(ValueError, match="en_features"):
        QualityModelParams(en_features="chars")
