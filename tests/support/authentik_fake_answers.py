"""Shared pieces of the fake Authentik's handlers: the call, error bodies, pagination, order."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tests.support.authentik_fake_records import FakeUser

Reply = tuple[int, Any]
# Authentik's system settings `pagination_default_page_size` (20) and `pagination_max_page_size`
# (100) on a fresh install; the fake's `settings` can change them per test.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
PAGING = frozenset({"page", "page_size", "ordering"})


@dataclass
class Call:
    """One checked request, as a handler sees it."""

    path_params: dict[str, Any]
    query: dict[str, Any]
    body: Any
    link_base: str  # scheme://host the request came to, for absolute links
    actor: FakeUser  # the token's account
    default_page_size: int = DEFAULT_PAGE_SIZE
    max_page_size: int = MAX_PAGE_SIZE


def not_found(model: str) -> Reply:
    return 404, {"detail": f"No {model} matches the given query."}


def invalid(field: str, message: str) -> Reply:
    return 400, {field: [message]}


def paginate(items: list[Any], call: Call, render: Callable[[Any], Any]) -> Reply:
    """Authentik's page-number pagination: `next`/`previous` are page numbers, 0 for none.

    As measured on a real server: `page_size` is capped at `pagination_max_page_size`
    (default 100; page_size=500 gets 100 rows) and `pagination` tells the truth about the
    page served (`start_index`, `end_index`, `total_pages`, `next` = 0 on the last page); a
    page past the last answers 404 {"detail": "Invalid page."}. A missing, zero or negative
    page_size gets `pagination_default_page_size` (DRF's strict positive-int parsing)."""
    query = call.query
    size = query.get("page_size") or call.default_page_size
    size = min(size if size > 0 else call.default_page_size, call.max_page_size)
    number = query.get("page", 1)
    pages = max(1, math.ceil(len(items) / size))
    if not 1 <= number <= pages:
        return 404, {"detail": "Invalid page."}
    chunk = items[(number - 1) * size : number * size]
    start = (number - 1) * size + 1 if chunk else 0
    return 200, {
        "pagination": {
            "next": number + 1 if number < pages else 0,
            "previous": number - 1 if number > 1 else 0,
            "count": len(items),
            "current": number,
            "total_pages": pages,
            "start_index": start,
            "end_index": start + len(chunk) - 1 if chunk else 0,
        },
        "results": [render(item) for item in chunk],
        "autocomplete": {},
    }


def order(items: list[Any], ordering: str | None, default: str, fields: Iterable[str]) -> None:
    """DRF's OrderingFilter: "field" or "-field"; unknown fields are silently ignored (200,
    default order), as on a real server.

    NULLs sort as PostgreSQL sorts them (Authentik's database): last when ascending, FIRST
    when descending. Measured: `ordering=-last_login` lists the users who never logged in
    before anyone who did."""
    key = (ordering or default).split(",")[0].strip()
    name = key.lstrip("-")
    if name not in set(fields):
        key, name = default, default.lstrip("-")

    def sort_key(item: Any) -> tuple[bool, Any]:
        value = getattr(item, name)
        return (value is None, 0 if value is None else value)

    items.sort(key=sort_key, reverse=key.startswith("-"))


def matches(needle: str | None, *haystack: str) -> bool:
    return not needle or any(needle.lower() in h.lower() for h in haystack)
