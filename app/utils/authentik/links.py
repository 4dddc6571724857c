"""Links Authentik makes, moved to the host people reach it on.

Authentik builds a recovery link from the host the API client called
(`request.build_absolute_uri`): a dashboard that talks to `http://authentik:9000` or
`http://127.0.0.1:9000` gets links there, useless outside. `on_public_host` puts the scheme
and host (and any path prefix) of AUTHENTIK_PUBLIC_URL in their place. A recovery link works
once and expires after the token duration the dashboard asks for, which is Authentik's own
default (RECOVERY_LINK_LIFETIME, 30 minutes).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

RECOVERY_LINK_LIFETIME = timedelta(minutes=30)
_FLOW_PATH = "/if/flow/"


def on_public_host(link: str, public_base: str | None) -> str:
    """`link` with its scheme and host (and base path) replaced by `public_base`'s, when set.

    >>> on_public_host("http://127.0.0.1:9000/if/flow/r/?flow_token=x", "https://id.example.org")
    'https://id.example.org/if/flow/r/?flow_token=x'
    """
    if not public_base:
        return link
    base = urlsplit(public_base.rstrip("/"))
    parts = urlsplit(link)
    path = parts.path
    if _FLOW_PATH in path:  # drop whatever prefix the API's host had; keep the flow's path
        path = path[path.index(_FLOW_PATH) :]
    return urlunsplit((base.scheme, base.netloc, base.path + path, parts.query, parts.fragment))
