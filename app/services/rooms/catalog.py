"""The stored room catalog: search and filters, admin categories and keywords, cached members.

Reads only the database (filled by room_sync); nothing here talks to Matrix. Lists are for an
actor: a scoped moderator sees only the rooms (and categories) of their scope (`scopes`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import Room, RoomCategory, RoomCategoryLink, RoomKeyword, RoomMember
from app.services.rooms import scopes
from app.utils.config import get_settings
from app.utils.enums import AuditAction
from app.utils.errors import InputError, NotConfigured
from app.utils.matrix import CREATOR_LEVEL
from app.utils.matrix import ids as matrix_ids

MAX_CATEGORY_LENGTH = 64
MAX_KEYWORD_LENGTH = 64
MAX_KEYWORDS = 30
_CHUNK = 500


@dataclass(frozen=True)
class RoomView:
    room_id: str
    name: str
    topic: str
    canonical_alias: str
    joined_members: int
    invited_members: int
    encrypted: bool
    is_direct: bool
    bot_level: int
    invite_level: int
    kick_level: int
    ban_level: int
    still_joined: bool
    synced_at: datetime
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """What people call the room: its name, else its alias, else its ID."""
        return self.name or self.canonical_alias or self.room_id

    @property
    def bot_may_invite(self) -> bool:
        """As of the last sync; the homeserver decides at the time of the invite."""
        return self.bot_level >= self.invite_level


@dataclass(frozen=True)
class RoomPage:
    rooms: list[RoomView]
    total: int  # matching rooms, all pages
    hidden_small: int  # rooms left out for having fewer than `min_members` joined members
    min_members: int


@dataclass(frozen=True)
class CategoryView:
    id: int
    name: str
    rooms: int


@dataclass(frozen=True)
class CachedMember:
    room_id: str
    user_id: str
    display_name: str
    membership: str
    power_level: int
    synced_at: datetime


def power_label(level: int | None) -> str:
    """A power level for people: room v12 creators show as "creator", unknown as "?"."""
    if level is None:
        return "?"
    return "creator" if level >= CREATOR_LEVEL else str(level)


def _listed(*, include_small: bool, scope: scopes.Scope) -> Select[Room]:
    """Rooms the bot is still in, not direct chats, in the scope, big enough unless asked
    otherwise."""
    query = select(Room).where(Room.still_joined.is_(True), Room.is_direct.is_(False))
    if (in_scope := scopes.room_filter(scope)) is not None:
        query = query.where(in_scope)
    minimum = get_settings().matrix_min_room_members
    if minimum and not include_small:
        query = query.where(Room.joined_members >= minimum)
    return query


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(
    query: Select[Room], *, search: str, category: str
) -> Select[Room]:
    if term := " ".join(search.split()):
        pattern = _like(term)
        tagged = select(RoomKeyword.room_id).where(RoomKeyword.keyword.ilike(pattern, escape="\\"))
        query = query.where(or_(
            Room.name.ilike(pattern, escape="\\"),
            Room.topic.ilike(pattern, escape="\\"),
            Room.canonical_alias.ilike(pattern, escape="\\"),
            Room.room_id.ilike(pattern, escape="\\"),
            Room.room_id.in_(tagged),
        ))
    if category:
        in_category = (
            select(RoomCategoryLink.room_id)
            .join(RoomCategory, RoomCategory.id == RoomCategoryLink.category_id)
            .where(func.lower(RoomCategory.name) == category.lower())
        )
        query = query.where(Room.room_id.in_(in_category))
    return query


def page(
    *, actor: str, search: str = "", category: str = "", include_small: bool = False,
    limit: int = 200, offset: int = 0,
) -> RoomPage:
    """One page of the rooms `actor` may see matching `search` (name, topic, alias, ID,
    keyword) and `category`, biggest first."""
    limit = max(1, min(limit, 1000))
    scope = scopes.scope_of(actor)
    with session_scope() as db:
        query = _filtered(_listed(include_small=include_small, scope=scope), search=search,
                          category=category)
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        everything = _filtered(_listed(include_small=True, scope=scope), search=search,
                               category=category)
        all_total = db.scalar(select(func.count()).select_from(everything.subquery())) or 0
        rooms = db.scalars(
            query.order_by(Room.joined_members.desc(), Room.name, Room.room_id)
            .offset(max(0, offset)).limit(limit)
        ).all()
        views = _views(db, rooms)
    return RoomPage(views, total, all_total - total, get_settings().matrix_min_room_members)


def listed_rooms(*, actor: str, search: str = "", category: str = "") -> list[RoomView]:
    """Every listed room `actor` may see matching the filters (room pickers, "invite to all",
    recommendations)."""
    scope = scopes.scope_of(actor)
    with session_scope() as db:
        query = _filtered(_listed(include_small=False, scope=scope), search=search,
                          category=category)
        rooms = db.scalars(query.order_by(Room.joined_members.desc(), Room.name, Room.room_id))
        return _views(db, rooms.all())


def rooms_by_id(room_ids: Iterable[str]) -> dict[str, RoomView]:
    """Stored rooms by ID, whether listed or not; unknown IDs are absent."""
    wanted = list(dict.fromkeys(room_ids))
    found: list[Room] = []
    with session_scope() as db:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            found.extend(db.scalars(select(Room).where(Room.room_id.in_(chunk))).all())
        return {view.room_id: view for view in _views(db, found)}


def _views(db: Session, rooms: Sequence[Room]) -> list[RoomView]:
    ids = [room.room_id for room in rooms]
    categories: dict[str, list[str]] = {}
    keywords: dict[str, list[str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for room_id, name in db.execute(
            select(RoomCategoryLink.room_id, RoomCategory.name)
            .join(RoomCategory, RoomCategory.id == RoomCategoryLink.category_id)
            .where(RoomCategoryLink.room_id.in_(chunk))
        ):
            categories.setdefault(room_id, []).append(name)
        for room_id, keyword in db.execute(
            select(RoomKeyword.room_id, RoomKeyword.keyword).where(RoomKeyword.room_id.in_(chunk))
        ):
            keywords.setdefault(room_id, []).append(keyword)
    return [
        RoomView(
            room_id=r.room_id, name=r.name, topic=r.topic, canonical_alias=r.canonical_alias,
            joined_members=r.joined_members, invited_members=r.invited_members,
            encrypted=r.encrypted, is_direct=r.is_direct, bot_level=r.bot_level,
            invite_level=r.invite_level, kick_level=r.kick_level, ban_level=r.ban_level,
            still_joined=r.still_joined, synced_at=r.synced_at,
            categories=tuple(sorted(categories.get(r.room_id, []), key=str.lower)),
            keywords=tuple(sorted(keywords.get(r.room_id, []))),
        )
        for r in rooms
    ]


# --- categories and keywords (admin) --------------------------------------------------------


def category_name(value: str, *, field: str = "Category") -> str:
    name = " ".join(value.split())
    if not name:
        raise InputError(field, "must not be empty")
    if len(name) > MAX_CATEGORY_LENGTH:
        raise InputError(field, f"use at most {MAX_CATEGORY_LENGTH} characters")
    return name


def keyword_list(values: str | Iterable[str], *, field: str = "Keywords") -> list[str]:
    """Lower-case keywords from a comma-separated string or a list; duplicates dropped."""
    items = re.split(r"[,\n]", values) if isinstance(values, str) else list(values)
    words = list(dict.fromkeys(" ".join(v.split()).lower() for v in items if v.strip()))
    if too_long := [w for w in words if len(w) > MAX_KEYWORD_LENGTH]:
        raise InputError(field, f"'{too_long[0]}' is longer than {MAX_KEYWORD_LENGTH} characters")
    if len(words) > MAX_KEYWORDS:
        raise InputError(field, f"use at most {MAX_KEYWORDS} keywords per room")
    return words


def categories(*, actor: str) -> list[CategoryView]:
    """The categories `actor` may pick from: all of them, or a scoped moderator's own."""
    scope = scopes.scope_of(actor)
    query = (
        select(RoomCategory.id, RoomCategory.name, func.count(RoomCategoryLink.room_id))
        .outerjoin(RoomCategoryLink, RoomCategoryLink.category_id == RoomCategory.id)
        .group_by(RoomCategory.id, RoomCategory.name)
    )
    if scope.limited:
        query = query.where(RoomCategory.id.in_(scope.category_ids))
    with session_scope() as db:
        rows = db.execute(query).all()
    return sorted((CategoryView(i, n, c) for i, n, c in rows), key=lambda c: c.name.lower())


