"""Replicas starting together: two `python -m app migrate` on one empty PostgreSQL both succeed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.db import migrate

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def test_two_migrators_at_once_on_an_empty_database_both_exit_0(postgres_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": postgres_url, "DASHBOARD_ENV_FILE": ""}
    runs = [
        subprocess.Popen([sys.executable, "-m", "app", "migrate"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert migrate.is_up_to_date(postgres_url)
