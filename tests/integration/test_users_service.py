"""Authentik user services (create, directory, bulk actions) against the schema-checked fake."""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.services import connections, users
from app.services.audit import AuditFilter, search
from app.services.users import BulkAction, GroupChoice, Selected, UserQuery
from app.utils.authentik import AuthentikValidationError
from app.utils.config import get_settings
from app.utils.errors import InputError, NotConfigured
from tests.support.authentik_fake import FAKE_BASE_URL, AuthentikFake
from tests.support.authentik_fixtures import AUTHENTIK_PUBLIC

PUBLIC = AUTHENTIK_PUBLIC
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def fake(db, authentik_installed: AuthentikFake) -> AuthentikFake:
    """The fake behind the app's Authentik client."""
    return authentik_installed


def audit_rows(action: str) -> list:
    return search(AuditFilter(action=action), page_size=500).rows


# -- usernames and user creation --------------------------------------------------------------


def test_username_suggestion_skips_names_authentik_already_has(fake: AuthentikFake) -> None:
    fake.add_user("ada.lovelace")
    fake.add_user("ada.lovelace2")
    fake.reset_requests()
    assert users.suggest_username(first_name="Ada", last_name="Lovelace") == (
        "ada.lovelace3"
    )
    assert fake.count("GET", "/core/users/") == 3  # one exact lookup per candidate
    assert users.suggest_username(first_name="Zoë", last_name="O'Brien") == "zoe.obrien"
    assert users.suggest_username(first_name=" Jean-Luc ", last_name="") == "jean-luc"


def test_username_suggestion_needs_a_name_and_asks_nothing(fake: AuthentikFake) -> None:
    fake.reset_requests()
    with pytest.raises(InputError) as caught:
        users.suggest_username(first_name=" ", last_name="!!")
    assert caught.value.field == "first_name"
    assert fake.count() == 0


def test_create_user_with_a_generated_password(
    fake: AuthentikFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    members = fake.add_group("members")
    created = users.create_user(
        actor="admin",
        first_name="Ada",
        last_name="Lovelace",
        username="ada.lovelace",
        email="ada@example.org",
        groups=[members.pk],
        invited_by="charles",
        interests=["maths", " engines ", ""],
        intro="Hello!",
        organisation="Analytical Society",
        credential="password",
    )
    assert created.password and len(created.password) >= 20
    assert fake.password_matches(created.pk, created.password)
    stored = fake.users[created.pk]
    assert (stored.username, stored.name, stored.email) == (
        "ada.lovelace",
        "Ada Lovelace",
        "ada@example.org",
    )
    assert stored.groups == [members.pk] and stored.path == "users"
    assert stored.attributes == {
        "invited_by": "charles",
        "interests": ["maths", "engines"],
        "intro": "Hello!",
        "organisation": "Analytical Society",
    }
    assert created.password not in repr(created)
    # Audited, without the password; never logged either.
    (create,) = audit_rows("authentik.user.create")
    (password,) = audit_rows("authentik.user.set_password")
    assert (create.actor, create.member, create.outcome) == ("admin", "ada.lovelace", "ok")
    assert password.outcome == "ok"
    everything = search(AuditFilter(), page_size=500).rows
    assert all(created.password not in repr(row) for row in everything)
    assert created.password not in caplog.text


def test_create_user_with_a_recovery_link(fake: AuthentikFake) -> None:
    created = users.create_user(
        actor="admin",
        first_name="Grace",
        last_name="Hopper",
        username="grace",
        credential="recovery_link",
    )
    assert created.password is None
    assert created.recovery_link is not None
    # Authentik built it on the host the dashboard called (FAKE_BASE_URL); it is shown on
    # AUTHENTIK_PUBLIC_URL's host, with the 30 minutes it was asked to last.
    assert re.fullmatch(
        rf"{PUBLIC}/if/flow/default-recovery-flow/\?flow_token=[0-9a-f]{{32}}",
        created.recovery_link,
    )
    (asked,) = [r for r in fake.requests if r.template == "/core/users/{id}/recovery/"]
    assert asked.body == {"token_duration": "minutes=30"}
    assert created.recovery_expires is not None
    left = created.recovery_expires - datetime.now(UTC)
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)
    assert fake.users[created.pk].password_sha256 is None
    assert [r.outcome for r in audit_rows("authentik.user.recovery_link")] == ["ok"]


