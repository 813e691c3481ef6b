"""Frozen dataclass configs loaded from YAML: unknown keys raise, nested sections become dataclasses."""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or mapping that does not fit its dataclass."""


def from_mapping(cls: type[T], data: dict[str, Any] | None, where: str = "") -> T:
    """Build dataclass `cls` from a mapping; a misspelled key is an error, not a silent default."""
    data = dict(data or {})
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where or cls.__name__}: unknown key(s) {unknown}; known: {sorted(fields)}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        kwargs[name] = _coerce(hints[name], value, f"{where or cls.__name__}.{name}")
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(value, dict):
        return from_mapping(tp, value, where)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if dataclasses.is_dataclass(arg) and isinstance(value, dict):
                return from_mapping(arg, value, where)
        return value
    if origin is tuple and isinstance(value, list):
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        return tuple(_coerce(inner, v, where) for v in value)
    if origin is dict and isinstance(value, dict):
        args = typing.get_args(tp)
        inner = args[1] if len(args) == 2 else Any
        return {k: _coerce(inner, v, f"{where}.{k}") for k, v in value.items()}
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


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
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    return data


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
