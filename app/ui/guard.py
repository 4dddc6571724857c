"""Who may do what, checked where it happens.

Streamlit runs widget callbacks (`on_click`, `on_change`, a form's `on_submit`) and a download
button's data callable BEFORE the page script, so the session check in `app.main` and a page's
`require_page` do not guard them: an admin's open tab, revoked a minute ago, would still act.
Every callback a page hands to Streamlit is therefore marked with what it needs:

- `@action(*roles)`: re-validates this browser's session against the database and the account's
  role at the moment it runs, and gets that fresh identity as its first argument; a refusal is
  audited and shown, and nothing runs;
- `@ui_only`: changes only this browser's own view state (paging, clearing a result, logout);
- `@public`: the login and first-run forms, which are meant to run without a session.

`guarded_download` does the same for a download's data callable, which Streamlit runs in
another thread, without session state: it captures the session token at render time. A test
enumerates every callback in app/ and fails on one that is not marked.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from app import navigation
from app.auth.identity import Identity
from app.auth.sessions import validate_session
from app.db import audit_log
from app.utils.enums import AuditAction, AuditOutcome, Role
from app.utils.errors import PermissionDenied
from app.utils.state import SessionKey

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

AUTHORITY = "__authority__"  # the mark every callback carries
UI_ONLY = "ui-only"
PUBLIC = "public"
REFUSED = (
    "That action was not run: your session has ended or your role no longer allows it. "
    "Nothing was changed."
)


def current() -> Identity | None:
    """The identity app.main validated against the database for this run."""
    identity = st.session_state.get(SessionKey.ACCOUNT)
    return identity if isinstance(identity, Identity) else None


def require_page(page_file: str) -> Identity:
    """Return the identity, or stop the page unless its role is one its PageSpec allows.

    A page calls `require_page(__file__)` first: its roles are declared once, in
    app.navigation. The check stands on its own (defence in depth): a page run outside the
    navigation, or by a role the navigation would not have shown it to, still refuses.
    """
    return _require(navigation.spec_for(page_file).roles)


def _require(roles: tuple[Role, ...]) -> Identity:
    identity = current()
    if identity is None or identity.role not in roles:
        st.error("You do not have access to this page.")
        st.stop()
    return identity


def _authorised(token: object, roles: tuple[Role, ...]) -> tuple[Identity | None, bool]:
    """The live identity behind `token` (re-read from the database) and whether it may act."""
    identity = validate_session(token) if isinstance(token, str) and token else None
    return identity, identity is not None and identity.role in roles


def _audit_refusal(identity: Identity | None, what: str, roles: tuple[Role, ...]) -> None:
    reason = "session ended" if identity is None else f"role {identity.role} not allowed"
    audit_log.record(
        actor=identity.username if identity else "-",
        action=AuditAction.AUTHORITY_REFUSED,
        outcome=AuditOutcome.DENIED,
        target=what,
        details={"reason": reason, "needs": list(roles)},
    )
    logger.warning("refused %s: %s", what, reason)


def action(*roles: Role) -> Callable[[Callable[Concatenate[Identity, P], None]], Callable[P, None]]:
    """Mark a widget callback as privileged: it runs only if the browser's session is live and
    its account has one of `roles` when the callback runs, and receives that identity."""
    if not roles:
        raise ValueError("an action needs at least one role")

    def wrap(fn: Callable[Concatenate[Identity, P], None]) -> Callable[P, None]:
        what = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            state = st.session_state
            identity, allowed = _authorised(state.get(SessionKey.SESSION_TOKEN), roles)
            if identity is None or not allowed:
                _audit_refusal(identity, what, roles)
                state[SessionKey.ACTION_REFUSED] = REFUSED
                return
            state[SessionKey.ACCOUNT] = identity  # the freshest view of who this is
            fn(identity, *args, **kwargs)

        setattr(run, AUTHORITY, roles)
        return run

    return wrap


def ui_only(fn: F) -> F:
    """Mark a callback that changes only this browser's own view state."""
    setattr(fn, AUTHORITY, UI_ONLY)
    return fn


def public(fn: F) -> F:
    """Mark a callback meant to run without a session (login, first-run setup)."""
    setattr(fn, AUTHORITY, PUBLIC)
    return fn


def checked(callback: F) -> F:
    """A callback handed in by another module, refused unless it carries a mark."""
    if getattr(callback, AUTHORITY, None) is None:
        raise TypeError(f"callback {callback!r} is not marked with action/ui_only/public")
    return callback


def guarded_download(make: Callable[[], T], *roles: Role) -> Callable[[], T]:
    """A download button's data callable that re-checks the session when it is clicked.

    Streamlit runs it later, in another thread without session state, so the token is
    captured now (server-side; it is never sent to the browser).
    """
    token = st.session_state.get(SessionKey.SESSION_TOKEN)
    what = f"{getattr(make, '__module__', '?')}.{getattr(make, '__qualname__', 'download')}"

    def data() -> T:
        identity, allowed = _authorised(token, roles)
        if not allowed:
            _audit_refusal(identity, what, roles)
            raise PermissionDenied(REFUSED)
        return make()

    setattr(data, AUTHORITY, roles)
    return data


def show_refusal() -> None:
    """Say once that a callback was refused (app.main calls this on every run). A rerun the
    page makes by itself (`rerun_by_itself`) says it again: the admin has done nothing since."""
    state = st.session_state
    again = state.pop(SessionKey.AUTO_RERUN, False)
    message = state.pop(SessionKey.ACTION_REFUSED, None) or (
        state.get(SessionKey.REFUSAL_SHOWN) if again else None)
    state[SessionKey.REFUSAL_SHOWN] = message
    if message:
        st.warning(message, icon=":material/gpp_bad:")


def rerun_by_itself() -> None:
    """Rerun the whole page for a reason of its own (not an admin's action): what a run says
    once, such as a refusal, is said again."""
    st.session_state[SessionKey.AUTO_RERUN] = True
    st.rerun()
