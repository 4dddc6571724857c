"""Choose one record of a list shown above (a journey, a sanction) by its number."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

import streamlit as st


class _Numbered(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_Numbered)


def pick(items: Sequence[T], *, label: str, key: str, describe: Callable[[T], str]) -> T | None:
    """A select box of `items` by id (its choice kept under `key`); the one chosen."""
    by_id = {item.id: item for item in items}
    chosen = st.selectbox(label, list(by_id), key=key,
                          format_func=lambda i: f"#{i} · {describe(by_id[i])}")
    return by_id.get(chosen) if chosen is not None else None
