"""Create Authentik users: a unique username suggestion, the account, then a credential.

A new account gets EITHER a generated password (shown once to the admin who created it, never
logged or audited) OR a one-time recovery link with which the person sets their own. When the
account was created but the credential step failed, `CredentialNotSet` says so (the account
exists; what to do next) instead of a silent half-success.
"""

from __future__ import annotations

import logging
import re
import secrets
import string
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from app.db import audit_log
from app.services import connections
from app.utils.authentik import (
    RECOVERY_LINK_LIFETIME,
    AuthentikClient,
    AuthentikError,
    User,
    on_public_host,
)
from app.utils.authentik import validation as check
from app.utils.config import get_settings
from app.utils.enums import AuditAction
from app.utils.errors import DashboardError, InputError

logger = logging.getLogger(__name__)

NAME_MAX = 150
ORGANISATION_MAX = 200
INTRO_MAX = 2000
INTERESTS_MAX = 30
PASSWORD_LENGTH = 20
PUNCTUATION = "!#%+-.=@_~"
MAX_SUGGESTIONS = 50
_SUFFIX_ROOM = 4  # "ada.lovelace" + up to three digits stays within the username limit


class Credential(StrEnum):
    PASSWORD = "password"  # noqa: S105 (a choice, not a secret)
    RECOVERY_LINK = "recovery_link"


@dataclass(frozen=True)
class CreatedUser:
    """A user just created. `password` / `recovery_link` are for the admin's eyes only."""

    pk: int
    username: str
    name: str
    email: str | None
    groups: tuple[str, ...]
    credential: Credential
    password: str | None = field(default=None, repr=False)
    recovery_link: str | None = field(default=None, repr=False)
    recovery_expires: datetime | None = None  # when the recovery link stops working


class CredentialNotSet(DashboardError):
    """The account was created, but its password or recovery link was not."""

    def __init__(self, user: CreatedUser, cause: Exception) -> None:
        if user.credential is Credential.PASSWORD:
            step = "setting its password"
            how = (
                "Give them a recovery link instead (Users directory: select the user, action "
                "Reset), or set a password in Authentik (Directory > Users > the user)."
            )
        else:
            step = "creating its recovery link"
            how = (
                "If Authentik has no recovery flow, set one on the brand (System > Brands), "
                "then use Reset in the Users directory; or create the user a password in "
                "Authentik (Directory > Users > the user > Set password)."
            )
        super().__init__(
            f"User '{user.username}' was created in Authentik (pk {user.pk}), but {step} "
            f"failed: {cause} The account exists: do not create it again. {how}"
        )
        self.user = user
        self.cause = cause


def recovery_link(client: AuthentikClient, pk: int) -> tuple[str, datetime]:
    """A one-time recovery link on the host people reach Authentik on, and when it expires.

    Authentik builds the link from the host the dashboard called (AUTHENTIK_URL, perhaps an
    internal address): it is moved to AUTHENTIK_PUBLIC_URL when that is set. The lifetime is
    asked for explicitly, Authentik's own default (30 minutes), so what is shown is true.
    """
    made = datetime.now(UTC)
    link = client.recovery_link(pk, duration=RECOVERY_LINK_LIFETIME)
    public = get_settings().authentik_public_url
    return on_public_host(link, str(public) if public else None), made + RECOVERY_LINK_LIFETIME


def generate_password(length: int = PASSWORD_LENGTH) -> str:
    """A random password with upper and lower case letters, digits and a symbol."""
    alphabet = string.ascii_letters + string.digits + PUNCTUATION
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
            and any(c in PUNCTUATION for c in password)
        ):
            return password


def _ascii_part(value: str) -> str:
    """ "Jean-Luc" -> "jean-luc", "Zoë O'Brien" -> "zoe-obrien": ASCII letters, digits and -."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"['\u2019`]", "", plain)
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def username_base(first_name: str, last_name: str) -> str:
    """The username a person's names suggest ("ada.lovelace"), before checking Authentik."""
    parts = [p for p in (_ascii_part(first_name), _ascii_part(last_name)) if p]
    if not parts:
        raise InputError("first_name", "enter a first or last name using letters or digits")
    return ".".join(parts)[: check.USERNAME_MAX - _SUFFIX_ROOM].strip(".-")


def suggest_username(*, first_name: str, last_name: str) -> str:
    """A username no Authentik user has: "ada.lovelace", else "ada.lovelace2", ... ."""
    base = username_base(first_name, last_name)
    client = connections.authentik()
    for n in range(1, MAX_SUGGESTIONS + 1):
        candidate = base if n == 1 else f"{base}{n}"
        if client.find_user(candidate) is None:
            return candidate
    raise InputError("username", f"'{base}' and {MAX_SUGGESTIONS - 1} variants are taken; pick one")


