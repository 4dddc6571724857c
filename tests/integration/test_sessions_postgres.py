"""Sessions live in the database: one process's login validates in another process."""

import json
import os
import subprocess
import sys

import pytest

from app.auth.login import log_in
from app.auth.sessions import revoke_session
from app.services.accounts import create_account

VALIDATE = """
import json, sys
from app.auth.sessions import validate_session
identity = validate_session(sys.argv[1])
print(json.dumps(identity and {"username": identity.username, "role": identity.role}))
"""


def validate_in_another_process(token: str, database_url: str) -> dict | None:
    env = {**os.environ, "DATABASE_URL": database_url, "DASHBOARD_ENV_FILE": ""}
    done = subprocess.run(
        [sys.executable, "-c", VALIDATE, token],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.postgres
def test_session_created_here_validates_in_a_second_process(pg_db):
    create_account(actor="t", username="carol", password="a long enough password", role="admin")
    token, _ = log_in("carol", "a long enough password")
    assert validate_in_another_process(token, pg_db) == {"username": "carol", "role": "admin"}
    revoke_session(token)
    assert validate_in_another_process(token, pg_db) is None
