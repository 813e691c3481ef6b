import pickle

import pytest

from classifiers.langid import LanguageIdentifier, default_model_path, script_shares


@pytest.fixture(scope="module")
def lid() -> LanguageIdentifier:
    return LanguageIdentifier()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("今天天气很好，我们一起去公园散步，顺便买一些水果回家。", "zh"),
        ("這是一段繁體中文的文字，用來測試語言識別的效果。", "zh"),
        ("The committee will publish its final report on the water supply next spring.", "en"),
        ("東京は日本の首都であり、多くの人々が暮らしています。", "ja"),
        ("서울은 대한민국의 수도이며 많은 사람들이 살고 있습니다.", "ko"),
        ("La ville a ouvert une nouvelle bibliothèque près de la gare centrale.", "fr"),
    ],
)
def test_predicts_language(lid: LanguageIdentifier, text: str, lang: str) -> None:
    pred = lid.predict(text)
    assert pred.lang == lang
    assert 0.5 < pred.score <= 1.0


def test_multiline_and_empty_text(lid: LanguageIdentifier) -> None:
    assert lid.predict("第一行中文内容\n第二行中文内容，还有更多的文字。").lang == "zh"
    assert lid.predict("  \n ").lang == "unknown"


def test_model_ships_in_installed_package() -> None:
    path = default_model_path()
    assert path.name == "lid.176.ftz" and path.is_file()


def test_pickles_without_model(lid: LanguageIdentifier) -> None:
    lid.predict("warm up")
    clone = pickle.loads(pickle.dumps(lid))
    assert clone._model is None
    assert clone.predict("今天天气很好，我们一起去公园。").lang == "zh"


def test_missing_model_file_says_where(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="missing"):
        LanguageIdentifier(tmp_path / "nope.ftz").predict("text")


def test_script_shares() -> None:
    assert script_shares("中文abc") == (0.4, 0.6)
    assert script_shares("   ") == (0.0, 0.0)


@pytest.mark.parametrize(
    "poem",
    [
        "孤舟夜泊小桥东，两岸灯光映水红。\n一枕涛声眠不得，半江明月入窗中。",
        "秋夜听疏雨，孤灯伴旧书。\n邻家人语歇，簷滴到更初。",
    ],
)
def test_classical_chinese_without_kana_is_chinese(lid: LanguageIdentifier, poem: str) -> None:
    raw = LanguageIdentifier(script_fix=False).predict(poem)
    fixed = lid.predict(poem)
    assert raw.lang != "zh"  # what lid.176 alone says for short classical lines
    assert (fixed.lang, fixed.script_fix) == ("zh", True)
    assert fixed.score == pytest.approx(script_shares(poem.replace("\n", " "))[0], abs=1e-4)


def test_japanese_with_kana_stays_japanese(lid: LanguageIdentifier) -> None:
    pred = lid.predict("秋の川沿いを歩いて、久しぶりに近所の遊歩道を散歩しました。")
    assert (pred.lang, pred.script_fix) == ("ja", False)
