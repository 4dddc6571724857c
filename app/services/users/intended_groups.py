"""Intended groups: the groups an invite link says its new member should join, applied once the
account exists.

Authentik does not add memberships from an invitation. Its user-write stage copies the
invitation's `fixed_data` onto the new user only as user fields, `attributes`, and keys
starting `attributes.` or `attributes_`, and it turns every `_` in such a key into a `.`
before nesting (`attributes.intended_groups` would land as {"intended": {"groups": ...}});
anything else is discarded. So an invitation made here carries

    attributes.invitation.groups   the intended group names
    attributes.invitation.by       the dashboard user who made it (Authentik's own created_by
                                   is always the API token's account)
    attributes.invitation.name     the invitation's name

which become the account's `attributes["invitation"]`. The dashboard then adds the account to
those groups when it sees it: `reconcile()` (the periodic job in
app.services.intended_groups_job, or `python -m app reconcile-groups`) or an admin, from the
user's detail in the Users directory (`apply`). It happens once: the account is then marked
`invitation.applied` ({at, by, added}), so a membership removed later by hand stays removed.
A superuser group is never applied (and not accepted on an invite); a group that does not
exist (yet) stays pending.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.db import audit_log
from app.services import connections
from app.utils.authentik import (
    AuthentikClient,
    AuthentikError,
    AuthentikTokenRejected,
    AuthentikUnreachable,
    Group,
)
from app.utils.enums import AuditAction
from app.utils.errors import InputError

logger = logging.getLogger(__name__)

INVITATION = "invitation"  # attributes["invitation"]: what the invitation carried
_PREFIX = f"attributes.{INVITATION}."  # no "_" anywhere: Authentik would turn it into "."
RECONCILE_WINDOW = timedelta(days=7)  # accounts that joined this recently are looked at


@dataclass(frozen=True)
class Carried:
    """What an account's invitation carried, read from its attributes."""

    groups: tuple[str, ...] = ()
    by: str = ""  # the dashboard user who made the invitation
    name: str = ""  # the invitation's name
    applied: Mapping[str, Any] | None = None  # when and by whom the groups were applied

    def pending(self, member_of: Sequence[str]) -> tuple[str, ...]:
        """Intended groups not applied yet and not already held."""
        if self.applied is not None:
            return ()
        return tuple(g for g in self.groups if g not in set(member_of))


@dataclass(frozen=True)
class GroupsApplied:
    """One account's intended groups after an attempt to apply them."""

    pk: int
    username: str
    added: tuple[str, ...] = ()
    already: tuple[str, ...] = ()  # held before (nothing to do)
    missing: tuple[str, ...] = ()  # no such group in Authentik: still pending
    refused: tuple[str, ...] = ()  # superuser groups: never applied by the dashboard
    done: bool = False  # marked applied: nothing left to do for this account
    error: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added) or self.done


def fixed_data(*, groups: Sequence[str], by: str, name: str) -> dict[str, Any]:
    """The invitation's fixed_data keys that land in the new account's attributes."""
    data: dict[str, Any] = {f"{_PREFIX}by": by, f"{_PREFIX}name": name}
    if groups:
        data[f"{_PREFIX}groups"] = list(groups)
    return data


def from_fixed_data(fixed: Mapping[str, Any]) -> Carried:
    """What an invitation's fixed_data will carry (or carried, on older invitations, as a
    plain `intended_groups` key, which Authentik discards)."""
    groups = fixed.get(f"{_PREFIX}groups", fixed.get("intended_groups"))
    return Carried(
        groups=tuple(str(g) for g in groups) if isinstance(groups, list) else (),
        by=str(fixed.get(f"{_PREFIX}by") or ""),
        name=str(fixed.get(f"{_PREFIX}name") or ""),
    )


def carried(attributes: Mapping[str, Any]) -> Carried:
    """What the account's invitation carried, from its attributes (empty when none)."""
    found = attributes.get(INVITATION)
    if not isinstance(found, Mapping):
        return Carried()
    groups = found.get("groups")
    applied = found.get("applied")
    return Carried(
        groups=tuple(str(g) for g in groups) if isinstance(groups, list) else (),
        by=str(found.get("by") or ""),
        name=str(found.get("name") or ""),
        applied=applied if isinstance(applied, Mapping) else None,
    )


