"""Serve an AuthentikFake over real HTTP on 127.0.0.1, for code in another process.

Browser tests run `streamlit run` in a subprocess, which cannot use a MockTransport:

    with serve_over_http(fake) as base_url:      # e.g. "http://127.0.0.1:41234"
        env["AUTHENTIK_URL"] = base_url
        env["AUTHENTIK_TOKEN"] = fake.token

The same fake answers, with the same schema checks; a violation is answered 500 and kept in
`fake.violations` (the `authentik_fake` fixture fails the test at teardown). Faults apply
too: `delay_next` really waits (the client's own timeout fires), `fail_next(status=...)`
answers that status, and `fail_next(error=...)` closes the connection without an answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.support.authentik_fake import AuthentikFake
from tests.support.authentik_fake_wire import RawRequest


def _handler_for(fake: AuthentikFake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fake-authentik"

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            host, port = self.server.server_address[:2]
            raw = RawRequest(
                method=self.command,
                url_path=url.path,
                query=parse_qsl(url.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                link_base=f"http://{self.headers.get('Host') or f'{host}:{port}'}",
            )
            answer = fake.answer(raw)
            if answer.delay:
                time.sleep(answer.delay)
            if answer.error is not None:
                self.close_connection = True  # the client sees the connection drop
                return
            if isinstance(answer.body, str):
                payload, kind = answer.body.encode(), "text/plain; charset=utf-8"
            elif answer.body is not None:
                payload, kind = json.dumps(answer.body).encode(), "application/json"
            else:
                payload, kind = b"", None
            self.send_response(answer.status)
            if kind:
                self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the fake records requests itself (`fake.requests`)."""

    return Handler


@contextmanager
def serve_over_http(fake: AuthentikFake, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `fake` on a free port of `host` in a background thread; yields the base URL."""
    server = ThreadingHTTPServer((host, 0), _handler_for(fake))
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="fake-authentik",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
