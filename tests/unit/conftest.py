"""Unit tests hash passwords at argon2's lowest cost; the test of the production hasher itself
is marked `production_hashing` and keeps the real parameters."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("production_hashing") is None:
        request.getfixturevalue("fast_hasher")
