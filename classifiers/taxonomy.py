"""The instruction-category taxonomy of `configs/taxonomy.yaml`: ids, names, FlagEval abilities, label maps.

`load_taxonomy()` reads the repo's (or the installed copy's) `configs/taxonomy.yaml`;
`Taxonomy.map_label(source, label)` turns a source data set's label (BELLE `class`, InstructionWild
`instruction_type`) into a category id (None: the label has no category here), and
`Taxonomy.coarse(category)` folds a finer category into its `parent` (translation → rewrite).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REQUIRED_IDS = (
    "open_qa", "closed_qa", "brainstorming", "rewrite", "generation",
    "math", "classification", "summarization", "code", "extract",
)
_SPACES = re.compile(r"[\s\u00a0\u3000]+")


class TaxonomyError(ValueError):
    """A taxonomy file that is malformed, or a label a label map does not know."""


def normalize_label(label: str) -> str:
    """A source label as label maps key it: non-breaking/ideographic spaces folded, trimmed, lower case."""
    return _SPACES.sub(" ", str(label)).strip().lower()


@dataclass(frozen=True)
class Category:
    id: str
    zh: str
    en: str
    definition: str
    flageval: str
    parent: str | None = None


@dataclass(frozen=True)
class RefineRule:
    """Source items labelled `source` whose first `head_chars` characters match `pattern` become `target`."""

    source: str
    target: str
    pattern: str
    head_chars: int = 30

    def applies(self, category: str, text: str) -> bool:
        return category == self.source and re.search(self.pattern, text[: self.head_chars], re.I) is not None


@dataclass(frozen=True)
class Taxonomy:
    categories: dict[str, Category]
    abilities: dict[str, dict[str, str]]
    label_maps: dict[str, dict[str, str | None]]  # source → normalized label → category id or None
    refine: dict[str, tuple[RefineRule, ...]] = field(default_factory=dict)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.categories)

    def map_label(self, source: str, label: str) -> str | None:
        """Category id of a source label; raises TaxonomyError for a source or label not in the map."""
        if source not in self.label_maps:
            raise TaxonomyError(f"no label map {source!r}; known: {sorted(self.label_maps)}")
        key = normalize_label(label)
        if key not in self.label_maps[source]:
            raise TaxonomyError(f"label {label!r} not in label map {source!r}")
        return self.label_maps[source][key]

    def refine_label(self, source: str, category: str, text: str) -> str:
        """`category` after the source's refine rules (e.g. BELLE rewrite → translation)."""
        for rule in self.refine.get(source, ()):
            if rule.applies(category, text):
                return rule.target
        return category

    def coarse(self, category: str) -> str:
        """The category with finer ones folded into their parent (translation → rewrite)."""
        cat = self.categories.get(category)
        return cat.parent if cat is not None and cat.parent else category


def default_taxonomy_path() -> Path:
    """`configs/taxonomy.yaml` beside the package (repo checkout) or inside it (installed copy)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "configs" / "taxonomy.yaml", here / "configs" / "taxonomy.yaml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no configs/taxonomy.yaml next to {here}")


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and check a taxonomy file (default: `configs/taxonomy.yaml`)."""
    path = Path(path) if path else default_taxonomy_path()
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    return parse_taxonomy(data, str(path))


def parse_taxonomy(data: dict[str, Any], where: str = "taxonomy") -> Taxonomy:
    """A Taxonomy from the parsed YAML mapping; every reference is checked."""
    unknown = sorted(set(data) - {"flageval_abilities", "categories", "label_maps", "refine"})
    if unknown:
        raise TaxonomyError(f"{where}: unknown key(s) {unknown}")
    abilities = {str(k): dict(v) for k, v in (data.get("flageval_abilities") or {}).items()}
    cats: dict[str, Category] = {}
    for cid, spec in (data.get("categories") or {}).items():
        spec = dict(spec or {})
        extra = sorted(set(spec) - {"zh", "en", "definition", "flageval", "parent"})
        missing = sorted({"zh", "en", "definition", "flageval"} - set(spec))
        if extra or missing:
            raise TaxonomyError(f"{where}: category {cid!r}: unknown keys {extra}, missing keys {missing}")
        if spec["flageval"] not in abilities:
            raise TaxonomyError(f"{where}: category {cid!r}: unknown FlagEval ability {spec['flageval']!r}")
        values = {k: (str(v) if v is not None else None) for k, v in spec.items()}
        cats[str(cid)] = Category(id=str(cid), **values)
    missing_ids = [c for c in REQUIRED_IDS if c not in cats]
    if missing_ids:
        raise TaxonomyError(f"{where}: required categories missing: {missing_ids}")
    for cat in cats.values():
        if cat.parent is not None and cat.parent not in cats:
            raise TaxonomyError(f"{where}: category {cat.id!r}: unknown parent {cat.parent!r}")
    maps: dict[str, dict[str, str | None]] = {}
    for source, mapping in (data.get("label_maps") or {}).items():
        maps[str(source)] = {}
        for label, cid in (mapping or {}).items():
            if cid is not None and cid not in cats:
                raise TaxonomyError(f"{where}: label map {source!r}: {label!r} → unknown category {cid!r}")
            maps[str(source)][normalize_label(label)] = cid
    refine: dict[str, tuple[RefineRule, ...]] = {}
    for source, rules in (data.get("refine") or {}).items():
        parsed = []
        for r in rules or []:
            rule = RefineRule(source=r["from"], target=r["to"], pattern=r["pattern"],
                              head_chars=int(r.get("head_chars", 30)))
            if rule.source not in cats or rule.target not in cats:
                raise TaxonomyError(f"{where}: refine {source!r}: unknown category in {r}")
            parsed.append(rule)
        refine[str(source)] = tuple(parsed)
    return Taxonomy(categories=cats, abilities=abilities, label_maps=maps, refine=refine)
