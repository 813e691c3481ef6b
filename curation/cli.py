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


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "corpus": _corpus, "dedup": _dedup, "tokenizer": _tokenizer, "report": _report, "mix": _mix,
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
