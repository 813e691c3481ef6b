"""Exact and MinHash near-duplicate removal of SFT records, on the prompt (instruction + input).

The key text of a record is its user turns joined by newlines (for Alpaca data: instruction +
"\\n" + input). Exact duplicates share `pipelines.text.minhash.content_hash` of it (lower case,
full-width folded, whitespace collapsed); near duplicates are found with the corpus dedup's
datasketch-compatible MinHash signatures and LSH banding (`pipelines.text.minhash`), in process
(SFT sets are small), each LSH candidate pair verified by signature Jaccard. Clusters are the
connected components of exact and verified near pairs.

Of each cluster the record with the best answer survives: highest `filters.quality_score`, then
smallest id, then input order. Dropped records get `drop = "dedup:exact"` (same key text as the
survivor) or `"dedup:near"`, and `meta["duplicate_of"]` = the survivor's id; a survivor of a
cluster of more than one gets `meta["cluster_size"]`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from curation.sft.records import SFTRecord, turns
from pipelines.text.minhash import (
    DedupConfig,
    band_keys,
    content_hash,
    doc_signature,
    signature_jaccard,
)

STAGE = "dedup"


@dataclass(frozen=True)
class SFTDedupConfig:
    """configs/sft.yaml `dedup:`. Shingles are shorter than the corpus's: prompts are short."""

    exact: bool = True
    near: bool = True
    num_perm: int = 112  # FineWeb's 14 bands × 8 rows, as the corpus dedup
    seed: int = 1  # datasketch.MinHash's default
    bands: int = 14
    rows: int = 8  # candidates from Jaccard ≈ (1/14)^(1/8) = 0.72 up
    ngram_zh: int = 3  # Chinese character 3-grams: a 20-character question has 18 of them
    ngram_en: int = 3  # English word 3-grams
    threshold: float = 0.7  # signature Jaccard a candidate pair needs to count as a near duplicate

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"dedup: bands × rows = {self.bands * self.rows} > num_perm {self.num_perm}")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("dedup.threshold must be in (0, 1]")

    def minhash_config(self) -> DedupConfig:
        return DedupConfig(
            num_perm=self.num_perm,
            seed=self.seed,
            ngram_zh=self.ngram_zh,
            ngram_en=self.ngram_en,
            bands=self.bands,
            rows=self.rows,
        )


def key_text(rec: SFTRecord) -> str:
    """The text duplicates are found on: every user turn (instruction + input), newline-joined."""
    return "\n".join(turns(rec, "user"))


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def duplicate_clusters(
    records: Sequence[SFTRecord], cfg: SFTDedupConfig = SFTDedupConfig()
) -> list[list[int]]:
    """Clusters (lists of indexes, ascending) of records whose key texts are exact or near duplicates."""
    uf = _UnionFind(len(records))
    texts = [key_text(r) for r in records]
    if cfg.exact:
        first: dict[str, int] = {}
        for i, t in enumerate(texts):
            h = content_hash(t)
            if h in first:
                uf.union(first[h], i)
            else:
                first[h] = i
    if cfg.near:
        mh = cfg.minhash_config()
        sigs = [doc_signature(t, r.lang, mh) for t, r in zip(texts, records, strict=True)]
        buckets: dict[bytes, list[int]] = {}
        for i, sig in enumerate(sigs):
            if sig is None:
                continue
            for key in band_keys(sig, cfg.bands, cfg.rows):
                buckets.setdefault(key, []).append(i)
        for members in buckets.values():
            # greedy: each member joins the first earlier representative it is similar to, else
            # becomes one; exact copies are one component already, so big buckets stay cheap
            reps: list[int] = []
            for i in members:
                root = uf.find(i)
                if any(uf.find(r) == root for r in reps):
                    continue
                sig = sigs[i]
                for r in reps:
                    other = sigs[r]
                    if (
                        sig is not None
                        and other is not None
                        and signature_jaccard(sig, other) >= cfg.threshold
                    ):
                        uf.union(r, i)
                        break
                else:
                    reps.append(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(records)):
        groups.setdefault(uf.find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def deduplicate(
    records: Sequence[SFTRecord],
    quality: Callable[[SFTRecord], float],
    cfg: SFTDedupConfig = SFTDedupConfig(),
) -> tuple[list[SFTRecord], list[SFTRecord], dict[str, Any]]:
    """(kept, dropped, stats): of each duplicate cluster the best answer (`quality`, then id) is kept.

    Kept records keep their input order; dropped ones get `drop` and `meta["duplicate_of"]`.
    """
    clusters = duplicate_clusters(records, cfg)
    dropped_idx: dict[int, str] = {}
    exact_keys = [content_hash(key_text(r)) for r in records] if clusters else []
    scores: dict[int, float] = {}
    for members in clusters:
        for i in members:
            scores[i] = quality(records[i])
        best = min(members, key=lambda i: (-scores[i], records[i].id, i))
        survivor = records[best]
        survivor.meta["cluster_size"] = len(members)
        for i in members:
            if i == best:
                continue
            rec = records[i]
            reason = "exact" if exact_keys[i] == exact_keys[best] else "near"
            rec.drop = f"{STAGE}:{reason}"
            rec.meta["duplicate_of"] = survivor.id
            dropped_idx[i] = reason
    kept = [r for i, r in enumerate(records) if i not in dropped_idx]
    dropped = [records[i] for i in sorted(dropped_idx)]
    by_reason = {k: sum(1 for v in dropped_idx.values() if v == k) for k in ("exact", "near")}
    stats = {
        "clusters": len(clusters),
        "largest_cluster": max((len(c) for c in clusters), default=0),
        "dropped_by_reason": {k: v for k, v in by_reason.items() if v},
    }
    return kept, dropped, stats
