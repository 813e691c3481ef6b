"""A real Label Studio server for the labeling tests: one per session, an admin and a second annotator.

If .venv-labelstudio is missing it is built (`make labelstudio` does it ahead); if that or the
server fails, the tests fail with the reason: they never skip. Set CORPUSLOOP_LABELSTUDIO_URL and
CORPUSLOOP_LABELSTUDIO_TOKENS (admin,annotator) to run them against a server started by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from curation.labeling.client import ServerSettings
from tests.services.labelstudio import LabelStudioServer, LabelStudioUnavailable

DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Server:
    """What a test needs: the URL, the admin's and a second annotator's tokens, and the process (or None)."""

    url: str
    admin_token: str
    annotator_token: str
    process: LabelStudioServer | None

    def settings(self, token: str | None = None, **kw: object) -> ServerSettings:
        return ServerSettings.load(
            env={"LABEL_STUDIO_URL": self.url, "LABEL_STUDIO_API_KEY": token or self.admin_token}, **kw
        )


@pytest.fixture(scope="session")
def labelstudio() -> Iterator[Server]:
    """The session's Label Studio: started on 127.0.0.1 with a throwaway data dir, stopped at the end."""
    url = os.environ.get("CORPUSLOOP_LABELSTUDIO_URL")
    if url:
        admin, annotator = os.environ["CORPUSLOOP_LABELSTUDIO_TOKENS"].split(",")
        yield Server(url, admin, annotator, None)
        return
    try:
        proc = LabelStudioServer().start()
        second = proc.add_user("annotator2")
    except LabelStudioUnavailable as exc:
        pytest.fail(f"Label Studio test server unavailable (run `make labelstudio`): {exc}", pytrace=False)
    try:
        yield Server(proc.url, proc.admin.token, second.token, proc)
    finally:
        proc.cleanup()
