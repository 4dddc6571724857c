"""Which pages exist for whom: the page list is built per role on every run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from app.auth.identity import Identity

PAGES_DIR = Path(__file__).resolve().parent / "pages"
BOTH = ("admin", "moderator")
ADMIN = ("admin",)


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    url_path: str
    roles: tuple[str, ...]
    section: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home.py", "Home", ":material/home:", "home", BOTH, "Overview"),
    PageSpec("onboard.py", "Onboard member", ":material/waving_hand:", "onboard", ADMIN, "Members"),
    PageSpec(
        "offboard.py", "Offboard member", ":material/person_off:", "offboard", BOTH, "Members"
    ),
    PageSpec("users.py", "Users directory", ":material/group:", "users", ADMIN, "Authentik"),
    PageSpec(
        "create_user.py", "Create user", ":material/person_add:", "create-user", ADMIN, "Authentik"
    ),
    PageSpec(
        "invites.py", "Invite links", ":material/forward_to_inbox:", "invites", ADMIN, "Authentik"
    ),
    PageSpec("rooms.py", "Rooms", ":material/meeting_room:", "rooms", BOTH, "Matrix"),
    PageSpec(
        "room_invites.py",
        "Invite to rooms",
        ":material/group_add:",
        "invite-to-rooms",
        BOTH,
        "Matrix",
    ),
    PageSpec(
        "remove_member.py",
        "Remove from rooms",
        ":material/person_remove:",
        "remove-member",
        BOTH,
        "Matrix",
    ),
    PageSpec("messaging.py", "Messaging", ":material/chat:", "messaging", BOTH, "Matrix"),
    PageSpec("accounts.py", "Accounts", ":material/manage_accounts:", "accounts", ADMIN, "Admin"),
    PageSpec(
        "moderators.py", "Moderators", ":material/shield_person:", "moderators", ADMIN, "Admin"
    ),
    PageSpec("audit_log.py", "Audit log", ":material/history:", "audit", ADMIN, "Admin"),
    PageSpec("templates.py", "Templates", ":material/edit_note:", "templates", ADMIN, "Admin"),
)

LOGIN = PageSpec("login.py", "Log in", ":material/login:", "login", (), "")
SETUP = PageSpec("setup.py", "First-run setup", ":material/key:", "setup", (), "")


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
