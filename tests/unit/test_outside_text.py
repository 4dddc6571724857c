"""Outside data escaped for markdown contexts (app.ui.text.md)."""

from __future__ import annotations

import re

import pytest

from app.ui.text import md

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
    assert re.sub(r"\\(.)", r"\1", escaped) == re.sub(r"[\r\n]+", " ", payload)
    # Read as markdown tokens, every punctuation character is a backslash escape.
    tokens = re.findall(r"\\.|.", escaped, flags=re.DOTALL)
    assert all(len(t) == 2 for t in tokens if re.fullmatch(r"[!-/:-@\[-`{-~]", t[-1]))


def test_plain_words_are_untouched() -> None:
    assert md("Ada Lovelace") == "Ada Lovelace"
    assert md(42) == "42"
