"""Rooms: the directory (sync, freshness, search, tags, recommendations) in one import.

The work lives in room_sync (Matrix -> database), room_catalog (queries and admin tags) and
room_recommend (interest matching); pages and the CLI import this module.
"""

from __future__ import annotations

from app.services import connections
from app.services.room_catalog import (
    CachedMember,
    CategoryView,
    DirectoryPage,
    RoomView,
    cached_members,
    cached_rooms_of,
    categories,
    create_category,
    delete_category,
    directory,
    keyword_list,
    listed_rooms,
    power_label,
    rooms_by_id,
    set_room_tags,
    welcome_room_members,
)
from app.services.room_progress import Progress, ProgressCallback
from app.services.room_recommend import Recommendation, interest_terms, recommend_rooms
from app.services.room_sync import Freshness, SyncResult, SyncRunView, freshness, sync_rooms
from app.utils.errors import DashboardError

__all__ = [
    "CachedMember", "CategoryView", "DirectoryPage", "Freshness", "Progress", "ProgressCallback",
    "Recommendation", "RoomView", "SyncResult", "SyncRunView", "cached_members",
    "cached_rooms_of", "categories", "create_category", "delete_category", "directory",
    "freshness", "interest_terms", "keyword_list", "listed_rooms", "matrix_problem",
    "power_label", "recommend_rooms", "rooms_by_id", "set_room_tags", "sync_rooms",
    "welcome_room_members",
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
