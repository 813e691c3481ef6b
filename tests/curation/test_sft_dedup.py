"""SFT dedup: exact and near duplicates of the prompt, the best answer survives, ties by id; and the
real ruozhiba set answered twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from curation.sft.dedup import SFTDedupConfig, deduplicate, duplicate_clusters, key_text
from curation.sft.filters import Scorer, quality_score
from curation.sft.formats import read_sft
from curation.sft.records import SFTRecord, answer_text

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "sft"


def rec(q: str, a: str, category: str = "open_qa", lang: str | None = None) -> SFTRecord:
    r = SFTRecord.new(
        [{"role": "user", "content": q}, {"role": "assistant", "content": a}], category=category
    )
    r.lang = lang
    return r


GOOD = "秋天日照变短，叶绿素分解，叶黄素和胡萝卜素显露出来，所以树叶会变黄；有的树还会生成花青素而变红。"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


def quality(scorer: Scorer):
    def q(r: SFTRecord) -> float:
        if not r.signals:
            scorer.score(r)
        return quality_score(r)

    return q


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_the_best_answer_survives(scorer: Scorer, order: tuple[int, ...]) -> None:
    variants = [
        rec("为什么秋天树叶会变黄？", "天冷了。"),
        rec("为什么秋天树叶会变黄？", GOOD),
        rec("为什么秋天树叶会变黄？", "抱歉，我无法回答这个问题，因为我不了解植物。"),
    ]
    other = rec("What causes the seasons on Earth?", "The tilt of Earth's axis, about 23.4 degrees.")
    records = [variants[i] for i in order] + [other]
    kept, dropped, stats = deduplicate(records, quality(scorer))
    assert [answer_text(r) for r in kept] == [GOOD, answer_text(other)]
    assert all(r.drop == "dedup:exact" and r.meta["duplicate_of"] == variants[1].id for r in dropped)
    assert kept[0].meta["cluster_size"] == 3 and "cluster_size" not in kept[1].meta
    assert stats == {"clusters": 1, "largest_cluster": 3, "dropped_by_reason": {"exact": 2}}


def test_near_duplicates_and_ties(scorer: Scorer) -> None:
    a = rec("What causes the seasons on Earth?", "Axis tilt.")
    b = rec("what causes  the seasons on earth？", "Axis tilt!")  # exact after normalization
    c = rec("What causes the seasons on Earth, briefly?", "Axis tilt?")  # word 3-gram Jaccard 0.8
    d = rec("为什么海水是咸的？", "河流把岩石里的盐带进大海。")
    e = rec("为什么海水是咸的", "河流把岩石里的盐带进海洋。")
    f = rec("为什么天空是蓝色的？", "空气分子散射蓝光更多。")
    clusters = duplicate_clusters([a, b, c, d, e, f])
    assert clusters == [[0, 1, 2], [3, 4]]
    same = lambda r: 0.5  # noqa: E731 - every answer equally good: the smallest id survives
    kept, dropped, stats = deduplicate([a, b, c, d, e, f], same)
    assert {r.id for r in kept} == {min(a.id, b.id, c.id), min(d.id, e.id), f.id}
    assert {r.drop for r in dropped} <= {"dedup:exact", "dedup:near"}
    assert stats["dropped_by_reason"]["near"] >= 1
    kept2, _, _ = deduplicate([f, e, d, c, b, a], same)
    assert {r.id for r in kept2} == {r.id for r in kept}  # input order does not matter
    off = SFTDedupConfig(near=False)
    assert duplicate_clusters([a, b, c, d, e, f], off) == [[0, 1]]
    assert key_text(a) == "What causes the seasons on Earth?"


def test_ruozhiba_answered_twice(scorer: Scorer) -> None:
    files = [SHARED / "ruozhiba_zh_sft" / f"ruozhiba_qa2449_{m}.json" for m in ("gpt4o", "gpt4t")]
    if not all(f.is_file() for f in files):
        pytest.skip("ruozhiba_zh_sft absent")
    records = [r for f in files for r in read_sft(f)]
    assert len(records) == 2 * 2449
    q = quality(scorer)
    kept, dropped, stats = deduplicate(records, q)
    assert len(kept) + len(dropped) == len(records)
    # the 2387 shared questions (SOURCE.md) collapse; the ~62 reworded ones mostly become near pairs
    assert stats["dropped_by_reason"]["exact"] >= 2387 and stats["dropped_by_reason"].get("near", 0) >= 30
    assert 2400 <= len(kept) <= 2470
    by_id = {r.id: r for r in kept}
    for r in dropped:
        survivor = by_id[r.meta["duplicate_of"]]
        assert (q(survivor), r.id) >= (q(r), survivor.id) or q(survivor) > q(r)
    assert {r.source for r in kept} == {"ruozhiba_qa2449_gpt4o", "ruozhiba_qa2449_gpt4t"}
