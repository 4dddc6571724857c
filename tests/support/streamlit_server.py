"""Start the real app with `streamlit run` on a free loopback port, for browser tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from app.auth.setup import SETUP_ANNOUNCED_ENV
from tests.support.db_fixtures import settings_env_names

ROOT = Path(__file__).resolve().parents[2]
SETUP_TOKEN = re.compile(r"First-run setup token \(valid \d+ h, single use\): (\S+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StreamlitServer:
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """Bare `streamlit run`; subclasses start the app other ways."""
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "streamlit_app.py"),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ]

    def start(self, timeout: float = 120) -> StreamlitServer:
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the handle
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the app did not become healthy in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def setup_token(self, timeout: float = 60) -> str:
        """The first-run token the server printed (it does so on the first page run)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := SETUP_TOKEN.findall(self.log()):
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no setup token in the server log:\n{self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment for a server process: only what the test decides, no developer .env."""
    env = {k: v for k, v in os.environ.items()
           if k not in settings_env_names() and k != SETUP_ANNOUNCED_ENV}
    env.update(DATABASE_URL=database_url, DASHBOARD_ENV_FILE="", **extra)
    return env
