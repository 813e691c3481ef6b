"""Inter-annotator agreement, computed here because Label Studio Community does not.

- `cohen_kappa(a, b)`: two raters, the same items, nominal labels (Cohen 1960).
- `fleiss_kappa(counts)`: any number of raters per item (the same number on every item), given as
  per-item category counts (Fleiss 1971).
- `kendall_tau(r1, r2)`: two rankings of the same items (tau-b: ties allowed).
- `categorical_agreement(labels_by_item)`: picks Cohen when exactly two raters labelled every
  item, Fleiss otherwise (on the items with the most common number of ratings).
- `majority(labels, min_share)`: the resolution rule: the label held by more than `min_share` of
  the raters, else None (send to review).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two raters' labels on the same items; 1.0 when both agree on a single label."""
    if len(a) != len(b) or not a:
        raise ValueError("cohen_kappa needs two equally long, non-empty label lists")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> float:
    """Fleiss' kappa of an items x categories matrix of rating counts (same number of ratings per row)."""
    if not counts:
        raise ValueError("fleiss_kappa needs at least one item")
    n = sum(counts[0])
    if n < 2 or any(sum(row) != n for row in counts):
        raise ValueError("fleiss_kappa needs the same number (>= 2) of ratings on every item")
    items = len(counts)
    k = len(counts[0])
    p_j = [sum(row[j] for row in counts) / (items * n) for j in range(k)]
    p_i = [(sum(c * c for c in row) - n) / (n * (n - 1)) for row in counts]
    p_bar = sum(p_i) / items
    p_e = sum(p * p for p in p_j)
    if p_e == 1.0:
        return 1.0 if p_bar == 1.0 else 0.0
    return (p_bar - p_e) / (1 - p_e)


def kendall_tau(r1: Sequence[float], r2: Sequence[float]) -> float:
    """Kendall's tau-b between two score (or rank position) lists over the same items."""
    if len(r1) != len(r2) or len(r1) < 2:
        raise ValueError("kendall_tau needs two equally long lists of at least two items")
    concordant = discordant = ties1 = ties2 = 0
    for i, j in itertools.combinations(range(len(r1)), 2):
        d1, d2 = r1[i] - r1[j], r2[i] - r2[j]
        if d1 == 0 and d2 == 0:
            continue
        if d1 == 0:
            ties1 += 1
        elif d2 == 0:
            ties2 += 1
        elif (d1 > 0) == (d2 > 0):
            concordant += 1
        else:
            discordant += 1
    denom = ((concordant + discordant + ties1) * (concordant + discordant + ties2)) ** 0.5
    return (concordant - discordant) / denom if denom else 0.0


def ranking_tau(order1: Sequence[str], order2: Sequence[str]) -> float:
    """Kendall's tau between two orderings (ids best first) of the same items."""
    if sorted(order1) != sorted(order2):
        raise ValueError("the two rankings do not hold the same items")
    pos2 = {item: i for i, item in enumerate(order2)}
    return kendall_tau(list(range(len(order1))), [pos2[item] for item in order1])


def majority(labels: Sequence[Hashable], min_share: float = 0.5) -> Hashable | None:
    """The label given by more than `min_share` of the raters, or None (no majority: review)."""
    if not labels:
        return None
    label, count = Counter(labels).most_common(1)[0]
    return label if count / len(labels) > min_share else None


@dataclass(frozen=True)
class Agreement:
    """One agreement figure: which statistic, its value, and on how many items / raters per item."""

    statistic: str  # cohen_kappa | fleiss_kappa | kendall_tau | none
    value: float | None
    items: int
    raters: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "value": None if self.value is None else round(self.value, 4),
            "items": self.items,
            "raters": self.raters,
        }


def categorical_agreement(labels_by_item: dict[Any, dict[Any, Hashable]]) -> Agreement:
    """Agreement of nominal labels given as {item: {rater: label}}: Cohen for 2 raters, else Fleiss.

    Items with a single rating carry no agreement information and are left out. When the items
    have different numbers of ratings, Fleiss uses those with the most common number.
    """
    rated = {item: r for item, r in labels_by_item.items() if len(r) >= 2}
    if not rated:
        return Agreement("none", None, 0, 0)
    raters = {rater for r in rated.values() for rater in r}
    if len(raters) == 2 and all(len(r) == 2 for r in rated.values()):
        first, second = sorted(raters, key=str)
        a = [r[first] for r in rated.values()]
        b = [r[second] for r in rated.values()]
        return Agreement("cohen_kappa", cohen_kappa(a, b), len(rated), 2)
    size = Counter(len(r) for r in rated.values()).most_common(1)[0][0]
    rows = [r for r in rated.values() if len(r) == size]
    categories = sorted({label for r in rows for label in r.values()}, key=str)
    counts = [[Counter(r.values())[c] for c in categories] for r in rows]
    return Agreement("fleiss_kappa", fleiss_kappa(counts), len(rows), size)


def ranking_agreement(orders_by_item: dict[Any, dict[Any, Sequence[str]]]) -> Agreement:
    """Mean Kendall's tau over every pair of raters of every item, orders given as {item: {rater: ids}}."""
    taus: list[float] = []
    items = 0
    raters = 0
    for orders in orders_by_item.values():
        if len(orders) < 2:
            continue
        items += 1
        raters = max(raters, len(orders))
        for o1, o2 in itertools.combinations(orders.values(), 2):
            taus.append(ranking_tau(o1, o2))
    if not taus:
        return Agreement("none", None, 0, 0)
    return Agreement("kendall_tau", sum(taus) / len(taus), items, raters)
