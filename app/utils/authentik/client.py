"""A thin typed client for Authentik's REST API (/api/v3): users, groups, invitations (and,
through its base class in `flows`, flows, stages, prompts, the brand and the settings).

Every call has a timeout; only idempotent calls are retried (policy in `transport`);
failures arrive as `AuthentikError` subclasses whose messages are fit for a person; results
are frozen dataclasses (`models`). No streamlit, no database: services wrap this.

Operations and parameters follow Authentik 2026.5.6's OpenAPI schema; the test fake checks
every request against it (tests/support/authentik_schema/).
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Unpack

import httpx

from app.utils.authentik import validation as check
from app.utils.authentik.enrollment import invite_ref
from app.utils.authentik.errors import AuthentikError, AuthentikTokenRejected
from app.utils.authentik.flows import FlowCalls
from app.utils.authentik.models import Group, Health, Invitation, Page, TokenOwner, User
from app.utils.authentik.params import UNSET, UserFilters, _Unset, duration_string, user_params
from app.utils.authentik.transport import AuthentikHTTP, tls_verify
from app.utils.errors import InputError, NotConfigured

if TYPE_CHECKING:
    from app.utils.config import Settings

logger = logging.getLogger(__name__)


class AuthentikClient(FlowCalls):
    """Authentik's API with an API token (`Authorization: Bearer <token>`).

    Flows, stages, prompts, the brand and the settings are in its base class (`flows`)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10,
        verify: bool | str | os.PathLike[str] | ssl.SSLContext = True,
        transport: httpx.BaseTransport | None = None,
        retries: int = 2,
        backoff: float = 0.2,
    ) -> None:
        if not token:
            raise NotConfigured("Authentik", ["AUTHENTIK_TOKEN"])
        self.base_url = base_url.rstrip("/").removesuffix("/api/v3")
        self._http = httpx.Client(
            base_url=f"{self.base_url}/api/v3",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout),
            verify=tls_verify(verify),
            transport=transport,
            follow_redirects=False,
        )
        self._api = AuthentikHTTP(
            self._http, base_url=self.base_url, timeout=timeout, retries=retries, backoff=backoff
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, transport: httpx.BaseTransport | None = None
    ) -> AuthentikClient:
        """A client for the configured Authentik; NotConfigured names what is missing."""
        if settings.authentik_missing or not settings.authentik_token:
            raise NotConfigured("Authentik", settings.authentik_missing or ["AUTHENTIK_TOKEN"])
        return cls(
            str(settings.authentik_url),
            settings.authentik_token.get_secret_value(),
            timeout=settings.authentik_timeout_seconds,
            verify=settings.authentik_ca_bundle or True,
            transport=transport,
        )

    def __repr__(self) -> str:  # never the token
        return f"AuthentikClient({self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    @property
    def writes(self) -> int:
        """How many changes this client has sent: moves when what it read may be stale."""
        return self._api.writes

    def __enter__(self) -> AuthentikClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- health -------------------------------------------------------------------------------

    def ping(self) -> None:
        """Is Authentik answering? Unauthenticated GET /root/config/ (no token sent)."""
        self._api.json("GET", "/root/config/", authenticated=False)

    def check_token(self) -> TokenOwner:
        """Does Authentik accept the token? Its account, from GET /core/users/me/."""
        return TokenOwner.from_api(self._api.json("GET", "/core/users/me/"))

    def health(self) -> Health:
        """Reachable, and token valid, as values for a status page; never raises AuthentikError."""
        try:
            self.ping()
        except AuthentikError as err:
            return Health(reachable=False, token_valid=None, message=str(err))
        try:
            owner = self.check_token()
        except AuthentikTokenRejected as err:
            return Health(reachable=True, token_valid=False, message=str(err))
        except AuthentikError as err:
            return Health(reachable=True, token_valid=None, message=str(err))
        message = f"Authentik answers and accepts the token (account {owner.username})"
        return Health(reachable=True, token_valid=True, message=message, owner=owner)

    # -- users --------------------------------------------------------------------------------

    def list_users(
        self, *, page: int = 1, page_size: int = 100, **filters: Unpack[UserFilters]
    ) -> Page[User]:
        """One page of users, ordered by username unless `ordering` says otherwise."""
        params = {**user_params(filters), "page": page, "page_size": page_size}
        return self._api.page("/core/users/", params, User.from_api)

    def user_pages(
        self, *, page_size: int = 100, **filters: Unpack[UserFilters]
    ) -> Iterator[Page[User]]:
        """All matching users, page after page (each page has `count` for a progress bar)."""
        params = {**user_params(filters), "page_size": page_size}
        return self._api.pages("/core/users/", params, User.from_api)

    def iter_users(self, *, page_size: int = 100, **filters: Unpack[UserFilters]) -> Iterator[User]:
        """All matching users, one at a time, fetched a page at a time."""
        for page in self.user_pages(page_size=page_size, **filters):
            yield from page.items

    def get_user(self, pk: int) -> User:
        return User.from_api(self._api.json("GET", f"/core/users/{int(pk)}/"))

    def find_user(self, username: str) -> User | None:
        """The user with exactly this username (case-sensitive, as in Authentik), or None."""
        data = self._api.json("GET", "/core/users/", params={"username": username})
        return User.from_api(data["results"][0]) if data["results"] else None

    def create_user(
        self,
        *,
        username: str,
        name: str,
        email: str | None = None,
        path: str | None = None,
        groups: Sequence[str] = (),
        attributes: dict[str, Any] | None = None,
        type: str = "internal",
        is_active: bool = True,
    ) -> User:
        """Create a user. There is no password field: use `set_password` or `recovery_link`."""
        body: dict[str, Any] = {
            "username": username,
            "name": name,
            "is_active": is_active,
            "type": type,
            "groups": [check.authentik_id(g, "groups") for g in groups],
            "attributes": attributes or {},
        }
        if email:
            body["email"] = email
        if path:
            body["path"] = path
        user = User.from_api(self._api.json("POST", "/core/users/", json=body))
        logger.info("Authentik: created user pk=%s", user.pk)
        return user

    def update_user(
        self,
        pk: int,
        *,
        username: str | _Unset = UNSET,
        name: str | _Unset = UNSET,
        email: str | _Unset | None = UNSET,
        is_active: bool | _Unset = UNSET,
        path: str | _Unset = UNSET,
        groups: Sequence[str] | _Unset = UNSET,
        attributes: dict[str, Any] | _Unset = UNSET,
    ) -> User:
        """PATCH the given fields only. `attributes` REPLACES all attributes (Authentik does
        not merge them); `groups` replaces the memberships; `email=None` clears the address."""
        changes: dict[str, Any] = {
            "username": username,
            "name": name,
            "email": "" if email is None else email,
            "is_active": is_active,
            "path": path,
            "attributes": attributes,
            "groups": groups
            if isinstance(groups, _Unset)
            else [check.authentik_id(g, "groups") for g in groups],
        }
        body = {key: value for key, value in changes.items() if not isinstance(value, _Unset)}
        if not body:
            return self.get_user(pk)
        user = User.from_api(self._api.json("PATCH", f"/core/users/{int(pk)}/", json=body))
        logger.info("Authentik: updated user pk=%s (%s)", pk, ", ".join(sorted(body)))
        return user

    def delete_user(self, pk: int) -> None:
        self._api.request("DELETE", f"/core/users/{int(pk)}/")
        logger.info("Authentik: deleted user pk=%s", pk)

    def set_password(self, pk: int, password: str) -> None:
        """Set the user's password (POST /core/users/{id}/set_password/)."""
        if not password:
            raise InputError("password", "enter a password")
        body = {"password": password}
        self._api.request("POST", f"/core/users/{int(pk)}/set_password/", json=body)
        logger.info("Authentik: set the password of user pk=%s", pk)

    def recovery_link(self, pk: int, *, duration: timedelta | None = None) -> str:
        """A one-time link with which the user sets a password (POST .../recovery/).

        Needs a recovery flow on Authentik's brand; without one Authentik answers 400
        "No recovery flow set." (AuthentikValidationError, in non_field_errors).
        """
        body = {"token_duration": duration_string(duration)} if duration else {}
        data = self._api.json("POST", f"/core/users/{int(pk)}/recovery/", json=body)
        logger.info("Authentik: created a recovery link for user pk=%s", pk)
        return str(data["link"])

    # -- groups -------------------------------------------------------------------------------

    def list_groups(
        self,
        *,
        search: str | None = None,
        name: str | None = None,
        page: int = 1,
        page_size: int = 100,
    ) -> Page[Group]:
        """One page of groups ordered by name; `search` matches part of the name."""
        params = {
            "search": search or None,
            "name": name,
            "include_users": False,
            "page": page,
            "page_size": page_size,
        }
        return self._api.page("/core/groups/", params, Group.from_api)

    def iter_groups(self, *, search: str | None = None, page_size: int = 100) -> Iterator[Group]:
        params = {"search": search or None, "include_users": False, "page_size": page_size}
        for page in self._api.pages("/core/groups/", params, Group.from_api):
            yield from page.items

    def get_group(self, group_pk: str) -> Group:
        path = f"/core/groups/{check.authentik_id(group_pk, 'group')}/"
        return Group.from_api(self._api.json("GET", path, params={"include_users": False}))

    def add_user_to_group(self, group_pk: str, user_pk: int) -> None:
        path = f"/core/groups/{check.authentik_id(group_pk, 'group')}/add_user/"
        self._api.request("POST", path, json={"pk": int(user_pk)})
        logger.info("Authentik: added user pk=%s to group %s", user_pk, group_pk)

    def remove_user_from_group(self, group_pk: str, user_pk: int) -> None:
        """Remove a member; Authentik answers 204 also when the user was not a member."""
        path = f"/core/groups/{check.authentik_id(group_pk, 'group')}/remove_user/"
        self._api.request("POST", path, json={"pk": int(user_pk)})
        logger.info("Authentik: removed user pk=%s from group %s", user_pk, group_pk)

    # -- invitations --------------------------------------------------------------------------

    def create_invitation(
        self,
        *,
        name: str,
        flow_pk: str,
        expires: datetime | None,
        single_use: bool = True,
        fixed_data: dict[str, Any] | None = None,
    ) -> Invitation:
        """An invitation usable only with `flow_pk`; `expires` None means it never expires."""
        body: dict[str, Any] = {
            "name": name,
            "flow": check.authentik_id(flow_pk, "flow"),
            "single_use": single_use,
            "expires": expires.isoformat() if expires else None,
            "fixed_data": fixed_data or {},
        }
        data = self._api.json("POST", "/stages/invitation/invitations/", json=body)
        invitation = Invitation.from_api(data)
        logger.info("Authentik: created invitation ref %s", invite_ref(invitation.pk))
        return invitation

    def list_invitations(
        self,
        *,
        search: str | None = None,
        flow_slug: str | None = None,
        name: str | None = None,
        page: int = 1,
        page_size: int = 100,
    ) -> Page[Invitation]:
        """One page of invitations, latest expiry first (Authentik's order); `name` is exact."""
        params = {
            "search": search or None,
            "name": name or None,
            "flow__slug": flow_slug,
            "page": page,
            "page_size": page_size,
        }
        return self._api.page("/stages/invitation/invitations/", params, Invitation.from_api)

    def iter_invitations(
        self, *, flow_slug: str | None = None, page_size: int = 100
    ) -> Iterator[Invitation]:
        params = {"flow__slug": flow_slug, "page_size": page_size}
        for page in self._api.pages("/stages/invitation/invitations/", params, Invitation.from_api):
            yield from page.items

    def get_invitation(self, pk: str) -> Invitation:
        path = f"/stages/invitation/invitations/{check.authentik_id(pk, 'invitation')}/"
        return Invitation.from_api(self._api.json("GET", path))

    def delete_invitation(self, pk: str) -> None:
        path = f"/stages/invitation/invitations/{check.authentik_id(pk, 'invitation')}/"
        self._api.request("DELETE", path)
        logger.info("Authentik: deleted invitation ref %s", invite_ref(pk))
