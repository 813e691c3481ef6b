"""Mapping → frozen dataclass for configs: unknown keys raise, nested sections become dataclasses,
lists become tuples. The bottom floor's copy: `pipelines.config` builds its loaders on these."""

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


class PolicyError(ConfigError):
    """A compliance policy file or mapping that does not fit its dataclass."""


def from_dict(
    cls: type[T], data: dict[str, Any] | None, where: str = "", error: type[ConfigError] = PolicyError
) -> T:
    """Build dataclass `cls` from a mapping; a misspelled key is an `error` naming it."""
    where = where or cls.__name__
    if data is not None and not isinstance(data, dict):
        raise error(f"{where}: expected a mapping, got {type(data).__name__}")
    data = dict(data or {})
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise error(f"{where}: unknown key(s) {unknown}; known: {sorted(names)}")
    kwargs = {name: _coerce(hints[name], value, f"{where}.{name}", error) for name, value in data.items()}
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise error(f"{where}: {exc}") from exc


def _coerce(tp: Any, value: Any, where: str, error: type[ConfigError]) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if isinstance(value, dict):
            return from_dict(tp, value, where, error)  # type: ignore[arg-type]
        if isinstance(value, tp):  # type: ignore[arg-type]
            return value
        raise error(f"{where}: expected a mapping, got {type(value).__name__}")
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if dataclasses.is_dataclass(arg) and isinstance(value, dict):
                return from_dict(arg, value, where, error)  # type: ignore[arg-type]
        return value
    if origin is tuple and isinstance(value, list | tuple):
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        return tuple(_coerce(inner, v, f"{where}[{i}]", error) for i, v in enumerate(value))
    if origin is dict and isinstance(value, dict):
        args = typing.get_args(tp)
        inner = args[1] if len(args) == 2 else Any
        return {k: _coerce(inner, v, f"{where}.{k}", error) for k, v in value.items()}
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def read_yaml(path: str | Path, error: type[ConfigError] = PolicyError) -> dict[str, Any]:
    """A YAML mapping (an empty file is an empty mapping)."""
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{path}: top level must be a mapping, got {type(data).__name__}")
    return data


def resolve(path: str | None, base: Path) -> str | None:
    """`path` made absolute against `base` (the folder of the file that names it)."""
    if path is None:
        return None
    p = Path(path).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())
