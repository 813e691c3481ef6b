"""Rebalance SFT records to a target mix of categories (and languages); write the remaining demand.

Targets (`distribution.MixTarget`, configs/sft_mix.yaml) become a count per cell: a cell is a
category, or a (category, language) pair when the target has `langs`. Then, per cell:

- over target: keep the most diverse of the best items, DEITA-style. Candidates go in order of
  quality (`filters.quality_score`, ties by a seeded hash of the id); one is taken when its
  largest similarity to the items already taken is at most `max_similarity` (MinHash Jaccard of
  character 3-grams of prompt + answer). If that leaves the cell short, the rest is filled by
  greedy max-min distance (farthest-first) over the remaining candidates.
- under target: every item is kept and the best ones are repeated, each at most `max_repeat`
  times in all (copies get the id `<id>#r<k>` and `meta["repeat_of"]`).
- still short: the deficit is labeling demand.

Demand file (`demand.jsonl`, one JSON object a line, read by the labeling side and the data loop):

    {"category": "math", "lang": "zh", "count_needed": 37, "target": 60, "have": 23, "after": 23}

`lang` is null when the target has no language shares (any language will do). `count_needed` =
target - after (> 0 only); `have` = items before rebalancing, `after` = items after (with repeats).

Deterministic: the same records, target and seed give the same output, in the same order (the
output is shuffled by the seed, so categories are interleaved for training).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from curation.sft.distribution import UNKNOWN, MixTarget, apportion, category_of, distribution, lang_of
from curation.sft.records import SFTRecord, answer_text, instruction_text
from pipelines.text.minhash import minhasher


@dataclass(frozen=True)
class RebalanceConfig:
    """configs/sft.yaml `rebalance:`."""

    seed: int = 0
    max_repeat: int = 2  # an item appears at most this many times after upsampling (1: no upsampling)
    max_similarity: float = 0.5  # DEITA-style: a new item's Jaccard to every kept one must be <= this
    num_perm: int = 64  # MinHash slots of the diversity signatures
    ngram: int = 3  # character n-grams of prompt + answer (whitespace removed, lower case)

    def __post_init__(self) -> None:
        if self.max_repeat < 1:
            raise ValueError("rebalance.max_repeat must be >= 1")
        if not 0.0 <= self.max_similarity <= 1.0:
            raise ValueError("rebalance.max_similarity must be in [0, 1]")


def seeded_rank(seed: int, rid: str) -> str:
    """A tie-break key that is fixed for a (seed, id) pair and differs between seeds."""
    return hashlib.sha1(f"{seed}\0{rid}".encode()).hexdigest()


def _signature(rec: SFTRecord, cfg: RebalanceConfig) -> np.ndarray:
    text = "".join((instruction_text(rec) + answer_text(rec)).lower().split())
    n = cfg.ngram
    grams = {text[i : i + n] for i in range(max(len(text) - n + 1, 1))} or {""}
    return minhasher(cfg.num_perm, 1).signature(grams)


def select_diverse(
    items: Sequence[SFTRecord], k: int, quality: Callable[[SFTRecord], float], cfg: RebalanceConfig
) -> list[SFTRecord]:
    """`k` items: best-first under the similarity threshold, then farthest-first for the rest."""
    if k >= len(items):
        return list(items)
    if k <= 0:
        return []
    order = sorted(range(len(items)), key=lambda i: (-quality(items[i]), seeded_rank(cfg.seed, items[i].id)))
    sigs = np.stack([_signature(items[i], cfg) for i in order])  # row j = order[j]
    max_sim = np.zeros(len(order))  # largest similarity of each candidate to the chosen ones
    chosen = np.zeros(len(order), dtype=bool)
    picked: list[int] = []

    def take(j: int) -> None:
        chosen[j] = True
        picked.append(j)
        np.maximum(max_sim, (sigs == sigs[j]).mean(axis=1), out=max_sim)

    for j in range(len(order)):
        if len(picked) == k:
            break
        if not chosen[j] and max_sim[j] <= cfg.max_similarity:
            take(j)
    while len(picked) < k:  # farthest-first: the least similar remaining candidate (best quality on ties)
        left = np.flatnonzero(~chosen)
        take(int(left[np.argmin(max_sim[left])]))  # first minimum: the better-ranked candidate
    return [items[order[j]] for j in sorted(picked)]


def upsample(
    items: Sequence[SFTRecord], k: int, quality: Callable[[SFTRecord], float], cfg: RebalanceConfig
) -> list[SFTRecord]:
    """All items plus copies of the best ones, round-robin, each item at most `max_repeat` times in all."""
    out = list(items)
    order = sorted(items, key=lambda r: (-quality(r), seeded_rank(cfg.seed, r.id)))
    for copy in range(1, cfg.max_repeat):
        for rec in order:
            if len(out) >= k:
                return out
            out.append(replace(rec, id=f"{rec.id}#r{copy}", meta={**rec.meta, "repeat_of": rec.id}))
    return out


def cell_targets(records: Sequence[SFTRecord], target: MixTarget) -> dict[tuple[str, str | None], int]:
    """Target count per (category, language or None) for the categories the target lists."""
    listed = target.categories
    listed_total = sum(1 for r in records if category_of(r) in listed)
    per_cat = target.category_counts(listed_total)
    out: dict[tuple[str, str | None], int] = {}
    for c in listed:
        if target.langs:
            for lang, n in apportion(target.langs, per_cat[c]).items():
                out[(c, lang)] = n
        else:
            out[(c, None)] = per_cat[c]
    return out


def rebalance(
    records: Sequence[SFTRecord],
    target: MixTarget,
    quality: Callable[[SFTRecord], float],
    cfg: RebalanceConfig = RebalanceConfig(),
) -> tuple[list[SFTRecord], list[SFTRecord], list[dict[str, Any]], dict[str, Any]]:
    """(output, dropped, demand rows, report) for `records` rebalanced to `target`.

    Records of categories the target does not list pass through unchanged (and are not counted
    in its total); with language targets, records of an unlisted language in a listed category
    are dropped (`drop = "rebalance:lang_not_in_target"`).
    """
    targets = cell_targets(records, target)
    by_lang = bool(target.langs)
    cells: dict[tuple[str, str | None], list[SFTRecord]] = {key: [] for key in targets}
    passthrough: list[SFTRecord] = []
    dropped: list[SFTRecord] = []
    for r in records:
        c = category_of(r)
        if c not in target.categories:
            passthrough.append(r)
            continue
        key = (c, lang_of(r) if by_lang else None)
        if key not in cells:
            dropped.append(replace(r, drop="rebalance:lang_not_in_target"))
            continue
        cells[key].append(r)
    out: list[SFTRecord] = list(passthrough)
    demand: list[dict[str, Any]] = []
    for key, want in targets.items():
        items = cells[key]
        if len(items) > want:
            keep = select_diverse(items, want, quality, cfg)
            kept_ids = {id(r) for r in keep}
            dropped += [replace(r, drop="rebalance:over_target") for r in items if id(r) not in kept_ids]
        else:
            keep = upsample(items, want, quality, cfg)
        out += keep
        if len(keep) < want:
            demand.append(
                {
                    "category": key[0],
                    "lang": key[1],
                    "count_needed": want - len(keep),
                    "target": want,
                    "have": len(items),
                    "after": len(keep),
                }
            )
    out.sort(key=lambda r: seeded_rank(cfg.seed, r.id))
    before, after = distribution(records, target), distribution(out, target)
    report = {
        "seed": cfg.seed,
        "target": target.to_dict(),
        "before": before,
        "after": after,
        "dropped": len(dropped),
        "repeats": sum(1 for r in out if "repeat_of" in r.meta),
        "demand": demand,
    }
    return out, dropped, demand, report


def report_stats(report: dict[str, Any], name: str = "sft") -> dict[str, Any]:
    """The before/after/target counts that `corpusloop report --sft-stats FILE` shows."""
    cats = [r["category"] for r in report["after"]["categories"]]
    before = {r["category"]: r["count"] for r in report["before"]["categories"]}
    after = {r["category"]: r["count"] for r in report["after"]["categories"]}
    target = {
        r["category"]: r["target_share"]
        for r in report["after"]["categories"]
        if r["target_share"] is not None
    }
    return {
        "name": name,
        "before": {c: before.get(c, 0) for c in cats},
        "after": {c: after.get(c, 0) for c in cats},
        "target": target,
    }


def before_after_table(report: dict[str, Any]) -> str:
    """Plain-text table: category, before (count, share), after (count, share), target share."""
    before = {r["category"]: r for r in report["before"]["categories"]}
    lines = [f"{'category':<16}{'before':>8}{'share':>8}{'after':>8}{'share':>8}{'target':>8}"]
    for r in report["after"]["categories"]:
        b = before.get(r["category"], {"count": 0, "share": 0.0})
        ts = "" if r["target_share"] is None else f"{r['target_share']:.1%}"
        lines.append(
            f"{r['category']:<16}{b['count']:>8}{b['share']:>8.1%}{r['count']:>8}{r['share']:>8.1%}{ts:>8}"
        )
    lines.append(f"{'total':<16}{report['before']['total']:>8}{'':>8}{report['after']['total']:>8}")
    if report["demand"]:
        need = ", ".join(
            f"{d['category']}{'/' + d['lang'] if d['lang'] else ''} {d['count_needed']}"
            for d in report["demand"]
        )
        lines.append(f"labeling demand: {need}")
    return "\n".join(lines)


__all__ = [
    "UNKNOWN",
    "RebalanceConfig",
    "before_after_table",
    "cell_targets",
    "rebalance",
    "report_stats",
    "seeded_rank",
    "select_diverse",
    "upsample",
]
