"""Shared fixtures."""

from __future__ import annotations

import pytest

from tests.chromium import ensure_chromium


@pytest.fixture(scope="session")
def chromium_binary() -> str:
    """Debian's headless Chromium: found on PATH, else installed with apt-get (root); else the test skips."""
    path, why = ensure_chromium()
    if path is None:
        pytest.skip(f"headless Chromium unavailable: {why}")
    return path
