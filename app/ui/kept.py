"""Keep a read from Authentik across a page's reruns while it is fresh, so a rerun that changes
nothing (a checkbox, a selection) sends no request: the same view, read less than
REFERENCE_TTL ago, and no change sent by this dashboard process since (reference.Stamp)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import streamlit as st

from app.services.reference import Stamp

T = TypeVar("T")


def kept_read(key: str, view: object, load: Callable[[], T], *, hold: bool = False) -> T:
    """`load()`, or what it gave for `view` last time under `key` while that is fresh (or,
    with `hold`, whatever its age: rows on screen are selected)."""
    kept: tuple[object, Stamp, object] | None = st.session_state.get(key)
    if kept is not None and kept[0] == view and (hold or kept[1].fresh()):
        return cast(T, kept[2])
    stamp = Stamp.now()  # before the read: a change during it makes it stale
    value = load()
    st.session_state[key] = (view, stamp, value)
    return value
