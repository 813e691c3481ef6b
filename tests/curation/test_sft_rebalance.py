"""Distribution against a target and the rebalancer: shares within one item of the target, diverse
downsampling, the repeat cap, the demand rows, determinism by seed."""

from __future__ import annotations

from collections import Counter

import pytest

from curation.sft.distribution import MixTarget, apportion, distribution, load_mix_target
from curation.sft.rebalance import (
    RebalanceConfig,
    before_after_table,
    rebalance,
    report_stats,
    select_diverse,
    upsample,
)
from curation.sft.records import SFTRecord

TOPICS = [
    "苹果",
    "香蕉",
    "葡萄",
    "西瓜",
    "橙子",
    "草莓",
    "芒果",
    "菠萝",
    "樱桃",
    "桃子",
    "梨",
    "柠檬",
    "蓝莓",
    "椰子",
    "石榴",
    "荔枝",
    "龙眼",
    "柿子",
    "山楂",
    "杏",
    "李子",
    "枇杷",
    "甘蔗",
    "杨梅",
]


def rec(category: str, i: int, lang: str = "zh", answer: str | None = None) -> SFTRecord:
    q = (
        f"第{i}题：请介绍一下{TOPICS[i % len(TOPICS)]}的{category}知识。"
        if lang == "zh"
        else f"Question {i}: tell me about {category} number {i} in detail."
    )
    a = answer or (
        f"关于{TOPICS[i % len(TOPICS)]}，这里有第{i}条说明。" if lang == "zh" else f"Here is answer {i}."
    )
    r = SFTRecord.new(
        [{"role": "user", "content": q}, {"role": "assistant", "content": a}], category=category, lang=lang
    )
    return r


def quality(r: SFTRecord) -> float:
    return r.signals.get("q", 0.5)


FIXTURE = (
    [rec("math", i) for i in range(20)]
    + [rec("code", i) for i in range(5)]
    + [rec("chat", i) for i in range(3)]
    + [rec("other", i) for i in range(2)]
)
TARGET = MixTarget(shares={"math": 0.5, "code": 0.3, "extract": 0.2}, total=20)


def test_apportion_sums_to_total() -> None:
    assert apportion({"a": 1, "b": 1, "c": 1}, 10) == {"a": 4, "b": 3, "c": 3}
    assert sum(apportion({"a": 0.07, "b": 0.13, "c": 0.8}, 37).values()) == 37
    assert apportion({"a": 1}, 0) == {"a": 0}


def test_distribution_against_target() -> None:
    d = distribution(FIXTURE, TARGET)
    rows = {r["category"]: r for r in d["categories"]}
    assert d["total"] == 30 and [r["category"] for r in d["categories"]][:3] == ["math", "code", "extract"]
    assert (rows["math"]["count"], rows["math"]["share"], rows["math"]["target_count"]) == (20, 0.666667, 10)
    assert (rows["extract"]["count"], rows["extract"]["gap"]) == (0, 4)
    assert rows["chat"]["target_share"] is None and rows["chat"]["gap"] is None
    assert d["langs"] == [{"lang": "zh", "count": 30, "share": 1.0, "target_share": None}]
    assert d["by_category_lang"]["code"] == {"zh": 5}


def test_shares_within_one_item_of_target() -> None:
    out, dropped, demand, report = rebalance(FIXTURE, TARGET, quality, RebalanceConfig(max_repeat=3))
    counts = Counter(r.category for r in out)
    assert counts["math"] == 10 and counts["code"] == 6 and counts["extract"] == 0
    listed_total = 20
    for cat, share in (("math", 0.5), ("code", 0.3)):
        assert abs(counts[cat] - share * listed_total) <= 1
    assert counts["chat"] == 3 and counts["other"] == 2  # unlisted categories pass through
    assert len(dropped) == 10 and {r.drop for r in dropped} == {"rebalance:over_target"}
    assert demand == [
        {"category": "extract", "lang": None, "count_needed": 4, "target": 4, "have": 0, "after": 0}
    ]
    assert report["repeats"] == 1 and len(out) == 30 - 10 + 1
    stats = report_stats(report, "fixture")
    assert stats["before"]["math"] == 20 and stats["after"]["math"] == 10 and stats["target"]["code"] == 0.3
    table = before_after_table(report)
    assert "math" in table and "labeling demand: extract 4" in table


def test_language_targets_and_demand() -> None:
    records = (
        [rec("math", i, "zh") for i in range(8)]
        + [rec("math", i, "en") for i in range(2)]
        + [rec("math", 99, "fr")]
    )
    target = MixTarget(counts={"math": 10}, langs={"zh": 0.5, "en": 0.5})
    out, dropped, demand, _ = rebalance(records, target, quality, RebalanceConfig(max_repeat=2))
    assert Counter(r.lang for r in out) == {"zh": 5, "en": 4}
    assert [r.drop for r in dropped].count("rebalance:lang_not_in_target") == 1
    assert demand == [
        {"category": "math", "lang": "en", "count_needed": 1, "target": 5, "have": 2, "after": 4}
    ]


def test_repeat_cap() -> None:
    items = [rec("code", i) for i in range(3)]
    for cap in (1, 2, 3):
        out = upsample(items, 100, quality, RebalanceConfig(max_repeat=cap))
        assert len(out) == 3 * cap
        per = Counter(r.meta.get("repeat_of", r.id) for r in out)
        assert set(per.values()) == {cap}
        assert len({r.id for r in out}) == len(out)


def test_downsampling_keeps_diverse_and_best() -> None:
    same = "苹果富含维生素C和膳食纤维，每天吃一个有益健康，而且热量不高，适合做零食。"
    clones = [rec("open_qa", i, answer=same) for i in range(6)]  # one topic, six near-identical items
    for i, r in enumerate(clones):
        r.signals["q"] = 0.9 - i * 0.01
    distinct = [
        rec("open_qa", 101, answer="长城始建于春秋战国时期，明代大规模重修，全长两万多公里。"),
        rec(
            "open_qa",
            102,
            answer="Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.",
        ),
    ]
    for r in distinct:
        r.signals["q"] = 0.3
    picked = select_diverse(clones + distinct, 3, quality, RebalanceConfig())
    assert clones[0] in picked and all(r in picked for r in distinct)  # the best clone, then diversity
    four = select_diverse(clones, 4, quality, RebalanceConfig())  # farthest-first fills up past the threshold
    assert len(four) == 4 and four[0] is clones[0] and len({r.id for r in four}) == 4


def test_deterministic_by_seed() -> None:
    def run(seed: int) -> list[str]:
        return [r.id for r in rebalance(FIXTURE, TARGET, quality, RebalanceConfig(seed=seed))[0]]

    assert run(1) == run(1)
    assert run(1) != run(2)  # the seed orders the output (and breaks quality ties)


def test_mix_target_file(tmp_path) -> None:
    shipped = load_mix_target()
    required = {
        "open_qa",
        "closed_qa",
        "brainstorming",
        "rewrite",
        "generation",
        "math",
        "classification",
        "summarization",
        "code",
        "extract",
    }
    assert required <= set(shipped.categories) and abs(sum(shipped.shares.values()) - 1.0) < 1e-9
    path = tmp_path / "mix.yaml"
    path.write_text("shares: {math: 1}\ncounts: {math: 3}\n")
    with pytest.raises(ValueError, match="exactly one of shares or counts"):
        load_mix_target(path)