def check_groups(names: Sequence[str], groups: Sequence[Group]) -> list[str]:
    """The names, if each is an Authentik group the dashboard may apply; InputError if not."""
    by_name = {g.name: g for g in groups}
    for name in names:
        group = by_name.get(name)
        if group is None:
            raise InputError("intended_groups", f"Authentik has no group {name!r}")
        if group.is_superuser:
            raise InputError(
                "intended_groups",
                f"{name!r} is a superuser group: the dashboard never grants it; add people to "
                "it by hand in Authentik",
            )
    return list(names)


def _groups_by_name(client: AuthentikClient) -> dict[str, Group]:
    return {g.name: g for g in client.iter_groups(page_size=100)}


def apply(
    *, actor: str, pk: int, groups_by_name: Mapping[str, Group] | None = None
) -> GroupsApplied:
    """Add the account to its intended groups (once), audited when anything changed."""
    client = connections.authentik()
    user = client.get_user(pk)
    wanted = carried(user.attributes)
    if not wanted.groups or wanted.applied is not None:
        return GroupsApplied(user.pk, user.username, done=wanted.applied is not None)
    known = groups_by_name if groups_by_name is not None else _groups_by_name(client)
    added: list[str] = []
    already = [n for n in wanted.groups if n in known and known[n].pk in user.groups]
    missing = [n for n in wanted.groups if n not in known]
    refused = [n for n in wanted.groups if n in known and known[n].is_superuser]
    to_add = [n for n in wanted.groups if n not in (*already, *missing, *refused)]
    if not to_add and missing:
        logger.info("intended groups of user pk=%s still pending: %s", pk, ", ".join(missing))
        return GroupsApplied(user.pk, user.username, (), tuple(already), tuple(missing),
                             tuple(refused))
    with audit_log.audited(
        actor=actor,
        action=AuditAction.USER_INTENDED_GROUPS,
        target=user.username,
        member=user.username,
        details={"pk": user.pk, "intended": list(wanted.groups), "invited_by": wanted.by},
        errors=AuthentikError,
    ) as entry:
        for name in to_add:
            client.add_user_to_group(known[name].pk, user.pk)
            added.append(name)
            entry.details["added"] = list(added)
        done = not missing
        if done:
            _mark_applied(client, user.pk, actor=actor, added=added)
        entry.details.update(added=added, missing=missing, refused=refused, done=done)
    return GroupsApplied(user.pk, user.username, tuple(added), tuple(already), tuple(missing),
                         tuple(refused), done)


def _mark_applied(client: AuthentikClient, pk: int, *, actor: str, added: list[str]) -> None:
    """Record in the account's attributes that its intended groups were applied. Authentik's
    PATCH replaces all attributes: read them fresh, change one key, write them back."""
    attributes = dict(client.get_user(pk).attributes)
    note = dict(attributes.get(INVITATION) or {})
    note["applied"] = {"at": datetime.now(UTC).isoformat(), "by": actor, "added": added}
    attributes[INVITATION] = note
    client.update_user(pk, attributes=attributes)


def reconcile(
    *, actor: str = audit_log.SYSTEM_ACTOR, joined_within: timedelta = RECONCILE_WINDOW
) -> list[GroupsApplied]:
    """Apply the intended groups of every account that joined within `joined_within` and
    still has some pending; one outcome per such account. Stops (raises) when Authentik is
    unreachable or refuses the token: every other account would fail the same way."""
    client = connections.authentik()
    since = datetime.now(UTC) - joined_within
    known: dict[str, Group] | None = None
    outcomes: list[GroupsApplied] = []
    for user in client.iter_users(date_joined__gt=since, ordering="pk"):
        wanted = carried(user.attributes)
        if not wanted.groups or wanted.applied is not None:
            continue
        known = known if known is not None else _groups_by_name(client)
        try:
            outcomes.append(apply(actor=actor, pk=user.pk, groups_by_name=known))
        except (AuthentikUnreachable, AuthentikTokenRejected):
            raise
        except AuthentikError as err:
            outcomes.append(GroupsApplied(user.pk, user.username, error=str(err)))
    changed = sum(o.changed for o in outcomes)
    logger.info("intended groups: %d account(s) looked at, %d changed", len(outcomes), changed)
    return outcomes
