"""The Users directory's paging and ordering against a fake that caps pages and orders NULLs as
Authentik's database does: the row range shown is the true one, and every ordering offered
lists people in the order its label promises."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from app.services import users
from app.services.users import UserQuery
from tests.support.authentik_fake import AuthentikFake

BASE = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def fake(db, authentik_installed: AuthentikFake) -> AuthentikFake:
    return authentik_installed


def test_only_page_sizes_authentik_honours_are_offered(fake: AuthentikFake) -> None:
    assert users.page_sizes() == (25, 50, 100)
    fake.settings["pagination_max_page_size"] = 250
    assert users.page_sizes() == (25, 50, 100, 250)


def test_every_offered_page_size_shows_the_true_row_range(fake: AuthentikFake) -> None:
    fake.seed_users(249)  # and akadmin: 250
    everyone = sorted(u.username for u in fake.users.values())
    for size in users.page_sizes():
        pages = math.ceil(250 / size)
        for number in range(1, pages + 1):
            shown = users.page(query=UserQuery(), page=number, page_size=size)
            first, last = (number - 1) * size + 1, min(number * size, 250)
            assert (shown.first, shown.last, shown.page, shown.pages) == (
                first,
                last,
                number,
                pages,
            ), (size, number)
            assert [r.username for r in shown.rows] == everyone[first - 1 : last]
            assert not shown.capped


def test_a_size_beyond_the_cap_says_so_and_still_labels_the_truth(fake: AuthentikFake) -> None:
    fake.seed_users(1_207)  # the real directory: 1,208 users
    shown = users.page(query=UserQuery(), page=3, page_size=500)
    assert (shown.first, shown.last, shown.page, shown.pages) == (201, 300, 3, 13)
    assert shown.capped and shown.page_size == 100
    last = users.page(query=UserQuery(), page=13, page_size=500)
    assert (last.first, last.last) == (1_201, 1_208)


def _logins(fake: AuthentikFake) -> None:
    """Forty people who logged in (at different times) among sixty who never did."""
    for i in range(100):
        fake.add_user(
            f"u{i:03d}",
            name=f"Person {99 - i:03d}",
            last_login=BASE + timedelta(hours=i * 7 % 100) if i % 5 in (1, 3) else None,
        ).date_joined = BASE + timedelta(days=i)


def _expected(fake: AuthentikFake, ordering: str) -> list[str]:
    people = list(fake.users.values())
    if ordering == "-last_login":
        logged = sorted((u for u in people if u.last_login), key=lambda u: u.last_login,
                        reverse=True)
        never = sorted((u for u in people if not u.last_login), key=lambda u: u.username)
        return [u.username for u in logged + never]
    field = ordering.lstrip("-")
    ordered = sorted(people, key=lambda u: getattr(u, field), reverse=ordering.startswith("-"))
    return [u.username for u in ordered]


@pytest.mark.parametrize("ordering", list(users.ORDERINGS))
def test_every_ordering_offered_keeps_its_promise_across_pages(
    fake: AuthentikFake, ordering: str
) -> None:
    _logins(fake)
    listed: list[str] = []
    number = 1
    while True:
        shown = users.page(query=UserQuery(ordering=ordering), page=number, page_size=25)
        assert (shown.first, shown.last) == (len(listed) + 1, len(listed) + len(shown.rows))
        listed += [r.username for r in shown.rows]
        if number >= shown.pages:
            break
        number += 1
    assert listed == _expected(fake, ordering)
    assert shown.total == len(fake.users) == 101


def test_last_login_recent_first_puts_the_latest_login_first(fake: AuthentikFake) -> None:
    _logins(fake)
    latest = max((u for u in fake.users.values() if u.last_login), key=lambda u: u.last_login)
    fake.reset_requests()
    shown = users.page(query=UserQuery(ordering="-last_login"), page_size=25)
    assert shown.rows[0].username == latest.username
    assert all(r.last_login is not None for r in shown.rows)
    assert fake.count("GET", "/core/users/") == 2  # the page, and the count of the others
    # The page where those who logged in end and the others begin: 40 logged in.
    middle = users.page(query=UserQuery(ordering="-last_login"), page=2, page_size=25)
    assert [r.last_login is None for r in middle.rows] == [False] * 15 + [True] * 10
    past = users.page(query=UserQuery(ordering="-last_login"), page=99, page_size=25)
    assert (past.page, past.first, past.last) == (5, 101, 101)
