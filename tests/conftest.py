"""Fixtures shared by the contract and cluster tiers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .faketemps import FakeTemps

# A sentinel: the tests look for it everywhere it must not appear (status, Events, logs, /metrics).
TEMPS_TOKEN = "tk_SENTINEL_TOKEN_5f2a9c"


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeTemps]:
    """A fake Temps server (a real one cannot run here) that validates every call against the OpenAPI document."""
    with FakeTemps(token=TEMPS_TOKEN) as fake:
        yield fake