def test_recovery_links_stay_on_the_api_host_without_a_public_url(
    fake: AuthentikFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTHENTIK_PUBLIC_URL")
    get_settings.cache_clear()
    user = fake.add_user("lin")
    (outcome,) = users.bulk(actor="admin", action="reset", users=[Selected(user.pk, "lin")])
    assert outcome.recovery_link is not None
    assert outcome.recovery_link.startswith(f"{FAKE_BASE_URL}/if/flow/default-recovery-flow/")


def test_recovery_failure_after_the_user_exists_is_reported_not_hidden(
    fake: AuthentikFake,
) -> None:
    fake.recovery_flow_slug = None  # Authentik: 400 "No recovery flow set."
    with pytest.raises(users.CredentialNotSet) as caught:
        users.create_user(
            actor="admin",
            first_name="Alan",
            last_name="Turing",
            username="alan",
            credential="recovery_link",
        )
    err = caught.value
    assert err.user.pk in fake.users and fake.users[err.user.pk].username == "alan"
    assert "was created in Authentik" in str(err) and "do not create it again" in str(err)
    assert "No recovery flow set." in str(err)
    assert [r.outcome for r in audit_rows("authentik.user.create")] == ["ok"]
    assert [r.outcome for r in audit_rows("authentik.user.recovery_link")] == ["failed"]


def test_password_failure_after_the_user_exists_is_reported(fake: AuthentikFake) -> None:
    fake.fail_next("POST", "/core/users/{id}/set_password/", status=500)
    with pytest.raises(users.CredentialNotSet) as caught:
        users.create_user(actor="admin", first_name="Kate", last_name="", username="kate")
    user = fake.users[caught.value.user.pk]
    assert user.password_sha256 is None
    assert "setting its password failed" in str(caught.value)
    assert "recovery link" in str(caught.value)  # says how to recover
    assert [r.outcome for r in audit_rows("authentik.user.set_password")] == ["failed"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "has space"}, "username"),
        ({"username": ""}, "username"),
        ({"email": "not-an-address"}, "email"),
        ({"first_name": " ", "last_name": ""}, "first_name"),
        ({"groups": ["not-a-uuid"]}, "groups"),
        ({"credential": "sms"}, "credential"),
        ({"intro": "x" * 5000}, "intro"),
    ],
)
def test_bad_user_input_is_rejected_before_any_request(
    fake: AuthentikFake, changes: dict, field: str
) -> None:
    fake.reset_requests()
    values = {"first_name": "Ada", "last_name": "L", "username": "ada", **changes}
    with pytest.raises(InputError) as caught:
        users.create_user(actor="admin", **values)
    assert caught.value.field == field
    assert fake.count() == 0
    assert audit_rows("authentik.user.create") == []


def test_duplicate_username_comes_back_as_a_field_error_and_is_audited(
    fake: AuthentikFake,
) -> None:
    fake.add_user("taken")
    with pytest.raises(AuthentikValidationError) as caught:
        users.create_user(actor="admin", first_name="T", last_name="", username="taken")
    assert caught.value.errors["username"] == ["This field must be unique."]
    (row,) = audit_rows("authentik.user.create")
    assert (row.outcome, row.target) == ("failed", "taken")
    assert fake.count("POST", "/core/users/{id}/set_password/") == 0


# -- directory ----------------------------------------------------------------------------------