def _category(db: Session, name: str) -> RoomCategory | None:
    return db.scalars(
        select(RoomCategory).where(func.lower(RoomCategory.name) == name.lower())
    ).first()


def create_category(*, actor: str, name: str) -> CategoryView:
    clean = category_name(name)
    with session_scope() as db:
        if _category(db, clean) is not None:
            raise InputError("Category", f"'{clean}' exists already")
        row = RoomCategory(name=clean, created_by=actor[:150])
        db.add(row)
        db.flush()
        audit_log.record(actor=actor, action=AuditAction.ROOMS_CATEGORY_CREATE, target=clean, db=db)
        return CategoryView(row.id, row.name, 0)


def delete_category(*, actor: str, name: str) -> None:
    """Remove a category from every room and from the list; refused while it limits a
    moderator (deleting their only category would widen their reach to every room)."""
    with session_scope() as db:
        row = _category(db, name.strip())
        if row is None:
            raise InputError("Category", f"there is no category '{name.strip()}'")
        if limited := scopes.moderators_limited_by(db, row.id):
            raise InputError("Category", f"'{row.name}' limits the moderator(s) "
                                         f"{', '.join(limited)}: change their room categories "
                                         "on the Moderators page first")
        db.execute(delete(RoomCategoryLink).where(RoomCategoryLink.category_id == row.id))
        db.delete(row)
        audit_log.record(
            actor=actor, action=AuditAction.ROOMS_CATEGORY_DELETE, target=row.name, db=db
        )


