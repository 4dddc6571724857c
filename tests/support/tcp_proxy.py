"""A TCP proxy the test controls, to put faults between the app and a real server.

    with TcpProxy("127.0.0.1", upstream_port) as proxy:   # app connects to proxy.port
        proxy.mode = Mode.FREEZE        # accept, forward nothing: a server that stopped answering
        proxy.mode = Mode.REFUSE        # close every connection at once: a stopped server
        proxy.drop_replies_to("PUT")    # forward a request, then drop the connection before
                                        # the reply reaches the client (it was applied)
        proxy.drop_replies_to("POST", then=Mode.REFUSE)  # ...and at that moment the server goes
        proxy.cut_requests_to("abc")    # close the connection of any request whose first line
                                        # holds this text, unsent: one broken path
        proxy.mode = Mode.FORWARD       # back to normal

Threads only, no event loop; every socket is closed by `close()`.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from enum import Enum
from types import TracebackType


class Mode(Enum):
    FORWARD = "forward"
    FREEZE = "freeze"
    REFUSE = "refuse"


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode = Mode.FORWARD
        self.latency = 0.0  # seconds each request waits before it is forwarded (a slow link)
        self.dropped = 0  # replies dropped by drop_replies_to
        self._drop_methods: set[bytes] = set()
        self._cut: set[bytes] = set()
        self._drop_limit = 0
        self._after_drop: Mode | None = None
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._closed = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name="tcp-proxy", daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def drop_replies_to(
        self, *methods: str, times: int = 1_000_000, then: Mode | None = None
    ) -> None:
        """Forward requests starting with these HTTP methods, but never relay their reply:
        the client's connection is closed once the server has answered. With `then`, the
        proxy switches to that mode before closing it, so the client's next request (say, a
        re-check) already meets it."""
        with self._lock:
            self._drop_methods = {m.encode() for m in methods}
            self._drop_limit = times
            self._after_drop = then

    def cut_requests_to(self, *fragments: str) -> None:
        """Close, without forwarding it, every request whose first line contains a fragment."""
        with self._lock:
            self._cut = {f.encode() for f in fragments}

    def kill_connections(self) -> None:
        """Close every open connection (both sides), keep listening."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self.kill_connections()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------

    def _track(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._sockets.extend(sockets)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if self.mode is Mode.REFUSE:
            client.close()
            return
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        self._track(upstream)
        self._pump(client, upstream)

    def _should_drop(self, request_start: bytes) -> bool:
        with self._lock:
            if self._drop_limit > 0 and request_start.split(b" ", 1)[0] in self._drop_methods:
                self._drop_limit -= 1
                return True
        return False

    def _cuts(self, request_start: bytes) -> bool:
        line = request_start.split(b"\r\n", 1)[0]
        with self._lock:
            return any(fragment in line for fragment in self._cut)

    def _count_drop(self) -> None:
        with self._lock:
            self.dropped += 1
            if self._after_drop is not None:  # before the client sees its connection close
                self.mode = self._after_drop

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        dropping = False
        try:
            while not self._closed.is_set() and self.mode is not Mode.REFUSE:
                ready, _, _ = select.select([client, upstream], [], [], 0.1)
                if self.mode is Mode.REFUSE:  # set while we waited: forward nothing more
                    return
                if self.mode is Mode.FREEZE:
                    continue  # hold everything: the client waits on a silent server
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client and self._cuts(data):
                        return
                    if sock is client:
                        dropping = dropping or self._should_drop(data)
                        self._forward(upstream, data)
                    elif dropping:  # the server answered: the client never hears it
                        self._count_drop()
                        return
                    else:
                        client.sendall(data)
        except (OSError, ValueError):  # ValueError: a socket the proxy's close() closed
            return
        finally:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()

    def _forward(self, upstream: socket.socket, request: bytes) -> None:
        if self.latency:  # a slow link
            time.sleep(self.latency)
        upstream.sendall(request)
