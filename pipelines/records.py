"""The corpus document record and the error record that every pipeline stage passes along."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


def stable_id(source: str, locator: str) -> str:
    """Stable 16-hex-digit id from the source kind and the record's locator."""
    return hashlib.sha1(f"{source}\0{locator}".encode()).hexdigest()[:16]


_OPTIONAL_FIELDS = ("cluster_id", "cluster_size", "drop", "duplicate_of")  # omitted from JSON when None


@dataclass
class Doc:
    """One corpus document (DESIGN.md "Records").

    `html` carries the decoded page between the reader and the extract stage; it is never
    written out. `locator` says where the record came from (`path#offset`, `path:line`, ...).
    Deduplication sets `cluster_id` (smallest id in the duplicate cluster) and `cluster_size`
    (input documents in it) on kept documents, and `duplicate_of` (the kept survivor's id) on
    dropped ones; like `drop`, they are written only when set.
    """

    id: str
    text: str
    source: str
    locator: str
    url: str | None = None
    domain: str | None = None
    ip: str | None = None
    country: str | None = None
    lang: str | None = None
    lang_score: float | None = None
    license: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    signals: dict[str, float] = field(default_factory=dict)
    cluster_id: str | None = None
    cluster_size: int | None = None
    drop: str | None = None
    duplicate_of: str | None = None
    html: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record as written to disk: `html` left out; `drop` and the dedup fields only when set."""
        d = dataclasses.asdict(self)
        del d["html"]
        for name in _OPTIONAL_FIELDS:
            if d[name] is None:
                del d[name]
        return d

    def to_json(self) -> str:
        """One JSON line, keys in a fixed order, non-ASCII kept as is (`to_dict` without its deep copy)."""
        d = {name: getattr(self, name) for name in _WRITTEN_FIELDS}
        for name in _OPTIONAL_FIELDS:
            if d[name] is None:
                del d[name]
        return json.dumps(d, ensure_ascii=False, separators=(",", ":"))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled as the class and a tuple of field values, not a dict with every field name: Beam
        # pickles each Doc at every shuffle, and this is ~2-3x faster and smaller.
        return Doc, tuple(getattr(self, name) for name in _ALL_FIELDS)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Doc:
        """Inverse of `to_dict`; unknown keys go into `meta` so nothing is lost."""
        names = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in d.items() if k in names}
        extra = {k: v for k, v in d.items() if k not in names}
        doc = cls(**known)
        if extra:
            doc.meta = {**doc.meta, **extra}
        return doc


_ALL_FIELDS = tuple(f.name for f in dataclasses.fields(Doc))  # __init__'s positional order
_WRITTEN_FIELDS = tuple(name for name in _ALL_FIELDS if name != "html")


@dataclass(frozen=True)
class ErrorRecord:
    """A record that could not be processed: where it was, which stage failed, and why."""

    locator: str
    stage: str
    reason: str
    detail: str = ""
    source: str | None = None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, separators=(",", ":"))
