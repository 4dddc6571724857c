"""Fixtures for end-to-end journeys: the schema-checked Authentik fake over HTTP and a fresh
bot on the shared real Synapse, both configured through the environment as in production.

Import into a test module: `from tests.support.journey_env import journey_env, welcome_room`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from app.services import connections
from app.utils.config import get_settings
from tests.support.authentik_fake import AuthentikFake
from tests.support.synapse import SynapseServer, TestUser, free_port

DM_DELAY = "0.5"


@dataclass
class JourneyEnv:
    synapse: SynapseServer
    bot: TestUser
    authentik: AuthentikFake
    welcome_room: str
    monkeypatch: pytest.MonkeyPatch

    def room(
        self, name: str, *, power_overrides: dict | None = None, owner: TestUser | None = None
    ) -> str:
        """A room the bot is in (owned by the bot unless `owner` is given)."""
        if owner is None:
            return self.synapse.create_room(self.bot, name=name, power_overrides=power_overrides)
        room = self.synapse.create_room(owner, name=name, power_overrides=power_overrides)
        self.synapse.add_member(owner, room, self.bot)
        return room

    def member(self, *, in_welcome_room: bool = True) -> TestUser:
        user = self.synapse.register()
        if in_welcome_room:
            self.synapse.add_member(self.bot, self.welcome_room, user)
        return user

    def homeserver_down(self) -> None:
        self._matrix_url(f"http://127.0.0.1:{free_port()}")

    def homeserver_up(self) -> None:
        self._matrix_url(self.synapse.url)

    def _matrix_url(self, url: str) -> None:
        self.monkeypatch.setenv("MATRIX_HOMESERVER_URL", url)
        get_settings.cache_clear()  # connections rebuilds the client for the new settings


@pytest.fixture
def journey_env(
    db: str,
    synapse: SynapseServer,
    authentik_fake: AuthentikFake,
    authentik_env: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[JourneyEnv]:
    bot = synapse.register(admin=True)
    welcome = synapse.create_room(bot, name="Welcome")
    for name, value in {
        "MATRIX_HOMESERVER_URL": synapse.url,
        "MATRIX_ACCESS_TOKEN": bot.access_token,
        "MATRIX_BOT_USER_ID": bot.user_id,
        "MATRIX_WELCOME_ROOM_ID": welcome,
        "MATRIX_TIMEOUT_SECONDS": "3",
        "MATRIX_MAX_THROTTLE_WAIT_SECONDS": "2",
        "WELCOME_DM_DELAY_SECONDS": DM_DELAY,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield JourneyEnv(synapse, bot, authentik_fake, welcome, monkeypatch)
    connections.close_all()
