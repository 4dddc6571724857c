"""`python -m app check-authentik` and `reconcile-groups`: what they print and their exit codes
(0 ok, 1 problems found, 2 not configured / unreachable / token refused)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import cli
from app.services import connections
from app.services.authentik_setup import provision
from app.utils.authentik import AuthentikClient
from app.utils.config import get_settings
from tests.support.authentik_fake import FAKE_BASE_URL, AuthentikFake
from tests.support.streamlit_server import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh(db, monkeypatch: pytest.MonkeyPatch, authentik_schema) -> Iterator[AuthentikFake]:
    fake = AuthentikFake(schema=authentik_schema, install="fresh")
    client = AuthentikClient(FAKE_BASE_URL, fake.token, transport=fake.transport, retries=0)
    monkeypatch.setenv("AUTHENTIK_URL", FAKE_BASE_URL)
    monkeypatch.setenv("AUTHENTIK_TOKEN", fake.token)
    get_settings.cache_clear()
    connections.override("authentik", client)
    yield fake
    connections.override("authentik", None)
    fake.assert_no_violations()


def test_check_exits_1_on_a_fresh_install_then_0_once_the_flows_exist(
    fresh: AuthentikFake, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["check-authentik"]) == 1
    out = capsys.readouterr().out
    assert "[problem] Invite links:" in out and "ak_is_sso_flow" in out
    assert "[problem] Recovery links: Brand 'authentik-default' has no recovery flow" in out
    assert "    fix: Use 'Create the flows for me'" in out
    assert "[warning] API token's account" in out
    assert out.rstrip().endswith("warning(s).")
    provision.apply(actor="admin")
    assert cli.main(["check-authentik"]) == 0
    assert "0 problem(s), 1 warning(s)." in capsys.readouterr().out  # akadmin is a person's


def test_check_exits_2_when_the_token_is_refused(
    fresh: AuthentikFake, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh.admin.is_active = False  # the token's owner deactivated: the token is dead
    assert cli.main(["check-authentik"]) == 2
    assert "rejected the API token" in capsys.readouterr().err


def test_check_exits_2_when_unreachable(
    db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTHENTIK_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AUTHENTIK_TOKEN", "some-token")
    monkeypatch.setenv("AUTHENTIK_TIMEOUT_SECONDS", "2")
    get_settings.cache_clear()
    assert cli.main(["check-authentik"]) == 2
    assert "could not be reached" in capsys.readouterr().err


def test_check_exits_2_when_not_configured_from_a_shell(tmp_path: Path) -> None:
    env = {**os.environ, "DASHBOARD_ENV_FILE": "",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"}
    env = {k: v for k, v in env.items() if not k.startswith("AUTHENTIK_")}
    done = subprocess.run([sys.executable, "-m", "app", "check-authentik"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "Authentik is not configured: set AUTHENTIK_URL, AUTHENTIK_TOKEN" in done.stderr


def test_reconcile_groups_adds_invitees_to_their_groups(
    fresh: AuthentikFake, capsys: pytest.CaptureFixture[str]
) -> None:
    team = fresh.add_group("team")
    user = fresh.add_user("new.member", attributes={"invitation": {"groups": ["team", "gone"]}})
    assert cli.main(["reconcile-groups"]) == 0
    out = capsys.readouterr().out
    assert "new.member: added to team; waiting for missing group(s) gone" in out
    assert team.members == {user.pk}
