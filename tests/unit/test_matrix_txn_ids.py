"""Transaction IDs for messages that must be posted once: derived, checked, one per room."""

from __future__ import annotations

import re

import pytest

from app.utils.errors import InputError
from app.utils.matrix import ids, txn_id


def test_txn_id_is_short_url_safe_and_the_same_for_the_same_parts() -> None:
    first = txn_id("journey-7", "graduation", "!room:example.org")

    assert first == txn_id("journey-7", "graduation", "!room:example.org")
    assert re.fullmatch(r"cd\.[0-9a-f]{32}", first)
    assert ids.transaction_id(first) == first


def test_txn_id_tells_different_parts_apart_however_they_are_split() -> None:
    made = {
        txn_id("journey-7", "graduation", "!a:x.org"),
        txn_id("journey-7", "graduation", "!b:x.org"),
        txn_id("journey-8", "graduation", "!a:x.org"),
        txn_id("journey-7", "graduation!a:x.org"),
        txn_id("journey-7,graduation", "!a:x.org"),
    }

    assert len(made) == 5
    with pytest.raises(ValueError, match="at least one part"):
        txn_id()


@pytest.mark.parametrize("bad", ["", "has space", "a/b", "x" * 256, "é"])
def test_a_transaction_id_that_is_not_a_plain_path_segment_is_refused(bad: str) -> None:
    with pytest.raises(InputError, match="Transaction ID"):
        ids.transaction_id(bad)


def test_transaction_ids_need_one_per_room_each_its_own_and_ignore_other_rooms() -> None:
    rooms = ["!a:x.org", "!b:x.org"]
    given = {room: txn_id("j", "s", room) for room in [*rooms, "!c:x.org"]}

    assert ids.transaction_ids(rooms, given) == {room: given[room] for room in rooms}
    with pytest.raises(InputError, match=r"none given for !b:x\.org"):
        ids.transaction_ids(rooms, {"!a:x.org": given["!a:x.org"]})
    with pytest.raises(InputError, match="its own"):
        ids.transaction_ids(rooms, dict.fromkeys(rooms, given["!a:x.org"]))
