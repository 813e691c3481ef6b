"""Sensitive-content lexicons (compliance.sensitive): exact hits per category, boundaries, user lists."""
# ruff: noqa: E501

from __future__ import annotations

import pickle

import pytest

from compliance.sensitive import (
    CATEGORIES,
    DEFAULT_MAX_HITS_PER_1K,
    LEXICON_DIR,
    SensitiveConfig,
    SensitiveMatcher,
    over_threshold,
    rates_per_1k,
    read_lexicon,
)


@pytest.fixture(scope="module")
def matcher() -> SensitiveMatcher:
    return SensitiveMatcher()


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        # a neighbourhood forum post: 电信诈骗 is one crime hit (its 诈骗 is not counted again)
        (
            "最近小区里有人搞电信诈骗，专门骗老人，还有人在群里卖冰毒。业主群里吵翻了，有人骂物业是废物，"
            "还说要人肉搜索那个骗子。警察提醒大家：遇到诈骗先报警，不要动手殴打。",
            "zh",
            {"abuse": 1, "crime": 3, "physical_harm": 1, "privacy_property": 1},
        ),
        # an English news item: class, classmate, assistant and bass do not contain the word "ass"
        (
            "Police arrested a scammer who ran a Ponzi scheme and laundered money through a casino. Officers said "
            "the suspect had also been involved in drug trafficking and burglary. A classmate described him as a "
            "bitter man; the assistant principal said his class on bass guitar was popular.",
            "en",
            {"crime": 4},
        ),
        ("如果你有自杀或自残的念头，请立即拨打心理援助热线。抑郁症是可以治疗的，重度抑郁也不例外。", "zh", {"mental_health": 4}),
        (
            "The report found racist and sexist remarks in the hiring emails, plus evidence of nepotism and fake "
            "reviews. One manager was accused of plagiarism.",
            "en",
            {"discrimination": 2, "ethics": 3},
        ),
        # 煽动颠覆 and 颠覆国家政权 overlap: leftmost-longest counts one
        ("报道称，该恐怖组织宣扬极端主义思想，煽动颠覆国家政权。", "zh", {"sensitive_topics": 3}),
        ("他们在网络赌博平台洗钱", "zh", {"crime": 2}),
        ("The hotel was clean, the staff were friendly and breakfast was excellent.", "en", {}),
        ("房间很干净，服务员态度很好，早餐种类丰富，下次还会再来。", "zh", {}),
    ],
)
def test_hits_on_realistic_text(matcher: SensitiveMatcher, text: str, lang: str, expected: dict[str, int]) -> None:
    assert matcher.hits(text, lang) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("class assistant bass passage assess", {}),
        ("Scunthorpe United won at home.", {}),
        ("You ass.", {"abuse": 1}),
        ("ASS", {"abuse": 1}),  # ASCII case is ignored
        ("asses", {}),  # only listed forms match
        ("what a fuck-up", {"abuse": 1}),  # '-' is a boundary
        ("fucking", {"abuse": 1}),  # 'fucking' is listed; 'fuck' inside it is not counted
        ("self-harm and self harm", {"mental_health": 2}),
        ("kill yourself", {"abuse": 1}),
    ],
)
def test_english_word_boundaries(matcher: SensitiveMatcher, text: str, expected: dict[str, int]) -> None:
    assert matcher.hits(text, "en") == expected


def test_chinese_substrings_and_language(matcher: SensitiveMatcher) -> None:
    assert matcher.hits("傻逼ass傻逼", "zh") == {"abuse": 3}  # Han characters are boundaries for English terms
    assert matcher.hits("他说想自杀twice", "zh") == {"mental_health": 1}
    assert matcher.hits("He said 自杀 twice", "en") == {}  # English text is matched with English terms only
    assert matcher.spans("这是诈骗", "zh") == [(2, 4, "crime")]
    with pytest.raises(ValueError, match="lang='ja'"):
        matcher.hits("自殺", "ja")


def test_user_lists(tmp_path) -> None:
    path = tmp_path / "crime_extra.txt"
    path.write_text("# our own list\n黑产\n  rug   pull  # crypto\n\nRUG PULL\n", encoding="utf-8")
    assert read_lexicon(path) == ["黑产", "rug pull", "RUG PULL"]
    text = "这是黑产，a Rug Pull happened after the 诈骗"
    m = SensitiveMatcher(SensitiveConfig(extra_lexicons={"crime": str(path)}))
    assert m.hits(text, "zh") == {"crime": 3}
    only = SensitiveMatcher(SensitiveConfig(extra_lexicons={"crime": str(path)}, default_lexicons=False))
    assert only.n_terms == 2
    assert only.hits(text, "zh") == {"crime": 2}
    empty = SensitiveMatcher(SensitiveConfig(default_lexicons=False))
    assert empty.hits(text, "zh") == {}
    with pytest.raises(FileNotFoundError):
        SensitiveMatcher(SensitiveConfig(extra_lexicons={"crime": str(tmp_path / "missing.txt")}))


def test_thresholds() -> None:
    cfg = SensitiveConfig()
    assert rates_per_1k({"abuse": 3}, 1500) == {"abuse": 2.0}
    assert rates_per_1k({"abuse": 3}, 0) == {"abuse": 0.0}
    assert over_threshold({"abuse": 3}, 1000, cfg) == ("abuse",)  # 3.0 per 1k > 2.0
    assert over_threshold({"abuse": 2}, 1000, cfg) == ()  # 2.0 is not above 2.0
    assert over_threshold({"abuse": 1}, 50, cfg) == ()  # one hit never decides (min_hits=2)
    assert over_threshold({"crime": 5, "abuse": 5}, 1000, cfg) == ("abuse", "crime")
    off = SensitiveConfig(max_hits_per_1k={"abuse": None})
    assert off.max_hits_per_1k["crime"] == DEFAULT_MAX_HITS_PER_1K["crime"]  # unnamed categories keep defaults
    assert over_threshold({"abuse": 50}, 100, off) == ()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"action": "delete"}, "sensitive.action"),
        ({"max_hits_per_1k": {"violence": 1.0}}, "violence"),
        ({"extra_lexicons": {"abuses": "x.txt"}}, "abuses"),
        ({"min_hits": 0}, "min_hits"),
    ],
)
def test_config_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SensitiveConfig(**kwargs)


def test_default_lexicons() -> None:
    for category in CATEGORIES:
        terms = read_lexicon(LEXICON_DIR / f"{category}.txt")
        zh = [t for t in terms if not t.isascii()]
        en = [t for t in terms if t.isascii()]
        assert len(zh) >= 15 and len(en) >= 15, category
        assert len({t.lower() for t in terms}) == len(terms), f"{category}: duplicate terms"


def test_matcher_pickles(matcher: SensitiveMatcher) -> None:
    text = "有人在群里卖冰毒 and a scammer"
    assert pickle.loads(pickle.dumps(matcher)).hits(text, "zh") == matcher.hits(text, "zh") == {"crime": 2}
