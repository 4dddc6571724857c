"""The scope of a scoped moderator, said where it limits what they see and do."""

from __future__ import annotations

import streamlit as st

from app.services import rooms
from app.ui.text import md


def show_scope(actor: str) -> rooms.Scope:
    """State `actor`'s scope when they have one (nothing for admins and unscoped moderators)."""
    scope = rooms.scope_of(actor)
    if scope.limited:
        st.info(
            f"Your scope: {md(scope.describe())}. Rooms of other categories, and rooms in no "
            "category, are not listed here and you cannot act in them; an admin sets your "
            "categories on the Moderators page.",
            icon=":material/filter_alt:",
        )
    return scope
