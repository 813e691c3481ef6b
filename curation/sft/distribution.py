"""Counts and shares of SFT records per category and language, against a target mix.

The target mix (configs/sft_mix.yaml) gives per category either a share (`shares:`, normalised
over the listed categories) or a count (`counts:`), optionally a `total` for shares, and
optionally language shares (`langs:`) applied inside every category:

    shares: {open_qa: 0.08, math: 0.12, code: 0.12, ...}   # or counts: {open_qa: 200, ...}
    total: null                                            # null: as many as the listed categories have
    langs: {zh: 0.5, en: 0.5}                              # optional

`distribution(records, target)` returns the JSON the `corpusloop sft analyze` job writes:

    {"total": N, "categories": [{"category", "count", "share", "target_share", "target_count",
      "gap"}, ...], "langs": [{"lang", "count", "share", "target_share"}], "by_category_lang":
      {category: {lang: n}}, "target": {...}}

Records without a category count as "unknown"; categories the target does not list keep their
count and are not part of the target total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.sft.records import SFTRecord
from pipelines.config import load_config

UNKNOWN = "unknown"


@dataclass(frozen=True)
class MixTarget:
    """Target mix of categories (shares or counts) and, optionally, of languages within each."""

    shares: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    total: int | None = None  # with shares: the target size of the listed categories (None: current)
    langs: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if bool(self.shares) == bool(self.counts):
            raise ValueError("mix target: give exactly one of shares or counts")
        if any(v < 0 for v in self.shares.values()) or any(v < 0 for v in self.counts.values()):
            raise ValueError("mix target: shares and counts must be >= 0")
        if self.shares and sum(self.shares.values()) <= 0:
            raise ValueError("mix target: shares sum to 0")
        if self.langs and (any(v < 0 for v in self.langs.values()) or sum(self.langs.values()) <= 0):
            raise ValueError("mix target: langs shares must be >= 0 and not all 0")
        if self.total is not None and self.total < 0:
            raise ValueError("mix target: total must be >= 0")

    @property
    def categories(self) -> list[str]:
        return list(self.shares or self.counts)

    def share_of(self, category: str) -> float | None:
        """Target share among the listed categories (None for an unlisted one)."""
        table = self.shares or self.counts
        if category not in table:
            return None
        return table[category] / sum(table.values())

    def category_counts(self, current_total: int) -> dict[str, int]:
        """Target count per listed category; shares are rounded by largest remainder to the total."""
        if self.counts:
            return dict(self.counts)
        total = current_total if self.total is None else self.total
        return apportion(self.shares, total)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"shares": self.shares} if self.shares else {"counts": self.counts}
        d["total"] = self.total
        if self.langs:
            d["langs"] = self.langs
        return d


def apportion(weights: Mapping[str, float], total: int) -> dict[str, int]:
    """Integers proportional to `weights` that sum to `total` (largest remainder; ties by key order)."""
    s = sum(weights.values())
    if total <= 0 or s <= 0:
        return {k: 0 for k in weights}
    exact = {k: total * w / s for k, w in weights.items()}
    out = {k: int(v) for k, v in exact.items()}
    left = total - sum(out.values())
    order = sorted(weights, key=lambda k: (-(exact[k] - out[k]), list(weights).index(k)))
    for k in order[:left]:
        out[k] += 1
    return out


def load_mix_target(path: str | Path | None = None) -> MixTarget:
    """A target mix file (default configs/sft_mix.yaml)."""
    return load_config(MixTarget, path, "sft_mix.yaml")


def category_of(rec: SFTRecord) -> str:
    return rec.category or UNKNOWN


def lang_of(rec: SFTRecord) -> str:
    return rec.lang or UNKNOWN


def _share(n: float, total: float) -> float:
    return round(n / total, 6) if total else 0.0


def distribution(records: Iterable[SFTRecord], target: MixTarget | None = None) -> dict[str, Any]:
    """Counts and shares per category and language, with target shares, counts and gaps."""
    cats: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    cell: dict[str, Counter[str]] = {}
    for r in records:
        c, lang = category_of(r), lang_of(r)
        cats[c] += 1
        langs[lang] += 1
        cell.setdefault(c, Counter())[lang] += 1
    total = sum(cats.values())
    listed = target.categories if target else []
    listed_total = sum(cats[c] for c in listed)
    want = target.category_counts(listed_total) if target else {}
    names = list(dict.fromkeys([*listed, *sorted(cats, key=lambda c: (-cats[c], c))]))
    rows = []
    for c in names:
        n = cats.get(c, 0)
        ts = target.share_of(c) if target else None
        row: dict[str, Any] = {
            "category": c,
            "count": n,
            "share": _share(n, total),
            "target_share": None,
            "target_count": None,
            "gap": None,
        }
        if ts is not None:
            row["target_share"] = round(ts, 6)
            row["target_count"] = want[c]
            row["gap"] = want[c] - n
        rows.append(row)
    lang_total = sum(target.langs.values()) if target and target.langs else 0
    lang_rows = [
        {
            "lang": lang,
            "count": n,
            "share": _share(n, total),
            "target_share": round(target.langs[lang] / lang_total, 6)
            if target and target.langs and lang in target.langs
            else None,
        }
        for lang, n in sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return {
        "total": total,
        "categories": rows,
        "langs": lang_rows,
        "by_category_lang": {c: dict(sorted(cell[c].items())) for c in sorted(cell)},
        "target": target.to_dict() if target else None,
    }


def distribution_table(dist: dict[str, Any]) -> str:
    """A plain-text table of a distribution: category, count, share, target share, gap."""
    lines = [f"{'category':<16}{'count':>8}{'share':>9}{'target':>9}{'gap':>8}"]
    for r in dist["categories"]:
        ts = "" if r["target_share"] is None else f"{r['target_share']:.1%}"
        gap = "" if r["gap"] is None else f"{r['gap']:+d}"
        lines.append(f"{r['category']:<16}{r['count']:>8}{r['share']:>9.1%}{ts:>9}{gap:>8}")
    lines.append(f"{'total':<16}{dist['total']:>8}")
    langs = ", ".join(f"{r['lang']} {r['count']} ({r['share']:.1%})" for r in dist["langs"])
    lines.append(f"languages: {langs or 'none'}")
    return "\n".join(lines)