def set_room_tags(
    *, actor: str, room_id: str, categories: Sequence[str], keywords: str | Sequence[str]
) -> RoomView:
    """Replace a room's categories (unknown names are created) and keywords."""
    room = matrix_ids.room_id(room_id, field="Room")
    names = list(dict.fromkeys(category_name(c, field="Categories") for c in categories))
    words = keyword_list(keywords)
    with session_scope() as db:
        if db.get(Room, room) is None:
            raise InputError("Room", f"{room} is not in the room catalog; sync the rooms first")
        ids = []
        for name in names:
            row = _category(db, name)
            if row is None:
                row = RoomCategory(name=name, created_by=actor[:150])
                db.add(row)
                db.flush()
            ids.append(row.id)
        db.execute(delete(RoomCategoryLink).where(RoomCategoryLink.room_id == room))
        db.execute(delete(RoomKeyword).where(RoomKeyword.room_id == room))
        db.add_all(RoomCategoryLink(room_id=room, category_id=i) for i in dict.fromkeys(ids))
        db.add_all(RoomKeyword(room_id=room, keyword=w) for w in words)
        audit_log.record(actor=actor, action=AuditAction.ROOMS_TAGS, target=room,
                         details={"categories": names, "keywords": words}, db=db)
    return rooms_by_id([room])[room]


# --- cached members -------------------------------------------------------------------------


def _members(query: Select[RoomMember]) -> list[CachedMember]:
    with session_scope() as db:
        return [
            CachedMember(m.room_id, m.user_id, m.display_name, m.membership, m.power_level,
                         m.synced_at)
            for m in db.scalars(query)
        ]


def cached_members(room_id: str) -> list[CachedMember]:
    """The room's joined members at the last sync (a cache: it may be stale)."""
    room = matrix_ids.room_id(room_id, field="Room")
    return _members(select(RoomMember).where(RoomMember.room_id == room)
                    .order_by(RoomMember.user_id))


def cached_rooms_of(user_id: str) -> list[CachedMember]:
    """Where the last sync saw `user_id` joined, in rooms the bot is still in."""
    user = matrix_ids.user_id(user_id)
    return _members(
        select(RoomMember).join(Room, Room.room_id == RoomMember.room_id)
        .where(RoomMember.user_id == user, Room.still_joined.is_(True))
        .order_by(RoomMember.room_id)
    )


def welcome_room_members() -> list[CachedMember]:
    """Members of MATRIX_WELCOME_ROOM_ID as of the last sync (for onboarding); never the bot,
    which is in that room but is nobody to onboard."""
    settings = get_settings()
    room = settings.matrix_welcome_room_id
    if room is None:
        raise NotConfigured("The Matrix welcome room", ["MATRIX_WELCOME_ROOM_ID"])
    return [m for m in cached_members(room) if m.user_id != settings.matrix_bot_user_id]
