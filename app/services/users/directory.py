"""The Authentik user directory: one page at a time, one user's detail, groups, CSV export.

Searching, filtering, ordering and paging all happen in Authentik (nothing cached here): a page
view is one request (two or three for "Last login (recent first)", below); an export walks every
page of the current filter, writing each page to the CSV before fetching the next. Bulk actions
live in `bulk_actions`.

What Authentik does that its schema does not say, absorbed here:
- It caps the page size (System > Settings, `pagination_max_page_size`, default 100): asked for
  500, it answers 100 rows. A page reports the rows it really holds (`first`-`last`, from
  Authentik's start_index/end_index) and the page size Authentik honoured; `page_sizes()` offers
  only sizes within the cap.
- Ordering by `-last_login` puts the people who never logged in (NULL) FIRST (PostgreSQL's
  descending order), so "Last login (recent first)" is two queries: those who logged in, most
  recent first, then the others by username (`last_login__isnull`).
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.db import audit_log
from app.services import connections, reference
from app.services.audit import safe_cell
from app.services.users.intended_groups import Carried, carried
from app.utils.authentik import (
    MAX_PAGE_SIZE,
    AuthentikClient,
    AuthentikError,
    AuthentikNotFound,
    Page,
    User,
    UserFilters,
)
from app.utils.authentik import validation as check
from app.utils.enums import AuditAction
from app.utils.errors import InputError

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
PAGE_SIZES = (25, 50, 100, 250, 500)  # offered when Authentik honours them (page_sizes())
DEFAULT_CAP = 100  # Authentik's pagination_max_page_size unless an admin changed it
EXPORT_PAGE_SIZE = 100  # Authentik's default cap: asking for more only looks faster
RECENT_LOGIN_FIRST = "-last_login"  # nulls last: two queries (see the module's docstring)
ORDERINGS: dict[str, str] = {
    "username": "Username (A-Z)",
    "-username": "Username (Z-A)",
    "name": "Name (A-Z)",
    "-date_joined": "Newest first",
    "date_joined": "Oldest first",
    "-last_login": "Last login (recent first)",
}
CSV_COLUMNS = (
    "pk",
    "username",
    "name",
    "email",
    "active",
    "groups",
    "organisation",
    "invited_by",
    "last_login",
    "date_joined",
)

CountProgress = Callable[[int, int], object]  # (done, total); what it returns is ignored


@dataclass(frozen=True)
class UserQuery:
    """What the directory shows: Authentik does the searching, filtering and ordering."""

    search: str = ""
    active: bool | None = None  # None: active and inactive
    group_pk: str | None = None
    ordering: str = "username"


@dataclass(frozen=True)
class GroupChoice:
    pk: str
    name: str


@dataclass(frozen=True)
class UserRow:
    pk: int
    username: str
    name: str
    email: str | None
    is_active: bool
    groups: tuple[str, ...]  # names
    last_login: datetime | None
    date_joined: datetime | None


@dataclass(frozen=True)
class UserPage:
    """One page as served: `first`-`last` are the rows' 1-based positions among `total` (0-0
    when empty); `page_size` is what Authentik honoured, `requested` what was asked for."""

    rows: tuple[UserRow, ...]
    total: int
    page: int
    pages: int
    page_size: int
    first: int = 0
    last: int = 0
    requested: int = 0

    @property
    def capped(self) -> bool:
        """Authentik served fewer rows per page than asked (its page size cap)."""
        return 0 < self.page_size < self.requested


@dataclass(frozen=True)
class CsvExport:
    text: str
    rows: int  # users written (the header not counted)


@dataclass(frozen=True)
class UserDetail:
    pk: int
    uuid: str
    username: str
    name: str
    email: str | None
    is_active: bool
    is_superuser: bool
    type: str
    path: str
    groups: tuple[str, ...]  # names
    last_login: datetime | None
    date_joined: datetime | None
    attributes: dict[str, Any] = field(default_factory=dict, compare=False)
    invitation: Carried = field(default_factory=Carried)  # what its invite link carried

    @property
    def pending_groups(self) -> tuple[str, ...]:
        """Intended groups from its invitation that the dashboard has not applied yet."""
        return self.invitation.pending(self.groups)


def groups() -> list[GroupChoice]:
    """Every Authentik group (all pages), by name: for pickers."""
    return [GroupChoice(g.pk, g.name) for g in reference.groups()]


def filters(query: UserQuery) -> UserFilters:
    """The query as the client's filters; checked before anything is sent."""
    if query.ordering not in ORDERINGS:
        raise InputError("ordering", f"one of: {', '.join(ORDERINGS)}")
    result: UserFilters = {
        "search": query.search.strip() or None,
        "is_active": query.active,
        "ordering": query.ordering,
    }
    if query.group_pk:
        result["groups_by_pk"] = [check.authentik_id(query.group_pk, "group")]
    return result