def test_directory_pages_through_authentik_with_counts(fake: AuthentikFake) -> None:
    fake.seed_users(120)
    fake.reset_requests()
    query = UserQuery()
    pages = [users.page(query=query, page=n, page_size=50) for n in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [50, 50, 21]  # 120 members + akadmin
    assert {p.total for p in pages} == {121} and {p.pages for p in pages} == {3}
    usernames = [r.username for p in pages for r in p.rows]
    assert usernames == sorted(usernames) and len(set(usernames)) == 121
    assert fake.count() == 3  # one request per page view
    # Past the end (users deleted meanwhile): the last page, not an error.
    assert users.page(query=query, page=9, page_size=50).page == 3


def test_directory_search_active_and_group_filters_run_in_authentik(fake: AuthentikFake) -> None:
    seeded = fake.seed_users(30)
    staff = fake.add_group("staff")
    for user in seeded[:5]:
        fake.set_member(staff.pk, user.pk, True)
    for user in seeded[3:8]:
        user.is_active = False
    found = users.page(query=UserQuery(search="member0001"))
    assert [r.username for r in found.rows] == [f"member0001{i}" for i in range(10)]
    inactive = users.page(query=UserQuery(active=False))
    assert inactive.total == 5
    in_staff = users.page(query=UserQuery(group_pk=staff.pk, active=True))
    assert [r.username for r in in_staff.rows] == ["member00001", "member00002", "member00003"]
    assert in_staff.rows[0].groups == ("staff",)
    newest = users.page(query=UserQuery(ordering="-username"), page_size=1)
    assert newest.rows[0].username == "member00030"
    with pytest.raises(InputError):
        users.page(query=UserQuery(ordering="password"))
    with pytest.raises(InputError):
        users.page(query=UserQuery(), page_size=5000)


def test_user_detail_has_attributes_and_group_names(fake: AuthentikFake) -> None:
    staff = fake.add_group("staff")
    user = fake.add_user("ada", attributes={"organisation": "AS"}, groups=[staff.pk])
    detail = users.user_detail(pk=user.pk)
    assert (detail.username, detail.groups, detail.attributes) == (
        "ada",
        ("staff",),
        {"organisation": "AS"},
    )


def selection(people) -> list[Selected]:
    return [Selected(u.pk, u.username) for u in people]


def test_bulk_deactivate_reports_the_failing_user_and_finishes_the_rest(
    fake: AuthentikFake,
) -> None:
    seeded = fake.seed_users(6)
    broken = seeded[2]
    fake.fail_next("PATCH", f"/core/users/{broken.pk}/", status=500)
    seen: list[tuple[int, int]] = []
    outcomes = users.bulk(
        actor="admin",
        action=BulkAction.DEACTIVATE,
        users=selection(seeded),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert [o.username for o in outcomes] == [u.username for u in seeded]  # selection order
    assert [o.status for o in outcomes] == ["ok", "ok", "failed", "ok", "ok", "ok"]
    assert "500" in outcomes[2].reason
    assert [u.is_active for u in seeded] == [False, False, True, False, False, False]
    assert seen[-1] == (6, 6) and len(seen) == 6
    rows = audit_rows("authentik.user.deactivate")
    assert sorted(r.outcome for r in rows) == ["failed"] + ["ok"] * 5
    assert {r.member for r in rows} == {u.username for u in seeded}


def test_bulk_stops_when_authentik_becomes_unreachable(fake: AuthentikFake) -> None:
    seeded = fake.seed_users(5)
    fake.fail_next("PATCH", f"/core/users/{seeded[1].pk}/", error=httpx.ConnectError)
    outcomes = users.bulk(
        actor="admin", action="activate", users=selection(seeded), concurrency=1
    )
    assert [o.ok for o in outcomes] == [True, False, False, False, False]
    assert "could not be reached" in outcomes[1].reason
    assert all(o.reason.startswith("not attempted:") for o in outcomes[2:])
    assert fake.count("PATCH") == 2  # nothing sent after the failure
    assert len(audit_rows("authentik.user.activate")) == 2  # only what was attempted


def test_bulk_group_membership_reset_and_delete(fake: AuthentikFake) -> None:
    seeded = fake.seed_users(3)
    team = fake.add_group("team")
    group = GroupChoice(team.pk, team.name)
    picked = selection(seeded)
    added = users.bulk(actor="admin", action="add_group", users=picked, group=group)
    assert all(o.ok for o in added) and team.members == {u.pk for u in seeded}
    removed = users.bulk(
        actor="admin", action="remove_group", users=picked[:1], group=group
    )
    assert removed[0].ok and team.members == {seeded[1].pk, seeded[2].pk}
    reset = users.bulk(actor="admin", action="reset", users=picked)
    assert all(o.ok and o.recovery_link and "flow_token=" in o.recovery_link for o in reset)
    assert all(str(o.recovery_link).startswith(f"{PUBLIC}/if/flow/") for o in reset)
    assert len({o.recovery_link for o in reset}) == 3
    assert all("flow_token" not in repr(r) for r in audit_rows("authentik.user.recovery_link"))

    fake.reset_requests()
    for confirm, field in (("", "confirm"), ("delete", "confirm"), ("4", "confirm")):
        with pytest.raises(InputError) as caught:
            users.bulk(actor="admin", action="delete", users=picked, confirm=confirm)
        assert caught.value.field == field
    with pytest.raises(InputError) as caught:
        users.bulk(actor="admin", action="add_group", users=picked)
    assert caught.value.field == "group"
    assert fake.count() == 0  # nothing sent for incomplete requests
    deleted = users.bulk(actor="admin", action="delete", users=picked, confirm="3")
    assert all(o.ok for o in deleted) and not any(u.pk in fake.users for u in seeded)
    assert len(audit_rows("authentik.user.delete")) == 3


def test_bulk_never_deactivates_the_api_tokens_own_account(fake: AuthentikFake) -> None:
    seeded = fake.seed_users(2)
    picked = [Selected(fake.admin.pk, fake.admin.username), *selection(seeded)]
    outcomes = users.bulk(actor="admin", action="deactivate", users=picked)
    assert [o.ok for o in outcomes] == [False, True, True]
    assert "owns the dashboard's AUTHENTIK_TOKEN" in outcomes[0].reason and fake.admin.is_active


def test_csv_export_walks_every_page_and_is_formula_safe(fake: AuthentikFake) -> None:
    fake.seed_users(2_500)
    fake.add_user("zz.formula", name='=HYPERLINK("http://evil")', email="z@example.org")
    fake.reset_requests()
    seen: list[tuple[int, int]] = []
    export = users.export_csv(
        actor="admin", query=UserQuery(), progress=lambda d, t: seen.append((d, t))
    )
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == export.rows == 2_502  # 2,500 members + the formula user + akadmin
    assert {r["username"] for r in rows} == {u.username for u in fake.users.values()}
    assert fake.count("GET", "/core/users/") == 26  # ceil(2,502 / 100): pages capped at 100
    assert seen[-1] == (2_502, 2_502) and len(seen) == 26
    formula = next(r for r in rows if r["username"] == "zz.formula")
    assert formula["name"].startswith("'=")
    filtered = users.export_csv(actor="admin", query=UserQuery(search="member0250"))
    assert filtered.rows == len(list(csv.DictReader(io.StringIO(filtered.text)))) == 1
    (row, _) = audit_rows("authentik.user.export")
    assert row.outcome == "ok" and row.actor == "admin"


def test_services_say_when_authentik_is_not_configured(db) -> None:
    connections.override("authentik", None)
    with pytest.raises(NotConfigured, match="set AUTHENTIK_URL, AUTHENTIK_TOKEN"):
        users.page(query=UserQuery())
