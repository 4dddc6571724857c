"""Scoped moderators: which rooms an actor may see and act in. The one place that decides it.

An admin is never scoped. A moderator given room categories reaches only the rooms of those
categories; a moderator given none (and any actor that is no dashboard account: the CLI, the
system) keeps today's reach, every room the bot is in. A room in no category, or not in the
room catalog at all, is outside every scope.

Lists filter with `room_filter` (in SQL, so counts and pages stay right) or `split`; every
service that acts in rooms calls `check` before any request to Matrix, which refuses, naming
the rooms, and audits the refusal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import Account, ModeratorScope, Room, RoomCategory, RoomCategoryLink
from app.utils.enums import AuditAction, AuditOutcome, Role
from app.utils.errors import InputError, PermissionDenied

FIELD = "Room categories"
_NAMED = 5  # rooms named in a refusal; the rest are counted


class OutOfScope(PermissionDenied):
    """A scoped moderator asked to act in rooms outside their room categories."""


@dataclass(frozen=True)
class Scope:
    """The room categories an actor is limited to; none: every room (unscoped)."""

    categories: tuple[str, ...] = ()
    category_ids: tuple[int, ...] = ()

    @property
    def limited(self) -> bool:
        return bool(self.category_ids)

    def describe(self) -> str:
        """The scope in words, for messages and captions."""
        if not self.limited:
            return "every room (unscoped)"
        return "rooms of " + ", ".join(self.categories)


UNSCOPED = Scope()


def _scope_rows(db: Session, account_id: int) -> Scope:
    rows = db.execute(
        select(RoomCategory.id, RoomCategory.name)
        .join(ModeratorScope, ModeratorScope.category_id == RoomCategory.id)
        .where(ModeratorScope.account_id == account_id)
    ).all()
    ordered = sorted(rows, key=lambda r: r.name.lower())
    return Scope(tuple(r.name for r in ordered), tuple(r.id for r in ordered))


def scope_of(actor: str) -> Scope:
    """`actor`'s scope, read now from the database (a change applies at the next action)."""
    with session_scope() as db:
        account = db.scalars(select(Account).where(Account.username == actor)).first()
        if account is None or account.role != Role.MODERATOR:
            return UNSCOPED
        return _scope_rows(db, account.id)


def room_filter(scope: Scope) -> ColumnElement[bool] | None:
    """A condition on `Room.room_id` keeping the rooms of the scope; None when unscoped."""
    if not scope.limited:
        return None
    return Room.room_id.in_(
        select(RoomCategoryLink.room_id)
        .where(RoomCategoryLink.category_id.in_(scope.category_ids))
    )


def _inside(scope: Scope, room_ids: Sequence[str]) -> set[str]:
    """The rooms of `room_ids` in the scope: one query for the scope's rooms (a scope is some
    categories, far fewer rooms than the bot may be in)."""
    if not scope.limited:
        return set(room_ids)
    with session_scope() as db:
        scoped = set(db.scalars(
            select(RoomCategoryLink.room_id)
            .where(RoomCategoryLink.category_id.in_(scope.category_ids))
        ))
    return scoped.intersection(room_ids)


def split(scope: Scope, room_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """(rooms inside the scope, rooms outside it), each in the order given."""
    rooms = list(dict.fromkeys(room_ids))
    inside = _inside(scope, rooms)
    return [r for r in rooms if r in inside], [r for r in rooms if r not in inside]


def check(
    *, actor: str, room_ids: Iterable[str], action: AuditAction, member: str = ""
) -> Scope:
    """Refuse (OutOfScope, naming the rooms; audited as denied) when any room is outside
    `actor`'s scope; else return the scope. Reads only the database: call it before Matrix."""
    scope = scope_of(actor)
    if not scope.limited:
        return scope
    _, outside = split(scope, room_ids)
    if not outside:
        return scope
    audit_log.record(
        actor=actor, action=action, outcome=AuditOutcome.DENIED, target=member or outside[0],
        member=member,
        details={"reason": "outside scope", "scope": list(scope.categories),
                 "rooms": outside[:50]},
    )
    raise OutOfScope(_refusal(scope, outside))


def _refusal(scope: Scope, outside: Sequence[str]) -> str:
    with session_scope() as db:
        names = {room_id: name for room_id, name in db.execute(
            select(Room.room_id, Room.name).where(Room.room_id.in_(list(outside[:_NAMED])))
        )}
    named = ", ".join(
        f"'{names[r]}' ({r})" if names.get(r) else r for r in outside[:_NAMED]
    )
    more = f" and {len(outside) - _NAMED} more" if len(outside) > _NAMED else ""
    which = "Room" if len(outside) == 1 else f"{len(outside)} rooms:"
    return (f"{which} {named}{more} {'is' if len(outside) == 1 else 'are'} outside your scope "
            f"({scope.describe()}). Nothing was done; ask an admin, or choose rooms of your "
            "categories.")


# --- setting scopes (admins) ----------------------------------------------------------------


def scopes_by_account() -> dict[int, tuple[str, ...]]:
    """Account id -> the category names it is limited to, for the accounts that have any."""
    with session_scope() as db:
        rows = db.execute(
            select(ModeratorScope.account_id, RoomCategory.name)
            .join(RoomCategory, RoomCategory.id == ModeratorScope.category_id)
        ).all()
    found: dict[int, list[str]] = {}
    for account_id, name in rows:
        found.setdefault(account_id, []).append(name)
    return {a: tuple(sorted(names, key=str.lower)) for a, names in found.items()}


def set_scope(*, actor: str, account_id: int, categories: Sequence[str]) -> Scope:
    """Limit a moderator to these room categories (none: unscoped again). Admins only; admins
    are never scoped. Audited with the scope before and after."""
    with session_scope() as db:
        by = db.scalars(select(Account).where(Account.username == actor)).first()
        if by is None or by.role != Role.ADMIN or not by.is_active:
            raise PermissionDenied("Only admins may change a moderator's room categories.")
        account = db.get(Account, account_id)
        if account is None:
            raise InputError("Account", f"no dashboard account with id {account_id}")
        if account.role != Role.MODERATOR:
            raise InputError(FIELD, f"{account.username} is an admin; admins are never scoped")
        ids: list[int] = []
        for name in dict.fromkeys(" ".join(c.split()) for c in categories if c.strip()):
            found = db.scalar(
                select(RoomCategory.id).where(func.lower(RoomCategory.name) == name.lower())
            )
            if found is None:
                raise InputError(FIELD, f"there is no category '{name}'; add it on the Rooms "
                                        "page first")
            ids.append(found)
        before = _scope_rows(db, account.id)
        db.execute(delete(ModeratorScope).where(ModeratorScope.account_id == account.id))
        db.add_all(ModeratorScope(account_id=account.id, category_id=i, created_by=actor[:150])
                   for i in dict.fromkeys(ids))
        db.flush()
        after = _scope_rows(db, account.id)
        audit_log.record(
            actor=actor, action=AuditAction.MODERATOR_SCOPE, target=account.username,
            details={"before": list(before.categories), "after": list(after.categories)},
            db=db,
        )
    return after


def moderators_limited_by(db: Session, category_id: int) -> list[str]:
    """Usernames of the moderators a category limits (it may not be deleted while any)."""
    return list(db.scalars(
        select(Account.username)
        .join(ModeratorScope, ModeratorScope.account_id == Account.id)
        .where(ModeratorScope.category_id == category_id)
        .order_by(Account.username)
    ))
