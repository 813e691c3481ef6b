"""Sensitive-content lexicons per FlagEval safety category, matched with one Aho-Corasick automaton.

Lexicons are plain word lists (`compliance/lexicons/<category>.txt`, plus user lists from the
config): one term a line, `#` comments. A term made of ASCII characters is English and matches as a
whole word (no ASCII letter may touch either end: "ass" does not hit "class", "cunt" does not hit
"Scunthorpe"); any other term is Chinese and matches as a substring (Chinese has no spaces). ASCII
case is ignored. Within a category, overlapping hits count once, leftmost-longest ("电信诈骗" is
one crime hit, not two with "诈骗"); categories are counted independently.

Score first, decide second: `SensitiveMatcher.hits` counts, `over_threshold` applies the config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# FlagEval's safety categories:
# 辱骂仇恨, 违法犯罪, 身体伤害, 隐私财产, 敏感话题, 偏见歧视, 心理健康, 伦理道德.
CATEGORIES = (
    "abuse", "crime", "physical_harm", "privacy_property", "sensitive_topics", "discrimination",
    "mental_health", "ethics",
)
LANGS = ("zh", "en")  # zh: Chinese and English terms (Chinese pages quote English); en: English terms
ACTIONS = ("tag", "drop")
LEXICON_DIR = Path(__file__).with_name("lexicons")
# Hits per 1,000 characters above which a document is tagged or dropped. No published recipe gives
# lexicon rates, so these are set here: one mention in a 1,000-character news story (1.0) stays under
# every threshold; a thread of insults or a page selling drugs goes over. Abuse and discrimination
# are lower because their terms are rarely neutral; crime, harm and mental-health words appear in
# ordinary news and advice pages, so they need more.
DEFAULT_MAX_HITS_PER_1K = {
    "abuse": 2.0,
    "crime": 4.0,
    "physical_harm": 4.0,
    "privacy_property": 3.0,
    "sensitive_topics": 3.0,
    "discrimination": 2.0,
    "mental_health": 4.0,
    "ethics": 3.0,
}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class SensitiveConfig:
    action: str = "tag"  # "tag": record hits and flag; "drop": drop documents over a threshold
    # per-category thresholds (hits per 1,000 characters); given keys override DEFAULT_MAX_HITS_PER_1K,
    # None turns a category's threshold off (hits are still counted)
    max_hits_per_1k: dict[str, float | None] = field(default_factory=lambda: dict(DEFAULT_MAX_HITS_PER_1K))
    min_hits: int = 2  # and at least this many hits: one word never decides, however short the text
    extra_lexicons: dict[str, str] = field(default_factory=dict)  # category -> path of a user word list
    default_lexicons: bool = True  # False: only the user lists

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"sensitive.action must be one of {ACTIONS}, got {self.action!r}")
        for name in ("max_hits_per_1k", "extra_lexicons"):
            unknown = sorted(set(getattr(self, name)) - set(CATEGORIES))
            if unknown:
                raise ValueError(f"sensitive.{name}: unknown categories {unknown}; known: {list(CATEGORIES)}")
        object.__setattr__(self, "max_hits_per_1k", {**DEFAULT_MAX_HITS_PER_1K, **self.max_hits_per_1k})
        if self.min_hits < 1:
            raise ValueError(f"sensitive.min_hits must be >= 1, got {self.min_hits}")


def read_lexicon(path: str | Path) -> list[str]:
    """Terms of a word list: one a line, `#` starts a comment, blank lines skipped, in file order."""
    terms = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            term = " ".join(line.split("#", 1)[0].split())
            if term:
                terms.append(term)
    return terms


def ascii_lower(text: str) -> str:
    """`text` with A-Z lowered and its length kept, so positions carry over. Other letters may be
    lowered too (Ä), which matches the same terms: only İ and K (Kelvin) lower into ASCII."""
    lowered = text.lower()  # ten times faster than str.translate
    if len(lowered) != len(text) or "\u212a" in text:
        return text.translate(_ASCII_LOWER)
    return lowered


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalpha()


class SensitiveMatcher:
    """Counts lexicon hits per category; build once per worker (the automaton pickles)."""

    def __init__(self, cfg: SensitiveConfig = SensitiveConfig()) -> None:
        try:
            import ahocorasick
        except ImportError as exc:
            raise ImportError("sensitive matching needs `pyahocorasick`: pip install pyahocorasick") from exc
        self.cfg = cfg
        cats: dict[str, set[str]] = {}  # normalized term -> categories
        for category in CATEGORIES:
            paths = [LEXICON_DIR / f"{category}.txt"] if cfg.default_lexicons else []
            if category in cfg.extra_lexicons:
                paths.append(Path(cfg.extra_lexicons[category]))
            for path in paths:
                for term in read_lexicon(path):
                    cats.setdefault(ascii_lower(term), set()).add(category)
        # normalized term -> its categories in CATEGORIES order
        self.terms = {t: tuple(c for c in CATEGORIES if c in cs) for t, cs in cats.items()}
        self.n_terms = len(self.terms)
        self._automaton: Any = ahocorasick.Automaton()
        for term, term_cats in self.terms.items():
            self._automaton.add_word(term, (len(term), term.isascii(), term_cats))  # English when ASCII
        if cats:
            self._automaton.make_automaton()

    def spans(self, text: str, lang: str) -> list[tuple[int, int, str]]:
        """(start, end, category) of every counted hit, sorted; overlaps resolved per category."""
        if lang not in LANGS:
            raise ValueError(f"sensitive lexicons are for {LANGS}, got lang={lang!r}")
        if not self.n_terms or not text:
            return []
        lowered = ascii_lower(text)
        english_only = lang == "en"
        found: dict[str, list[tuple[int, int]]] = {}
        n = len(text)
        for last, (length, is_ascii, term_cats) in self._automaton.iter(lowered):
            start, end = last - length + 1, last + 1
            if is_ascii:
                if (start > 0 and _is_word_char(text[start - 1])) or (end < n and _is_word_char(text[end])):
                    continue
            elif english_only:
                continue
            for c in term_cats:
                found.setdefault(c, []).append((start, end))
        return resolve_overlaps(found)

    def hits(self, text: str, lang: str) -> dict[str, int]:
        """Hits per category (only categories with hits), in CATEGORIES order."""
        counts: dict[str, int] = {}
        for _, _, c in self.spans(text, lang):
            counts[c] = counts.get(c, 0) + 1
        return {c: counts[c] for c in CATEGORIES if c in counts}


def resolve_overlaps(found: dict[str, list[tuple[int, int]]]) -> list[tuple[int, int, str]]:
    """Per category, leftmost-longest non-overlapping spans; all of them as (start, end, category), sorted."""
    out = []
    for c, spans in found.items():
        spans.sort(key=lambda s: (s[0], -s[1]))  # leftmost, then longest
        taken_end = -1
        for s, e in spans:
            if s >= taken_end:
                out.append((s, e, c))
                taken_end = e
    out.sort()
    return out


def rates_per_1k(hits: dict[str, int], n_chars: int) -> dict[str, float]:
    """Hits per 1,000 characters for each category in `hits` (0.0 for an empty text)."""
    return {c: (1000.0 * k / n_chars if n_chars else 0.0) for c, k in hits.items()}


_DEFAULT = SensitiveConfig()


def over_threshold(hits: dict[str, int], n_chars: int, cfg: SensitiveConfig = _DEFAULT) -> tuple[str, ...]:
    """Categories (CATEGORIES order) with at least `min_hits` and a rate above their threshold."""
    rates = rates_per_1k(hits, n_chars)
    return tuple(
        c
        for c in CATEGORIES
        if hits.get(c, 0) >= cfg.min_hits
        and cfg.max_hits_per_1k.get(c) is not None
        and rates[c] > cfg.max_hits_per_1k[c]  # type: ignore[operator]
    )