def _check_page_size(page_size: int) -> int:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError("page_size", f"between 1 and {MAX_PAGE_SIZE}")
    return page_size


def _row(user: User) -> UserRow:
    return UserRow(
        pk=user.pk,
        username=user.username,
        name=user.name,
        email=user.email,
        is_active=user.is_active,
        groups=user.group_names or (),
        last_login=user.last_login,
        date_joined=user.date_joined,
    )


def page_sizes() -> tuple[int, ...]:
    """The page sizes Authentik honours (PAGE_SIZES up to its cap; when the cap cannot be
    known, fewer users exist than any cap and the sizes up to 100 do)."""
    try:
        cap = connections.authentik().page_size_cap().size or DEFAULT_CAP
    except AuthentikError as err:  # the directory itself will say what is wrong
        logger.warning("page size cap not known (%s): assuming Authentik's default", err)
        cap = DEFAULT_CAP
    return tuple(size for size in PAGE_SIZES if size <= cap) or (cap,)


def _honoured(result: Page[Any], asked: int) -> int:
    """The page size Authentik used, read from its answer."""
    if result.current > 1 and result.start_index > 0:
        return (result.start_index - 1) // (result.current - 1)
    if result.next and result.items:
        return result.end_index - result.start_index + 1
    return asked  # a single page: everything fits, whatever the cap


