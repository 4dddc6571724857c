"""Cookie tickets on PostgreSQL: a ticket issued by one process is redeemed once by another."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.auth import cookie_tickets
from app.auth.tokens import new_token

BROWSER = "binding-cookie-of-the-browser-that-logged-in"
REDEEM = """
import sys
from app.auth.cookie_tickets import redeem
redeemed = redeem(sys.argv[1], purpose="set", binding=sys.argv[2])
print(redeemed.token if redeemed else "refused")
"""


def redeem_in_another_process(ticket: str, database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "DASHBOARD_ENV_FILE": ""}
    done = subprocess.run(
        [sys.executable, "-c", REDEEM, ticket, BROWSER],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.postgres
def test_another_replica_redeems_the_ticket_once(pg_db):
    token = new_token()
    ticket = cookie_tickets.issue("set", binding=BROWSER, token=token)
    assert redeem_in_another_process(ticket, pg_db) == token
    assert redeem_in_another_process(ticket, pg_db) == "refused"


@pytest.mark.postgres
def test_concurrent_redemptions_of_one_ticket_have_one_winner(pg_db):
    token = new_token()
    ticket = cookie_tickets.issue("set", binding=BROWSER, token=token)

    def redeem(_: int) -> cookie_tickets.Redeemed | None:
        return cookie_tickets.redeem(ticket, purpose="set", binding=BROWSER)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(redeem, range(8)))
    assert [r.token for r in results if r is not None] == [token]
