"""Which pages exist for whom: the page list is built per role on every run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from app.auth.identity import Identity
from app.utils.enums import ADMINS, STAFF, Role

PAGES_DIR = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    url_path: str
    roles: tuple[Role, ...]  # who may open it; the page itself checks them (require_page)
    section: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home.py", "Home", ":material/home:", "home", STAFF, "Overview"),
    PageSpec(
        "onboard.py", "Onboard member", ":material/waving_hand:", "onboard", ADMINS, "Members"
    ),
    PageSpec(
        "offboard.py", "Offboard member", ":material/person_off:", "offboard", STAFF, "Members"
    ),
    PageSpec("journeys.py", "Journeys", ":material/route:", "journeys", ADMINS, "Members"),
    PageSpec("case_file.py", "Case files", ":material/folder_shared:", "case-file", STAFF,
             "Members"),
    PageSpec("users.py", "Users directory", ":material/group:", "users", ADMINS, "Authentik"),
    PageSpec(
        "create_user.py", "Create user", ":material/person_add:", "create-user", ADMINS, "Authentik"
    ),
    PageSpec(
        "invites.py", "Invite links", ":material/forward_to_inbox:", "invites", ADMINS, "Authentik"
    ),
    PageSpec(
        "authentik_setup.py",
        "Authentik setup",
        ":material/build:",
        "authentik-setup",
        ADMINS,
        "Authentik",
    ),
    PageSpec("rooms.py", "Rooms", ":material/meeting_room:", "rooms", STAFF, "Matrix"),
    PageSpec(
        "room_invites.py",
        "Invite to rooms",
        ":material/group_add:",
        "invite-to-rooms",
        STAFF,
        "Matrix",
    ),
    PageSpec(
        "remove_member.py",
        "Remove from rooms",
        ":material/person_remove:",
        "remove-member",
        STAFF,
        "Matrix",
    ),
    PageSpec("sanctions.py", "Sanctions", ":material/gavel:", "sanctions", STAFF, "Matrix"),
    PageSpec("messaging.py", "Messaging", ":material/chat:", "messaging", STAFF, "Matrix"),
    PageSpec("accounts.py", "Accounts", ":material/manage_accounts:", "accounts", ADMINS, "Admin"),
    PageSpec(
        "moderators.py", "Moderators", ":material/shield_person:", "moderators", ADMINS, "Admin"
    ),
    PageSpec("approvals.py", "Approvals", ":material/group:", "approvals", STAFF, "Admin"),
    PageSpec("drift.py", "Drift report", ":material/compare_arrows:", "drift", ADMINS, "Admin"),
    PageSpec("audit_log.py", "Audit log", ":material/history:", "audit", ADMINS, "Admin"),
    PageSpec("templates.py", "Templates", ":material/edit_note:", "templates", ADMINS, "Admin"),
)

LOGIN = PageSpec("login.py", "Log in", ":material/login:", "login", (), "")
SETUP = PageSpec("setup.py", "First-run setup", ":material/key:", "setup", (), "")


def spec_for(page_file: str) -> PageSpec:
    """The PageSpec of a page module, from its `__file__` (LookupError for a page not listed)."""
    name = Path(page_file).name
    for spec in PAGES:
        if spec.file == name:
            return spec
    raise LookupError(f"{name} is not a page in app.navigation.PAGES")


def _page(spec: PageSpec, *, default: bool = False) -> st.Page:
    return st.Page(
        PAGES_DIR / spec.file,
        title=spec.title,
        icon=spec.icon,
        url_path=spec.url_path,
        default=default,
    )


def pages_for(identity: Identity | None, *, needs_setup: bool) -> dict[str, list[st.Page]]:
    """Logged out: the login (or first-run setup) page, also answering at every page's URL so
    a deep link shows the login form and, once logged in, the page asked for. Logged in: the
    role's pages."""
    if identity is None:
        gate = SETUP if needs_setup else LOGIN
        stand_ins = [PageSpec(gate.file, gate.title, gate.icon, p.url_path, (), "") for p in PAGES]
        return {"": [_page(gate, default=True), *(_page(spec) for spec in stand_ins)]}
    sections: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        if identity.role in spec.roles:
            sections.setdefault(spec.section, []).append(_page(spec, default=not sections))
    return sections