def page(
    *, query: UserQuery, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> UserPage:
    """One page of matching users with the total count and the rows' true positions. A page
    past the end (users were deleted meanwhile) gives the last page instead of an error."""
    wanted = filters(query)
    _check_page_size(page_size)
    if page < 1:
        raise InputError("page", "must be 1 or more")
    client = connections.authentik()
    if query.ordering == RECENT_LOGIN_FIRST:
        return _recent_login_first(client, wanted, page, page_size, page_size)
    result: Page[User]
    try:
        result = client.list_users(page=page, page_size=page_size, **wanted)
    except AuthentikNotFound:  # Authentik answers 404 "Invalid page." past the last page
        if page == 1:
            raise
        result = client.list_users(page=1, page_size=page_size, **wanted)
        if result.total_pages > 1:
            result = client.list_users(page=result.total_pages, page_size=page_size, **wanted)
    return UserPage(
        rows=tuple(_row(u) for u in result.items),
        total=result.count,
        page=result.current,
        pages=max(1, result.total_pages),
        page_size=_honoured(result, page_size),
        first=result.start_index,
        last=result.end_index,
        requested=page_size,
    )


def _count(client: AuthentikClient, wanted: UserFilters) -> int:
    light: UserFilters = {**wanted, "include_groups": False}
    return client.list_users(page=1, page_size=1, **light).count


def _recent_login_first(
    client: AuthentikClient, wanted: UserFilters, page: int, size: int, requested: int
) -> UserPage:
    """Page `page` of: those who logged in, most recent first; then the others by username."""
    logged_in: UserFilters = {**wanted, "last_login__isnull": False, "ordering": "-last_login"}
    never: UserFilters = {**wanted, "last_login__isnull": True, "ordering": "username"}
    offset = (page - 1) * size
    try:
        recent = client.list_users(page=page, page_size=size, **logged_in)
    except AuthentikNotFound:  # past the people who logged in
        first_rows: tuple[User, ...] = ()
        first_count = _count(client, logged_in)
    else:
        honoured = _honoured(recent, size)
        if honoured < size:  # Authentik capped the size: page again at the size it serves
            return _recent_login_first(client, wanted, offset // honoured + 1, honoured, requested)
        first_rows, first_count = recent.items, recent.count
    need = size - len(first_rows)
    rest: list[User] = []
    if need:
        start = max(0, offset - first_count)  # position among the others of the first row
        number, skip = divmod(start, size)
        try:
            others = client.list_users(page=number + 1, page_size=size, **never)
        except AuthentikNotFound:  # past the end: the caller's page is too far
            others_count = _count(client, never)
        else:
            others_count = others.count
            rest = list(others.items[skip : skip + need])
            if len(rest) < need and others.next:
                more = client.list_users(page=number + 2, page_size=size, **never)
                rest += more.items[: need - len(rest)]
    else:
        others_count = _count(client, never)
    total = first_count + others_count
    pages = max(1, math.ceil(total / size))
    if page > pages:
        return _recent_login_first(client, wanted, pages, size, requested)
    rows = (*first_rows, *rest)
    return UserPage(
        rows=tuple(_row(u) for u in rows),
        total=total,
        page=page,
        pages=pages,
        page_size=size,
        first=offset + 1 if rows else 0,
        last=offset + len(rows),
        requested=requested,
    )


def user_detail(*, pk: int) -> UserDetail:
    user = connections.authentik().get_user(pk)
    return UserDetail(
        pk=user.pk,
        uuid=user.uuid,
        username=user.username,
        name=user.name,
        email=user.email,
        is_active=user.is_active,
        is_superuser=user.is_superuser,
        type=user.type,
        path=user.path,
        groups=user.group_names or (),
        last_login=user.last_login,
        date_joined=user.date_joined,
        attributes=dict(user.attributes),
        invitation=carried(user.attributes),
    )


def _stamp(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _csv_row(user: User) -> list[str]:
    attributes = user.attributes
    values = (
        str(user.pk),
        user.username,
        user.name,
        user.email or "",
        "yes" if user.is_active else "no",
        "; ".join(user.group_names or ()),
        str(attributes.get("organisation") or ""),
        str(attributes.get("invited_by") or carried(attributes).by),
        _stamp(user.last_login),
        _stamp(user.date_joined),
    )
    return [safe_cell(v) for v in values]


def export_csv(
    *,
    actor: str,
    query: UserQuery,
    progress: CountProgress | None = None,
    page_size: int = EXPORT_PAGE_SIZE,
) -> CsvExport:
    """Every user matching `query`, as CSV (formula-safe cells), walking all pages.

    Ordered by pk, the order least disturbed by users created during the walk; a user seen
    twice (moved by a deletion between two pages) is written once.
    """
    wanted: UserFilters = {**filters(query), "ordering": "pk"}
    _check_page_size(page_size)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    seen: set[int] = set()
    total = 0
    for current in connections.authentik().user_pages(page_size=page_size, **wanted):
        total = current.count
        for user in current.items:
            if user.pk not in seen:
                seen.add(user.pk)
                writer.writerow(_csv_row(user))
        if progress is not None:
            progress(min(len(seen), total), total)
    audit_log.record(
        actor=actor,
        action=AuditAction.USER_EXPORT,
        target=f"{len(seen)} users",
        details={"search": query.search, "active": query.active, "group": query.group_pk},
    )
    return CsvExport(buffer.getvalue(), len(seen))
