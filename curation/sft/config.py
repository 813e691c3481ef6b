"""The SFT jobs' config (configs/sft.yaml): `filter:`, `dedup:` and `rebalance:` sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from curation.sft.dedup import SFTDedupConfig
from curation.sft.filters import FilterConfig
from curation.sft.rebalance import RebalanceConfig
from pipelines.config import load_config


@dataclass(frozen=True)
class SFTConfig:
    filter: FilterConfig = field(default_factory=FilterConfig)
    dedup: SFTDedupConfig = field(default_factory=SFTDedupConfig)
    rebalance: RebalanceConfig = field(default_factory=RebalanceConfig)


def load_sft_config(path: str | Path | None = None) -> SFTConfig:
    """configs/sft.yaml (or `path`); a misspelled key is an error."""
    return load_config(SFTConfig, path, "sft.yaml")
