"""Every st.session_state key the app uses, in one enum: one spelling per key.

Page-local keys carry the page's prefix (`accounts_`, `audit_`, ...).
"""

from __future__ import annotations

from enum import StrEnum


class SessionKey(StrEnum):
    # Login state, refreshed from the database on every run by app.main
    ACCOUNT = "account"
    SESSION_TOKEN = "session_token"  # noqa: S105 (a key name, not a secret)
    COOKIE_TO_WRITE = "cookie_to_write"
    COOKIE_TO_CLEAR = "cookie_to_clear"
    LOGGED_OUT = "logged_out"
    LOGIN_ERROR = "login_error"
    SETUP_ERROR = "setup_error"

    # Accounts page
    ACCOUNTS_NOTICE = "accounts_notice"
    ACCOUNTS_PAGE = "accounts_page"

    # Audit log page
    AUDIT_PAGE = "audit_page"
    AUDIT_CSV = "audit_csv"
