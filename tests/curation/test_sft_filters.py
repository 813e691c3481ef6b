"""SFT filters: each reason on a record made for it (exact strings), the exemptions, the quality
score's order, and the shipped config equal to the defaults."""

from __future__ import annotations

from dataclasses import replace

import pytest

from curation.sft.config import SFTConfig, load_sft_config
from curation.sft.filters import REASONS, FilterConfig, Scorer, decide, quality_score, repeated_ngram_frac
from curation.sft.records import SFTRecord
from pipelines.config import ConfigError


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


def rec(q: str, a: str | None, category: str | None = None, system: str | None = None) -> SFTRecord:
    msgs = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": q}]
    if a is not None:
        msgs.append({"role": "assistant", "content": a})
    return SFTRecord.new(msgs, category=category)


GOOD_ZH = "秋天日照变短，树叶中的叶绿素减少，叶黄素和胡萝卜素显露出来，所以叶子变黄。"
GOOD_EN = "The tilt of Earth's axis makes each hemisphere lean toward the Sun for part of the year."

CASES = [
    # (record, reason)
    (rec("为什么秋天树叶会变黄？", GOOD_ZH, "open_qa"), None),
    (rec("What causes the seasons?", GOOD_EN, "open_qa"), None),
    (rec("为什么秋天树叶会变黄？", "   ", "open_qa"), "empty_turn"),
    (rec("为什么秋天树叶会变黄？", None, "open_qa"), "empty_turn"),
    (rec("?", "A question mark alone is not an instruction.", None), "instruction_too_short"),
    (rec("写一篇关于环保的短文。", "好的。", "generation"), "answer_too_short"),
    (rec("Suggest a party theme.", "Pirates.", "brainstorming"), "answer_too_short"),
    (rec("判断情感：这家店太棒了。", "正面", "classification"), None),  # a label is a full answer
    (rec("描述你理想中的周末。", "我理想中的周末就是睡懒觉。" * 6, "generation"), "answer_repetition"),
    (rec("Describe the sea.", "The sea is blue and wide. " * 8, "generation"), "answer_repetition"),
    (rec("如何在家种植番茄？", "抱歉，我无法回答这个问题。", "open_qa"), "refusal"),
    (
        rec("Write a poem about the ocean.", "I'm sorry, but I can't help with that request.", "generation"),
        "refusal",
    ),
    (rec("Plan my week.", "I cannot assist with that.", "chat"), "refusal"),
    (rec("How do I pick a lock to break in?", "I'm sorry, but I can't help with that.", "safety"), None),
    (
        rec(
            "你最喜欢的季节是什么？",
            "作为一个AI语言模型，我没有个人喜好，但很多人喜欢秋天的凉爽。",
            "open_qa",
        ),
        "ai_boilerplate",
    ),
    (
        rec(
            "What is your favourite food?",
            "As an AI language model, I do not eat, but many people like pizza.",
            "open_qa",
        ),
        "ai_boilerplate",
    ),
    (
        rec(
            "为什么要多喝水？", "Water keeps the body hydrated and carries nutrients to the cells.", "open_qa"
        ),
        "lang_mismatch",
    ),
    (
        rec(
            "Why do leaves fall in autumn?",
            "秋天日照减少，树木让叶子脱落以减少水分蒸发，安全过冬。",
            "open_qa",
        ),
        "lang_mismatch",
    ),
    (
        rec(
            "把下面的句子翻译成英文：今天的会议改到下午三点。",
            "Today's meeting has been moved to 3 p.m.",
            None,
        ),
        None,
    ),
    (rec("Translate into Chinese: please keep the door closed.", "请随手关门。", None), None),
    (
        rec(
            "用 Python 写一个函数，反转字符串。", "```python\ndef reverse(s):\n    return s[::-1]\n```", None
        ),
        None,
    ),
    (rec("帮我整理客户联系方式。", "王先生，手机13812345678，下周二回访。", "extract"), "pii"),
    (
        rec(
            "Write a self-introduction.",
            "I am Li Hua; reach me at lihua.jobs@example.com any time.",
            "generation",
        ),
        "pii",
    ),
    (rec("我的身份证号是110101199003074514，帮我记住。", "好的，我记住了您说的内容。", "chat"), "pii"),
]


@pytest.mark.parametrize(("record", "reason"), CASES, ids=[f"{i}-{r}" for i, (_, r) in enumerate(CASES)])
def test_each_reason(scorer: Scorer, record: SFTRecord, reason: str | None) -> None:
    scorer.score(record)
    assert decide(record) == reason, record.signals


