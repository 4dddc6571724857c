"""`make run` from a fresh copy of the repository serves the dashboard.

(`make test` from a fresh clone is what `.ci/run` itself does.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.streamlit_server import SETUP_TOKEN, free_port

ROOT = Path(__file__).resolve().parents[2]


def fresh_copy(target: Path) -> Path:
    """The files a clone of the current work tree would have (tracked + unignored new ones)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_from_a_fresh_copy_migrates_and_serves(tmp_path):
    checkout = fresh_copy(tmp_path / "checkout")
    assert not (checkout / "data").exists()
    port = free_port()
    venv = ROOT / ".venv"  # reuse the installed venv; make still runs its install step
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "AUTHENTIK_", "MATRIX_", "OIDC_"))
    }
    env.pop("DASHBOARD_ENV_FILE", None)
    log = (tmp_path / "make-run.log").open("wb")
    process = subprocess.Popen(
        ["make", "run", f"VENV={venv}", f"PORT={port}"],
        cwd=checkout,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        healthy = False
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    healthy = True
                    break
            except OSError:
                time.sleep(0.3)
        output = (tmp_path / "make-run.log").read_text(errors="replace")
        assert healthy, output
        assert (checkout / "data" / "dashboard.db").exists()  # the SQLite default, migrated
        assert "Database is at revision" in output
        # Start-up printed the one-time setup token: there are no default credentials.
        assert len(SETUP_TOKEN.findall(output)) == 1, output
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=20)
