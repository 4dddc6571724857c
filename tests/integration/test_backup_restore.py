"""A PostgreSQL backup restored with the commands docs/SELF_HOSTING.md gives, run as written:
every table (the durable engine's too) is as it was at the dump, the admin logs in again, and
what happened after the dump is gone."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy.engine import make_url

from app.auth.login import LoginRefused, log_in
from app.auth.sessions import validate_session
from app.db import migrate
from app.db.engine import dispose_all
from app.services import engine, rooms
from app.services.accounts import create_account
from app.utils.enums import Role

pytestmark = pytest.mark.postgres

DOC = Path(__file__).resolve().parents[2] / "docs" / "SELF_HOSTING.md"
PASSWORD = "the admin's long password"


def documented_commands() -> tuple[list[str], list[str]]:
    """(backup, restore): the commands of the block the doc marks as run by this test, without
    its comments and example variable settings (the test sets those)."""
    block = DOC.read_text().split(Path(__file__).name, 1)[1]
    block = block.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines()
                if line.strip() and not line.startswith("#") and not re.match(r"[A-Z_]+=", line)]
    backup = [c for c in commands if c.startswith("pg_dump")]
    assert backup and len(commands) > len(backup), block
    return backup, commands[len(backup):]


def run(command: str, env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(["bash", "-c", command], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"


def table_counts(url: str) -> dict[str, int]:
    """Rows in every table of the app's schema and the engine's."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_schema IN ('public', 'dbos') AND table_type = 'BASE TABLE'")
        counts = {}
        for schema, table in cur.fetchall():
            cur.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)))
            counts[f"{schema}.{table}"] = cur.fetchone()[0]
    conn.close()
    return counts


def test_a_documented_dump_restores_into_a_recreated_database_and_the_admin_logs_in(
    pg_db: str, postgres_server_url: str, tmp_path: Path,
) -> None:
    url = make_url(pg_db)
    plain_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    create_account(actor="test", username="admin", password=PASSWORD, role=Role.ADMIN)
    create_account(actor="test", username="mod", password=PASSWORD, role=Role.MODERATOR)
    rooms.create_category(actor="admin", name="Outdoors")
    token_before, _ = log_in("admin", PASSWORD)
    engine.launch()  # the engine's own tables, in the `dbos` schema of the same database
    engine.shutdown()
    before = table_counts(plain_url)
    assert any(name.startswith("dbos.") for name in before), before
    assert before["public.accounts"] == 2 and before["public.login_sessions"] == 1, before

    env = {**os.environ, "DB": str(url.database), "DATABASE_URL": plain_url,
           "ADMIN_URL": postgres_server_url}
    backup, restore = documented_commands()
    for command in backup:
        run(command, env, tmp_path)
    create_account(actor="test", username="latecomer", password=PASSWORD, role=Role.ADMIN)
    dispose_all()  # "stop every replica first"
    for command in restore:
        run(command, env, tmp_path)

    assert table_counts(plain_url) == before
    assert migrate.is_up_to_date()
    token, identity = log_in("admin", PASSWORD)
    assert identity.role == Role.ADMIN and validate_session(token) is not None
    assert validate_session(token_before) is not None  # a login from before the dump
    with pytest.raises(LoginRefused):
        log_in("latecomer", PASSWORD)  # made after the dump: gone
    engine.launch()  # the engine starts on the restored schema
    assert engine.running()
