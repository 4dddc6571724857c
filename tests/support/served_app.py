"""Start the app the way operators do, `python -m app serve`, for browser tests that need it.

Unlike StreamlitServer's bare `streamlit run`, this goes through the CLI: migrate, write the
Streamlit secrets generated from the OIDC_* settings, exec Streamlit with `--secrets.files`.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.support.streamlit_server import ROOT, StreamlitServer


@dataclass
class ServedApp(StreamlitServer):
    generated_dir: Path | None = None  # where serve writes the SSO secrets (a tmp dir in tests)

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "app", "serve", "--address", "127.0.0.1"]
        command += ["--port", str(self.port)]
        if self.generated_dir is not None:
            command += ["--generated-dir", str(self.generated_dir)]
        return command

    def start(self, timeout: float = 30) -> ServedApp:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"python -m app serve exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the served app did not become healthy in {timeout}s:\n{self.log()}")
