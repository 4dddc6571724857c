"""Password fixtures (registered in tests/conftest.py).

- `fast_hasher`: argon2id at its lowest cost for tests that check many passwords; production
  parameters stay as they are.
- `verify_calls`: counts the password checks `log_in` evaluates (thread-safe).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher, Type

from app.auth import login, passwords


@pytest.fixture
def fast_hasher(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    hasher = PasswordHasher(type=Type.ID, time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    dummy = hasher.hash("not-a-real-password")
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: dummy)
    return hasher


class CallCounter:
    def __init__(self, wrapped: Callable[[str | None, str], bool]) -> None:
        self._wrapped = wrapped
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, password_hash: str | None, password: str) -> bool:
        with self._lock:
            self.count += 1
        return self._wrapped(password_hash, password)


@pytest.fixture
def verify_calls(monkeypatch: pytest.MonkeyPatch) -> CallCounter:
    counter = CallCounter(login.verify_password)
    monkeypatch.setattr(login, "verify_password", counter)
    return counter
