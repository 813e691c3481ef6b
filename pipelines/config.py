"""Frozen dataclass configs loaded from YAML: unknown keys raise, nested sections become dataclasses."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, TypeVar

import yaml

from compliance.config import ConfigError, from_dict, read_yaml

T = TypeVar("T")


def from_mapping(cls: type[T], data: dict[str, Any] | None, where: str = "") -> T:
    """Build dataclass `cls` from a mapping; a misspelled key is a ConfigError, not a silent default."""
    return from_dict(cls, data, where, ConfigError)


def to_mapping(obj: Any) -> Any:
    """Plain dicts/lists of a (nested) dataclass config, for saving beside outputs."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_mapping(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [to_mapping(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_mapping(v) for k, v in obj.items()}
    return obj


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping; an empty file is an empty mapping."""
    return read_yaml(path, ConfigError)


def dump_yaml(obj: Any) -> str:
    """YAML text of a config, keys in field order, Unicode kept."""
    return yaml.safe_dump(to_mapping(obj), sort_keys=False, allow_unicode=True)


def configs_dir() -> Path:
    """The folder of default configs: the repo's `configs/`, or the copy installed beside the package."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "configs", here / "configs"):
        if candidate.is_dir():
            return candidate
    raise ConfigError(f"no configs/ folder next to {here}")


def load_config(cls: type[T], path: str | Path | None, default_name: str) -> T:
    """Dataclass `cls` from the YAML file `path`, else `configs/<default_name>`; a misspelled key raises."""
    path = Path(path) if path else configs_dir() / default_name
    return from_mapping(cls, load_yaml(path), str(path))
