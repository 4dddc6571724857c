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

    # SSO (Authentik through st.login)
    SSO_ERROR = "sso_error"  # why Authentik's login was refused, shown on the login page
    SSO_NOTICE = "sso_notice"  # e.g. the Authentik login expired: log in again
    SSO_CLAIMS_USED = "sso_claims_used"  # the Authentik login this browser session has used

    # Login and first-run setup forms
    LOGIN_USERNAME = "login_username"
    LOGIN_PASSWORD = "login_password"  # noqa: S105 (a key name)
    SETUP_TOKEN = "setup_token"  # noqa: S105
    SETUP_USERNAME = "setup_username"
    SETUP_DISPLAY_NAME = "setup_display_name"
    SETUP_PASSWORD = "setup_password"  # noqa: S105
    SETUP_CONFIRM = "setup_confirm"

    # Accounts page
    ACCOUNTS_NOTICE = "accounts_notice"
    ACCOUNTS_ERROR = "accounts_error"
    ACCOUNTS_SELECTED = "accounts_selected"

    # Audit log page
    AUDIT_FILTER = "audit_filter"
    AUDIT_PAGE = "audit_page"

    # Templates page
    TEMPLATES_SELECTED = "templates_selected"
    TEMPLATES_BODY = "templates_body"  # + "_<template key>": the editor's text per template
    TEMPLATES_ERROR = "templates_error"
    TEMPLATES_NOTICE = "templates_notice"
