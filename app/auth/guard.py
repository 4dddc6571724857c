"""Page-level role checks: each page re-checks its role (defence in depth behind navigation)."""

from __future__ import annotations

import streamlit as st

from app.auth.identity import Identity
from app.utils.state import SessionKey


def current() -> Identity | None:
    """The identity app.main validated against the database for this run."""
    identity = st.session_state.get(SessionKey.ACCOUNT)
    return identity if isinstance(identity, Identity) else None


def require_role(*roles: str) -> Identity:
    """Return the identity, or stop the page if its role is not among `roles`."""
    identity = current()
    if identity is None or identity.role not in roles:
        st.error("You do not have access to this page.")
        st.stop()
    return identity  # type: ignore[return-value]
