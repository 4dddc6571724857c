"""Text people paste back in: without the invisible characters pages add or copy along."""

from __future__ import annotations

import re

# Zero-width space/non-joiner/joiner, word joiner (app.ui.text puts it into shown IDs to stop
# autolinks), byte-order mark.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def clean(value: str | None) -> str:
    """`value` stripped of surrounding whitespace and invisible characters."""
    return _INVISIBLE.sub("", value or "").strip()
