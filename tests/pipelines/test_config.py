from dataclasses import dataclass, field

import pytest

from pipelines.config import ConfigError, dump_yaml, from_mapping, load_yaml
from pipelines.stages import CorpusConfig, LangIdConfig, OutputConfig, load_corpus_config


@dataclass(frozen=True)
class Inner:
    threshold: float = 0.5
    langs: tuple[str, ...] = ("zh",)


@dataclass(frozen=True)
class Outer:
    name: str = "x"
    inner: Inner = field(default_factory=Inner)
    per_lang: dict[str, float] = field(default_factory=dict)


def test_from_mapping_builds_nested_and_coerces() -> None:
    cfg = from_mapping(Outer, {"inner": {"threshold": 1, "langs": ["zh", "en"]}, "per_lang": {"zh": 2}})
    assert cfg == Outer(inner=Inner(threshold=1.0, langs=("zh", "en")), per_lang={"zh": 2})
    assert isinstance(cfg.inner.threshold, float)


def test_misspelled_key_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"Outer.inner: unknown key\(s\) \['treshold'\]"):
        from_mapping(Outer, {"inner": {"treshold": 0.3}})


def test_default_corpus_config_matches_dataclass_defaults() -> None:
    cfg = load_corpus_config()
    assert cfg.langid == LangIdConfig()
    assert cfg.output == OutputConfig()
    assert cfg == CorpusConfig()


def test_corpus_config_round_trips_through_yaml(tmp_path) -> None:
    cfg = load_corpus_config()
    path = tmp_path / "config.yaml"
    path.write_text(dump_yaml(cfg), encoding="utf-8")
    assert load_corpus_config(path) == cfg


def test_bad_output_format_is_rejected(tmp_path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("output:\n  format: csv\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="jsonl' or 'parquet"):
        load_corpus_config(path)


def test_non_mapping_yaml_is_rejected(tmp_path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_yaml(path)
