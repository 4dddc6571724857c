"""Room recommendations from free-text interests: a fixed, explainable score per room.

Each interest term scores once per field it matches in: category 5, keyword 4, name 3, alias 2,
topic 1. A term matches a word when both reduce to the same stem ("gardening" ~ "gardens") or,
for words of 4+ letters, when one starts with the other ("photo" ~ "photography"). Ties go to
the bigger room, then the name, so the same input always gives the same list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.services.rooms.catalog import RoomView, listed_rooms

WEIGHTS: dict[str, int] = {"category": 5, "keyword": 4, "name": 3, "alias": 2, "topic": 1}
MAX_TERMS = 20
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOPWORDS = frozenset(re.findall(r"\w+", """
    a an and are as at be but by for from i im in into is it its like love me my of on or our so
    some that the their them they this to very we with you your also interested enjoy stuff things
"""))


@dataclass(frozen=True)
class Recommendation:
    room: RoomView
    score: int
    reasons: tuple[str, ...]  # e.g. 'category "Outdoors" matches "hiking"'


def stem(word: str) -> str:
    """A light English stemmer: enough to match plurals and -ing forms, nothing clever."""
    w = word.lower()
    if w.endswith("ing") and len(w) >= 6:
        w = w[:-3]
        if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":
            w = w[:-1]  # running -> run, programming -> program
    elif w.endswith("ies") and len(w) >= 5:
        w = w[:-3] + "y"
    elif w.endswith("s") and not w.endswith("ss") and len(w) >= 4:
        w = w[:-1]
    return w


def interest_terms(interests: str) -> list[str]:
    """The words that count, in order, one per stem, stopwords and 1-letter words dropped."""
    terms: dict[str, str] = {}
    for word in _WORD.findall(interests.lower()):
        if len(word) < 2 or word in _STOPWORDS:
            continue
        terms.setdefault(stem(word), word)
    return list(terms.values())[:MAX_TERMS]


def _matches(term: str, words: Iterable[str]) -> bool:
    t = stem(term)
    for word in words:
        w = stem(word)
        if w == t or w == t + "e" or t == w + "e":  # hiking ~ hike, dancing ~ dance
            return True
        short, long = sorted((w, t), key=len)
        if len(short) >= 4 and long.startswith(short):
            return True
    return False


def _fields(room: RoomView) -> list[tuple[str, str, list[str]]]:
    """(kind, shown text, its words) for every field that can match."""
    fields = [("category", c, _WORD.findall(c.lower())) for c in room.categories]
    fields += [("keyword", k, _WORD.findall(k)) for k in room.keywords]
    if room.name:
        fields.append(("name", room.name, _WORD.findall(room.name.lower())))
    if room.canonical_alias:
        local = room.canonical_alias.split(":", 1)[0].lstrip("#")
        fields.append(("alias", room.canonical_alias, _WORD.findall(local.lower())))
    if room.topic:
        fields.append(("topic", room.topic, _WORD.findall(room.topic.lower())))
    return fields


def score_room(room: RoomView, terms: list[str]) -> Recommendation:
    score, reasons = 0, []
    fields = _fields(room)
    for kind, weight in WEIGHTS.items():
        for term in terms:
            hit = next((shown for k, shown, words in fields
                        if k == kind and _matches(term, words)), None)
            if hit is None:
                continue
            score += weight
            shown = hit if len(hit) <= 60 else hit[:57] + "..."
            reasons.append(f'{kind} "{shown}" matches "{term}" (+{weight})')
    return Recommendation(room, score, tuple(reasons))


def recommend_rooms(interests: str, *, actor: str, limit: int = 10) -> list[Recommendation]:
    """The listed rooms `actor` may see that best match `interests`, best first, each with
    its reasons."""
    terms = interest_terms(interests)
    if not terms:
        return []
    scored = [r for r in (score_room(room, terms) for room in listed_rooms(actor=actor))
              if r.score > 0]
    scored.sort(key=lambda r: (-r.score, -r.room.joined_members, r.room.label.lower(),
                               r.room.room_id))
    return scored[:max(0, limit)]
