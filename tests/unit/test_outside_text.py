"""Outside data escaped for markdown contexts (app.ui.text.md)."""

from __future__ import annotations

import re

import pytest

from app.ui.text import WORD_JOINER, md
from app.utils.matrix import ids as matrix_ids

PAYLOADS = [
    "![x](http://tracker.example/p.png)",
    "[click](http://tracker.example/)",
    "<img src=http://tracker.example/p.png>",
    "https://tracker.example/autolink www.tracker.example",
    "**bold** _it_ `code` ~~s~~ $x^2$ :red[red] :material/home:",
    "line one\n# heading\r\n> quote",
    "@bob:example.org <b>hi</b> &amp; \\",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_punctuation_character_is_escaped(payload: str) -> None:
    escaped = md(payload)
    assert "\n" not in escaped and "\r" not in escaped
    # Remove each escape: what is left is the payload's text, with line breaks as spaces.
    shown = re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "")
    assert shown == re.sub(r"[\r\n]+", " ", payload)
    # Read as markdown tokens, every punctuation character is a backslash escape.
    tokens = re.findall(r"\\.|.", escaped, flags=re.DOTALL)
    assert all(len(t) == 2 for t in tokens if re.fullmatch(r"[!-/:-@\[-`{-~]", t[-1]))


def test_plain_words_are_untouched() -> None:
    assert md("Ada Lovelace") == "Ada Lovelace"
    assert md(42) == "42"


def test_autolink_patterns_are_broken_and_pasting_the_text_back_still_works() -> None:
    shown = md("see http://x.org www.y.org a@b.org")
    text = re.sub(r"\\(.)", r"\1", shown)
    assert text.replace(WORD_JOINER, "") == "see http://x.org www.y.org a@b.org"
    for pattern in ("http://", "www.", "a@b"):  # what GFM autolinks look for, after escapes
        assert pattern not in re.sub(r"\\(.)", r"\1", shown)
    copied = re.sub(r"\\(.)", r"\1", md("@bob:example.org"))
    assert matrix_ids.user_id(copied) == "@bob:example.org"