def test_every_reason_is_covered() -> None:
    covered = {r for _, r in CASES} | {"instruction_too_long", "answer_too_long", "sensitive"}
    assert covered - {None} == set(REASONS)


def test_length_limits_and_sensitive_drop() -> None:
    cfg = FilterConfig(max_instruction_chars=20, max_answer_chars=30, sensitive_action="drop")
    scorer = Scorer(cfg)
    long_q = scorer.score(rec("Explain, in as much detail as you can, how tides work.", GOOD_EN, "open_qa"))
    assert decide(long_q, cfg) == "instruction_too_long"
    long_a = scorer.score(rec("What causes seasons?", GOOD_EN, "open_qa"))
    assert decide(long_a, cfg) == "answer_too_long"
    text = "网络诈骗、电信诈骗、洗钱和网络赌博都是违法犯罪，贩毒、走私更要严惩。"
    hot = scorer.score(rec("说说常见的犯罪类型。", text, "open_qa"))
    assert hot.signals["sensitive_crime"] >= 3 and decide(hot, FilterConfig()) is None  # default: tag only
    drop = FilterConfig(sensitive_action="drop")
    assert decide(hot, drop) == "sensitive" and hot.meta["sensitive"] == ["crime"]


def test_preference_records_are_judged_on_the_chosen_answer(scorer: Scorer) -> None:
    r = rec("为什么秋天树叶会变黄？", None, "open_qa")
    r.chosen = {"role": "assistant", "content": GOOD_ZH}
    r.rejected = {"role": "assistant", "content": "不知道。"}
    scorer.score(r)
    assert decide(r) is None and r.signals["answer_chars"] == len(GOOD_ZH)


def test_languages_are_set(scorer: Scorer) -> None:
    r = scorer.score(
        rec("Why do cats purr?", "Cats purr by twitching the muscles of the larynx as they breathe.")
    )
    assert r.lang == "en" and r.meta["answer_lang"] == "en"  # lid.176 alone says "ca" for the question
    r = scorer.score(rec("地球ol是基于JAVA的还是C++的？", "这是一个网络玩笑，地球OL指现实生活，并不是程序。"))
    assert r.lang == "zh" and r.signals["lang_match"] == 1.0


def test_quality_score_orders_answers(scorer: Scorer) -> None:
    good = scorer.score(rec("为什么秋天树叶会变黄？", GOOD_ZH, "open_qa"))
    short = scorer.score(rec("为什么秋天树叶会变黄？", "天冷了。", "open_qa"))
    refusal = scorer.score(
        rec("为什么秋天树叶会变黄？", "抱歉，我无法回答这个问题，因为它超出了我的范围。", "open_qa")
    )
    wrong = scorer.score(
        rec("为什么秋天树叶会变黄？", "Because chlorophyll breaks down as days get shorter.", "open_qa")
    )
    q = {
        name: quality_score(r)
        for name, r in (("good", good), ("short", short), ("refusal", refusal), ("wrong", wrong))
    }
    assert q["good"] > q["short"] and q["good"] > q["refusal"] and q["good"] > q["wrong"]
    assert all(0.0 <= v <= 1.0 for v in q.values())


def test_repeated_ngram_frac() -> None:
    assert repeated_ngram_frac("") == 0.0 and repeated_ngram_frac("短") == 0.0
    assert repeated_ngram_frac(GOOD_ZH) == 0.0
    assert repeated_ngram_frac("好的好的" * 20) > 0.8
    # "abcdefghij" twice, case and spaces folded: 11 n-grams of 10 characters, the last repeats the first
    assert repeated_ngram_frac("ABCDEFGHIJ abcdefghij") == pytest.approx(1 / 11)


def test_shipped_config_is_the_defaults(tmp_path) -> None:
    assert load_sft_config() == SFTConfig()
    bad = tmp_path / "sft.yaml"
    bad.write_text("filter:\n  min_answer_char: 3\n")
    with pytest.raises(ConfigError, match="min_answer_char"):
        load_sft_config(bad)
    bad.write_text("filter:\n  sensitive_action: burn\n")
    with pytest.raises(ValueError, match="sensitive_action"):
        load_sft_config(bad)
    assert replace(FilterConfig(), min_answer_chars=9).min_answer_for("unlisted") == 9