def display_name(first_name: str, last_name: str) -> str:
    name = " ".join(p for p in (first_name.strip(), last_name.strip()) if p)
    if not name:
        raise InputError("first_name", "enter a first or last name")
    if len(name) > NAME_MAX:
        raise InputError("last_name", f"first and last name: at most {NAME_MAX} characters in all")
    return name


def _attributes(
    *, invited_by: str, interests: Sequence[str], intro: str, organisation: str
) -> dict[str, Any]:
    """The dashboard's attributes on the user; empty values are left out."""
    cleaned = [i.strip() for i in interests if i.strip()]
    if len(cleaned) > INTERESTS_MAX:
        raise InputError("interests", f"at most {INTERESTS_MAX} interests")
    if len(intro.strip()) > INTRO_MAX:
        raise InputError("intro", f"at most {INTRO_MAX} characters")
    if len(organisation.strip()) > ORGANISATION_MAX:
        raise InputError("organisation", f"at most {ORGANISATION_MAX} characters")
    if len(invited_by.strip()) > NAME_MAX:
        raise InputError("invited_by", f"at most {NAME_MAX} characters")
    values: dict[str, Any] = {
        "invited_by": invited_by.strip(),
        "interests": cleaned,
        "intro": intro.strip(),
        "organisation": organisation.strip(),
    }
    return {key: value for key, value in values.items() if value}


def create_account(
    *,
    actor: str,
    first_name: str,
    last_name: str,
    username: str,
    email: str | None = None,
    groups: Sequence[str] = (),
    invited_by: str = "",
    interests: Sequence[str] = (),
    intro: str = "",
    organisation: str = "",
    marker: Mapping[str, str] | None = None,
) -> User:
    """Create the Authentik account (no credential yet); audited.

    Input is checked before any request (InputError naming the field); Authentik's own
    rejections arrive as AuthentikValidationError with per-field messages. `marker` adds
    attributes that say who created it (e.g. the onboarding journey).
    """
    name = display_name(first_name, last_name)
    login = check.username(username)
    address = check.email(email)
    group_pks = tuple(check.authentik_id(g, "groups") for g in groups)
    attributes = _attributes(
        invited_by=invited_by, interests=interests, intro=intro, organisation=organisation
    )
    attributes.update(marker or {})
    path = check.user_path(get_settings().authentik_user_path, "AUTHENTIK_USER_PATH")
    with audit_log.audited(
        actor=actor,
        action=AuditAction.USER_CREATE,
        target=login,
        member=login,
        details={"groups": list(group_pks)},
        errors=AuthentikError,
    ) as entry:
        user = connections.authentik().create_user(
            username=login,
            name=name,
            email=address,
            path=path,
            groups=group_pks,
            attributes=attributes,
        )
        entry.target = entry.member = user.username
        entry.details["pk"] = user.pk
    return user


def create_user(
    *,
    actor: str,
    first_name: str,
    last_name: str,
    username: str,
    email: str | None = None,
    groups: Sequence[str] = (),
    invited_by: str = "",
    interests: Sequence[str] = (),
    intro: str = "",
    organisation: str = "",
    credential: Credential | str = Credential.PASSWORD,
) -> CreatedUser:
    """Create the user, then set a generated password or make a recovery link.

    If the user was created but the credential step failed: CredentialNotSet (carrying the
    created user).
    """
    try:
        method = Credential(credential)
    except ValueError:
        raise InputError("credential", "choose a password or a recovery link") from None
    user = create_account(
        actor=actor, first_name=first_name, last_name=last_name, username=username,
        email=email, groups=groups, invited_by=invited_by, interests=interests, intro=intro,
        organisation=organisation,
    )
    created = CreatedUser(
        pk=user.pk,
        username=user.username,
        name=user.name,
        email=user.email,
        groups=user.groups,
        credential=method,
    )
    return set_credential(actor=actor, user=created)


def set_credential(*, actor: str, user: CreatedUser) -> CreatedUser:
    """Give an existing account `user.credential`: a new password or a recovery link.

    Also how a retry finishes a creation whose credential step failed (CredentialNotSet).
    """
    client = connections.authentik()
    password = user.credential is Credential.PASSWORD
    action = AuditAction.USER_SET_PASSWORD if password else AuditAction.USER_RECOVERY_LINK
    try:
        with audit_log.audited(
            actor=actor,
            action=action,
            target=user.username,
            member=user.username,
            details={"pk": user.pk},
            errors=AuthentikError,
        ):
            if password:
                secret = generate_password()
                client.set_password(user.pk, secret)
                done = replace(user, password=secret)
            else:
                link, expires = recovery_link(client, user.pk)
                done = replace(user, recovery_link=link, recovery_expires=expires)
    except AuthentikError as err:
        raise CredentialNotSet(user, err) from err
    return done
