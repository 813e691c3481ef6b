"""What every job shares, without Beam: the accounting check and the command-line entry point.

Beam-free so that the one-process SFT jobs use the same check and exit codes without importing Beam.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any


class AccountingError(RuntimeError):
    """read != kept + dropped + errors: a record was lost or counted twice."""


def check_accounting(stats: dict[str, Any]) -> None:
    """Raise AccountingError unless read = kept + dropped + errors."""
    if not stats["accounted"]:
        raise AccountingError(
            f"read={stats['read']} but kept + dropped + errors = "
            f"{stats['kept'] + stats['dropped'] + stats['errors']}"
        )


def job_main(
    run_job: Callable[[list[str] | None], Any], argv: list[str] | None, logger: logging.Logger
) -> int:
    """Entry point shared by the jobs: quiet Beam start-up logs, run; bad input is one line and exit 1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logger.setLevel(logging.INFO)
    # The local job service relays every worker's start-up warnings; they say nothing about the data.
    logging.getLogger("apache_beam.runners.portability.local_job_service").setLevel(logging.ERROR)
    try:
        run_job(argv)
    except (FileNotFoundError, AccountingError, ValueError) as exc:  # ConfigError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
