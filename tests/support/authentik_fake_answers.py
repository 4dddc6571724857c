"""Shared pieces of the fake Authentik's handlers: the call, error bodies, pagination, order."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tests.support.authentik_fake_records import FakeUser

Reply = tuple[int, Any]
DEFAULT_PAGE_SIZE = 100
PAGING = frozenset({"page", "page_size", "ordering"})


@dataclass
class Call:
    """One checked request, as a handler sees it."""

    path_params: dict[str, Any]
    query: dict[str, Any]
    body: Any
    link_base: str  # scheme://host the request came to, for absolute links
    actor: FakeUser  # the token's account


def not_found(model: str) -> Reply:
    return 404, {"detail": f"No {model} matches the given query."}


def invalid(field: str, message: str) -> Reply:
    return 400, {field: [message]}


def paginate(items: list[Any], query: dict[str, Any], render: Callable[[Any], Any]) -> Reply:
    """Authentik's page-number pagination: `next`/`previous` are page numbers, 0 for none."""
    size = query.get("page_size") or DEFAULT_PAGE_SIZE
    size = size if size > 0 else DEFAULT_PAGE_SIZE
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
    """DRF's OrderingFilter: "field" or "-field"; unknown fields are ignored."""
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
