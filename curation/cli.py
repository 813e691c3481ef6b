"""The `corpusloop` command line: one sub-command per job, each forwarding its arguments to the job."""

from __future__ import annotations

import sys
from collections.abc import Callable

USAGE = """corpusloop COMMAND [ARGS]

commands:
  corpus run ARGS    clean a corpus (python -m pipelines.corpus; --help for its options)
  dedup ARGS         exact, boilerplate and MinHash near-duplicate removal (python -m pipelines.dedup)
  tokenizer train    train the bilingual BPE tokenizer (python -m training.tokenizer)
  report ARGS        data-mix report of a run: HTML, JSON, Markdown (python -m pipelines.report)
  mix ARGS           sample a kept corpus to target shares under a token budget (python -m pipelines.mix)
  quality ARGS       model-based quality classifier: train | eval | score (python -m pipelines.quality_model)
  sft ARGS           SFT curation: convert | filter | dedup | analyze | rebalance (python -m curation.sft)
  classify ARGS      instruction-category classifier: train | eval | predict (python -m curation.classify)
  label ARGS         Label Studio projects of the six task kinds: init | push | pull | status
  train ARGS         fine-tune the compact decoder on SFT data (python -m training.train)
  evaluate ARGS      per-category evaluation of a checkpoint (python -m training.evaluate)
  loop ARGS          the data-iteration loop: step | report (python -m curation.loop)
"""


def _corpus(argv: list[str]) -> int:
    if not argv or argv[0] != "run":
        print("usage: corpusloop corpus run --input GLOB --source KIND --output DIR [...]", file=sys.stderr)
        return 2
    from pipelines import corpus

    return corpus.main(argv[1:])


def _dedup(argv: list[str]) -> int:
    from pipelines import dedup

    return dedup.main(argv)


def _tokenizer(argv: list[str]) -> int:
    from training import tokenizer

    return tokenizer.main(argv)


def _report(argv: list[str]) -> int:
    from pipelines import report

    return report.main(argv)


def _mix(argv: list[str]) -> int:
    from pipelines import mix

    return mix.main(argv)


def _module(name: str) -> Callable[[list[str]], int]:
    """A command that imports `name` only when run and calls its `main(argv)`."""

    def run(argv: list[str]) -> int:
        import importlib

        return importlib.import_module(name).main(argv)

    return run


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "corpus": _corpus, "dedup": _dedup, "tokenizer": _tokenizer, "report": _report, "mix": _mix,
    "quality": _module("pipelines.quality_model"),
    "sft": _module("curation.sft.cli"),
    "classify": _module("curation.classify"),
    "label": _module("curation.labeling.cli"),
    "train": _module("training.train"),
    "evaluate": _module("training.evaluate"),
    "loop": _module("curation.loop"),
}


def main(argv: list[str] | None = None) -> int:
    """Dispatch `corpusloop COMMAND ...` to the job's own argument parser."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    command = COMMANDS.get(argv[0])
    if command is None:
        print(f"unknown command {argv[0]!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    return command(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
