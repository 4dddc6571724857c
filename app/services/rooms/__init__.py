"""Rooms: the bot's rooms as the dashboard stores them (sync, freshness, search, tags,
recommendations, moderators' scopes), in one import.

The work lives in `sync` (Matrix -> database, one at a time: `sync_lock`), `catalog` (queries
and admin tags), `recommend` (interest matching) and `scopes` (which rooms an actor may see and
act in); pages and the CLI import this package.
"""

from __future__ import annotations

from app.services import connections
from app.services.progress import Progress, ProgressCallback
from app.services.rooms.catalog import (
    CachedMember,
    CategoryView,
    RoomPage,
    RoomView,
    cached_members,
    cached_rooms_of,
    categories,
    create_category,
    delete_category,
    keyword_list,
    listed_rooms,
    page,
    power_label,
    rooms_by_id,
    set_room_tags,
    welcome_room_members,
)
from app.services.rooms.recommend import Recommendation, interest_terms, recommend_rooms
from app.services.rooms.scopes import OutOfScope, Scope, scope_of, scopes_by_account, set_scope
from app.services.rooms.sync import Freshness, SyncResult, SyncRunView, freshness, sync_rooms
from app.utils.errors import DashboardError

__all__ = [
    "CachedMember", "CategoryView", "Freshness", "OutOfScope", "Progress", "ProgressCallback",
    "Recommendation", "RoomPage", "RoomView", "Scope", "SyncResult", "SyncRunView",
    "cached_members", "cached_rooms_of", "categories", "create_category", "delete_category",
    "freshness", "interest_terms", "keyword_list", "listed_rooms", "matrix_problem", "page",
    "power_label", "recommend_rooms", "rooms_by_id", "scope_of", "scopes_by_account",
    "set_room_tags", "set_scope", "sync_rooms", "welcome_room_members",
]


def matrix_problem() -> DashboardError | None:
    """Why the Matrix bot cannot be used (e.g. NotConfigured naming what to set), or None.

    Builds the process's client when needed; that sends no request.
    """
    try:
        connections.matrix()
    except DashboardError as err:
        return err
    return None
