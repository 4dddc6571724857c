"""Start the app the way operators do, `python -m app serve`, for browser tests that need it.

Unlike StreamlitServer's bare `streamlit run`, this goes through the CLI: migrate, write the
Streamlit secrets generated from the OIDC_* settings, then serve the st.App of app/server.py
(with the cookie routes) with those secrets files.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.streamlit_server import StreamlitServer


@dataclass
class ServedApp(StreamlitServer):
    generated_dir: Path | None = None  # where serve writes the SSO secrets (a tmp dir in tests)

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "app", "serve", "--address", "127.0.0.1"]
        command += ["--port", str(self.port)]
        if self.generated_dir is not None:
            command += ["--generated-dir", str(self.generated_dir)]
        return command
