"""The JSON file beside a saved classifier: its format version, params and what else it needs to load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_meta(directory: Path, name: str, meta: dict[str, Any]) -> None:
    """Write `meta` as `directory/name` (indented JSON, Unicode kept)."""
    (directory / name).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read_meta(directory: Path, name: str, fmt: int, kind: str) -> dict[str, Any]:
    """`directory/name` of a `kind` model saved in format `fmt`; no file raises FileNotFoundError,
    another format ValueError."""
    path = directory / name
    if not path.is_file():
        raise FileNotFoundError(f"not a {kind} model folder (no {name}): {directory}")
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("format") != fmt:
        raise ValueError(f"{path}: model format {meta.get('format')!r}, this code reads {fmt}")
    return meta
