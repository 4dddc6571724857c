"""Message templates: built-in defaults, admin edits stored in the database, safe rendering.

Placeholders are `{name}`-style variables from a fixed list per template. Anything else
(attribute or index access like `{name.__class__}`, format specs, unknown names) is refused
when a template is saved, so rendering can never reach into Python objects.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from string import Formatter

from sqlalchemy import delete

from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import MessageTemplate
from app.utils.enums import AuditAction
from app.utils.errors import InputError
from app.utils.matrix import mention_html

MAX_LENGTH = 4000
SUBJECT_MAX_LENGTH = 200
PERSON = ("name", "username", "matrix_id", "mention")
INVITE = ("link", "expires", "email", "invited_by")
MATRIX, EMAIL = "matrix", "email"


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    title: str
    default: str
    variables: tuple[str, ...]
    channel: str = MATRIX  # who sends it: the Matrix bot, or email (plain text)
    subject: bool = False  # an email subject: one line


SPECS: dict[str, TemplateSpec] = {
    spec.key: spec
    for spec in (
        TemplateSpec("welcome_hello", "Welcome DM: first hello", "Hi {name} 👋", PERSON),
        TemplateSpec(
            "welcome_dm",
            "Welcome DM: the welcome text",
            "Welcome to the community, {name}! Your account is {username}. You have been "
            "invited to rooms that match your interests: accept the invites to join them. "
            "Reply here if you need anything.",
            PERSON,
        ),
        TemplateSpec(
            "graduation",
            "Welcome room: graduation message",
            "{mention} is all set up and leaves the welcome room now. Welcome aboard!",
            PERSON,
        ),
        TemplateSpec(
            "removal_spam",
            "Removal: spam",
            "{mention} was removed for spamming. Reason: {reason}",
            (*PERSON, "reason"),
        ),
        TemplateSpec(
            "removal_inactive",
            "Removal: inactive",
            "{mention} was removed for inactivity. Reason: {reason}",
            (*PERSON, "reason"),
        ),
        TemplateSpec(
            "removal_safety",
            "Removal: safety",
            "{mention} was removed to keep this community safe. Reason: {reason}",
            (*PERSON, "reason"),
        ),
        TemplateSpec(
            "removal_custom", "Removal: custom", "{mention}: {reason}", (*PERSON, "reason")
        ),
        TemplateSpec(
            "email_invite_subject",
            "Email, invite link: subject",
            "Your invitation to join the community",
            INVITE,
            EMAIL,
            subject=True,
        ),
        TemplateSpec(
            "email_invite_body",
            "Email, invite link: text",
            "Hello,\n\n{invited_by} invites you to join the community. Create your account "
            "here:\n\n{link}\n\nThe link works once and until {expires}.\n",
            INVITE,
            EMAIL,
        ),
        TemplateSpec(
            "email_welcome_subject",
            "Email, welcome: subject",
            "Welcome to the community, {name}",
            (*PERSON, "email"),
            EMAIL,
            subject=True,
        ),
        TemplateSpec(
            "email_welcome_body",
            "Email, welcome: text",
            "Hi {name},\n\nwelcome to the community! Your account is {username}. You have "
            "been invited to rooms that match your interests: accept the invites to join "
            "them.\n\nReply to this email if you need anything.\n",
            (*PERSON, "email"),
            EMAIL,
        ),
    )
}
SAMPLE = {
    "name": "Ada Lovelace",
    "username": "ada.lovelace",
    "matrix_id": "@ada:example.org",
    "reason": "example reason",
    "link": "https://auth.example.org/if/flow/enrollment/?itoken=example",
    "expires": "2026-12-31 12:00 UTC",
    "email": "ada@example.org",
    "invited_by": "grace",
}


@dataclass(frozen=True)
class TemplateView:
    key: str
    title: str
    body: str
    variables: tuple[str, ...]
    is_default: bool
    updated_at: datetime | None
    updated_by: str
    channel: str = MATRIX


@dataclass(frozen=True)
class Rendered:
    """A message as plain text and as HTML (mentions become pills); `mentions` are user IDs."""

    text: str
    html: str
    mentions: tuple[str, ...]


def _spec(key: str) -> TemplateSpec:
    if key not in SPECS:
        raise InputError("Template", f"unknown template '{key}'")
    return SPECS[key]


def check_body(key: str, body: str, *, field: str = "Template") -> str:
    """The body if every placeholder is allowed for this template, else InputError."""
    spec = _spec(key)
    if not body.strip():
        raise InputError(field, "must not be empty")
    if len(body) > MAX_LENGTH:
        raise InputError(field, f"use at most {MAX_LENGTH} characters")
    if spec.subject and ("\n" in body or "\r" in body or len(body) > SUBJECT_MAX_LENGTH):
        raise InputError(field, f"a subject is one line of at most {SUBJECT_MAX_LENGTH} "
                                "characters")
    try:
        parts = list(Formatter().parse(body))
    except ValueError as err:
        raise InputError(field, f"{err}; write {{{{ and }}}} for literal braces") from None
    allowed = ", ".join("{" + v + "}" for v in spec.variables)
    for _literal, name, spec_text, conversion in parts:
        if name is None:
            continue
        if name not in spec.variables or spec_text or conversion:
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec_text}" if spec_text else "")
                + "}"
            )
            raise InputError(field, f"{shown} is not allowed here; use {allowed}")
    return body


def get(key: str) -> TemplateView:
    spec = _spec(key)
    with session_scope() as db:
        row = db.get(MessageTemplate, key)
        if row is None:
            return TemplateView(key, spec.title, spec.default, spec.variables, True, None, "",
                                spec.channel)
        return TemplateView(
            key, spec.title, row.body, spec.variables, False, row.updated_at, row.updated_by,
            spec.channel,
        )


def list_all() -> list[TemplateView]:
    return [get(key) for key in SPECS]


def save(*, actor: str, key: str, body: str) -> TemplateView:
    check_body(key, body)
    with session_scope() as db:
        row = db.get(MessageTemplate, key)
        if row is None:
            db.add(MessageTemplate(key=key, body=body, updated_by=actor))
        else:
            row.body, row.updated_by = body, actor
        audit_log.record(actor=actor, action=AuditAction.TEMPLATE_UPDATE, target=key, db=db)
    return get(key)


def reset(*, actor: str, key: str) -> TemplateView:
    """Back to the built-in default."""
    _spec(key)
    with session_scope() as db:
        db.execute(delete(MessageTemplate).where(MessageTemplate.key == key))
        audit_log.record(actor=actor, action=AuditAction.TEMPLATE_RESET, target=key, db=db)
    return get(key)


def render_body(key: str, body: str, values: Mapping[str, str]) -> Rendered:
    """Fill `body` (checked against `key`'s variables) with `values`."""
    spec = _spec(key)
    check_body(key, body)
    text_values = {v: str(values.get(v, "")) for v in spec.variables}
    user = values.get("matrix_id", "")
    person = values.get("name") or user
    text_values["mention"] = person or ""
    html_values = {k: html.escape(v) for k, v in text_values.items()}
    html_values["mention"] = mention_html(user, person) if user else html.escape(person or "")
    mentions = (user,) if user and "{mention}" in body else ()
    return Rendered(
        text=body.format_map(text_values),
        html=html.escape(body).format_map(html_values),
        mentions=mentions,
    )


def render(key: str, values: Mapping[str, str]) -> Rendered:
    """The stored (or default) template for `key`, filled with `values`."""
    return render_body(key, get(key).body, values)


def preview(key: str, body: str) -> Rendered:
    """The body filled with sample values, for the editor."""
    return render_body(key, body, SAMPLE)

