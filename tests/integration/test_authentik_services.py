"""The Authentik services (users, invites, directory, bulk) against the schema-checked fake."""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.services import authentik_users, connections, directory, directory_bulk, invites
from app.services.audit import AuditFilter, search
from app.services.directory import DirectoryQuery, GroupChoice
from app.services.directory_bulk import BulkAction, Selected
from app.utils.authentik import AuthentikConfigError, AuthentikValidationError
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
    assert authentik_users.suggest_username(first_name="Ada", last_name="Lovelace") == (
        "ada.lovelace3"
    )
    assert fake.count("GET", "/core/users/") == 3  # one exact lookup per candidate
    assert authentik_users.suggest_username(first_name="Zoë", last_name="O'Brien") == "zoe.obrien"
    assert authentik_users.suggest_username(first_name=" Jean-Luc ", last_name="") == "jean-luc"


def test_username_suggestion_needs_a_name_and_asks_nothing(fake: AuthentikFake) -> None:
    fake.reset_requests()
    with pytest.raises(InputError) as caught:
        authentik_users.suggest_username(first_name=" ", last_name="!!")
    assert caught.value.field == "first_name"
    assert fake.count() == 0


def test_create_user_with_a_generated_password(
    fake: AuthentikFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    members = fake.add_group("members")
    created = authentik_users.create_user(
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
    created = authentik_users.create_user(
        actor="admin",
        first_name="Grace",
        last_name="Hopper",
        username="grace",
        credential="recovery_link",
    )
    assert created.password is None
    assert created.recovery_link is not None
    assert re.fullmatch(
        rf"{FAKE_BASE_URL}/if/flow/default-recovery-flow/\?flow_token=[0-9a-f]{{32}}",
        created.recovery_link,
    )
    assert fake.users[created.pk].password_sha256 is None
    assert [r.outcome for r in audit_rows("authentik.user.recovery_link")] == ["ok"]


def test_recovery_failure_after_the_user_exists_is_reported_not_hidden(
    fake: AuthentikFake,
) -> None:
    fake.recovery_flow_slug = None  # Authentik: 400 "No recovery flow set."
    with pytest.raises(authentik_users.CredentialNotSet) as caught:
        authentik_users.create_user(
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
    with pytest.raises(authentik_users.CredentialNotSet) as caught:
        authentik_users.create_user(actor="admin", first_name="Kate", last_name="", username="kate")
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
        authentik_users.create_user(actor="admin", **values)
    assert caught.value.field == field
    assert fake.count() == 0
    assert audit_rows("authentik.user.create") == []


def test_duplicate_username_comes_back_as_a_field_error_and_is_audited(
    fake: AuthentikFake,
) -> None:
    fake.add_user("taken")
    with pytest.raises(AuthentikValidationError) as caught:
        authentik_users.create_user(actor="admin", first_name="T", last_name="", username="taken")
    assert caught.value.errors["username"] == ["This field must be unique."]
    (row,) = audit_rows("authentik.user.create")
    assert (row.outcome, row.target) == ("failed", "taken")
    assert fake.count("POST", "/core/users/{id}/set_password/") == 0


# -- invites ------------------------------------------------------------------------------------


def test_invitation_names_come_from_labels(fake: AuthentikFake) -> None:
    assert invites.invitation_name("Spring meetup 2026!") == "spring-meetup-2026"
    assert invites.invitation_name("Zoë's  party") == "zoes-party"
    assert invites.invitation_name("team_a") == "team_a"
    for bad in ("", "!!!", "日本語"):
        with pytest.raises(InputError) as caught:
            invites.invitation_name(bad)
        assert caught.value.field == "label"


@pytest.mark.parametrize(
    ("label", "expires_in", "email", "field"),
    [
        ("???", timedelta(days=7), None, "label"),
        ("ok", timedelta(minutes=59), None, "expires"),
        ("ok", timedelta(days=30, minutes=5), None, "expires"),
        ("ok", timedelta(days=7), "nope", "email"),
    ],
)
def test_bad_invites_are_rejected_before_any_request(
    fake: AuthentikFake, label: str, expires_in: timedelta, email: str | None, field: str
) -> None:
    fake.reset_requests()
    with pytest.raises(InputError) as caught:
        invites.create(actor="admin", label=label, expires_in=expires_in, email=email)
    assert caught.value.field == field
    assert fake.count() == 0 and not fake.invitations


def test_expiry_from_days_and_hours_is_bounded() -> None:
    assert invites.expiry_duration(days=0, hours=1) == timedelta(hours=1)
    assert invites.expiry_duration(days=30) == timedelta(days=30)
    for days, hours in ((0, 0), (30, 1), (31, 0)):
        with pytest.raises(InputError) as caught:
            invites.expiry_duration(days=days, hours=hours)
        assert caught.value.field == "expires"


def test_invite_link_has_the_exact_form_and_the_invitation_is_single_use(
    fake: AuthentikFake,
) -> None:
    before = datetime.now(UTC)
    invite = invites.create(
        actor="admin",
        label="Spring meetup",
        email="new@example.org",
        intended_groups=["members"],
    )
    assert invite.link == f"{PUBLIC}/if/flow/default-enrollment-flow/?itoken={invite.pk}"
    assert re.fullmatch(UUID, invite.pk)
    stored = fake.invitations[invite.pk]
    assert stored.name == "spring-meetup" and stored.single_use
    assert stored.flow == fake.flows["default-enrollment-flow"].pk
    assert stored.fixed_data == {"email": "new@example.org", "intended_groups": ["members"]}
    assert stored.expires is not None
    assert (
        timedelta(days=7) - timedelta(minutes=1)
        < stored.expires - before
        < timedelta(days=7, minutes=1)
    )
    (row,) = audit_rows("authentik.invite.create")
    assert (row.target, row.member, row.outcome) == ("spring-meetup", "new@example.org", "ok")


def test_invite_flow_comes_from_authentik_never_a_guess(
    fake: AuthentikFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_flow("community-signup", "enrollment")
    with pytest.raises(AuthentikConfigError) as caught:
        invites.create(actor="admin", label="two-flows")
    assert caught.value.variable == "AUTHENTIK_ENROLLMENT_FLOW"
    assert [r.outcome for r in audit_rows("authentik.invite.create")] == ["failed"]
    monkeypatch.setenv("AUTHENTIK_ENROLLMENT_FLOW", "community-signup")
    get_settings.cache_clear()
    invite = invites.create(actor="admin", label="two-flows")
    assert invite.link == f"{PUBLIC}/if/flow/community-signup/?itoken={invite.pk}"


def test_list_and_revoke_invites(fake: AuthentikFake) -> None:
    first = invites.create(actor="admin", label="first", expires_in=timedelta(hours=2))
    second = invites.create(actor="admin", label="second", expires_in=timedelta(days=3))
    listed = invites.list_invites()
    assert [i.name for i in listed] == ["second", "first"]  # latest expiry first
    assert {i.created_by for i in listed} == {"akadmin"}
    assert {i.link for i in listed} == {first.link, second.link}
    assert not any(i.is_expired() for i in listed)
    invites.revoke(actor="admin", pk=first.pk, name=first.name)
    assert first.pk not in fake.invitations and second.pk in fake.invitations
    assert [i.pk for i in invites.list_invites()] == [second.pk]
    (row,) = audit_rows("authentik.invite.revoke")
    assert (row.target, row.outcome) == ("first", "ok")
    fake.reset_requests()
    with pytest.raises(InputError):
        invites.revoke(actor="admin", pk="../../core/users/1")
    assert fake.count() == 0


# -- directory ----------------------------------------------------------------------------------


def test_directory_pages_through_authentik_with_counts(fake: AuthentikFake) -> None:
    fake.seed_users(120)
    fake.reset_requests()
    query = DirectoryQuery()
    pages = [directory.page(query=query, page=n, page_size=50) for n in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [50, 50, 21]  # 120 members + akadmin
    assert {p.total for p in pages} == {121} and {p.pages for p in pages} == {3}
    usernames = [r.username for p in pages for r in p.rows]
    assert usernames == sorted(usernames) and len(set(usernames)) == 121
    assert fake.count() == 3  # one request per page view
    # Past the end (users deleted meanwhile): the last page, not an error.
    assert directory.page(query=query, page=9, page_size=50).page == 3


def test_directory_search_active_and_group_filters_run_in_authentik(fake: AuthentikFake) -> None:
    seeded = fake.seed_users(30)
    staff = fake.add_group("staff")
    for user in seeded[:5]:
        fake.set_member(staff.pk, user.pk, True)
    for user in seeded[3:8]:
        user.is_active = False
    found = directory.page(query=DirectoryQuery(search="member0001"))
    assert [r.username for r in found.rows] == [f"member0001{i}" for i in range(10)]
    inactive = directory.page(query=DirectoryQuery(active=False))
    assert inactive.total == 5
    in_staff = directory.page(query=DirectoryQuery(group_pk=staff.pk, active=True))
    assert [r.username for r in in_staff.rows] == ["member00001", "member00002", "member00003"]
    assert in_staff.rows[0].groups == ("staff",)
    newest = directory.page(query=DirectoryQuery(ordering="-username"), page_size=1)
    assert newest.rows[0].username == "member00030"
    with pytest.raises(InputError):
        directory.page(query=DirectoryQuery(ordering="password"))
    with pytest.raises(InputError):
        directory.page(query=DirectoryQuery(), page_size=5000)


def test_user_detail_has_attributes_and_group_names(fake: AuthentikFake) -> None:
    staff = fake.add_group("staff")
    user = fake.add_user("ada", attributes={"organisation": "AS"}, groups=[staff.pk])
    detail = directory.user_detail(pk=user.pk)
    assert (detail.username, detail.groups, detail.attributes) == (
        "ada",
        ("staff",),
        {"organisation": "AS"},
    )


def selection(users) -> list[Selected]:
    return [Selected(u.pk, u.username) for u in users]


def test_bulk_deactivate_reports_the_failing_user_and_finishes_the_rest(
    fake: AuthentikFake,
) -> None:
    users = fake.seed_users(6)
    broken = users[2]
    fake.fail_next("PATCH", f"/core/users/{broken.pk}/", status=500)
    seen: list[tuple[int, int]] = []
    outcomes = directory_bulk.bulk(
        actor="admin",
        action=BulkAction.DEACTIVATE,
        users=selection(users),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert [o.username for o in outcomes] == [u.username for u in users]  # selection order
    assert [o.status for o in outcomes] == ["ok", "ok", "failed", "ok", "ok", "ok"]
    assert "500" in outcomes[2].reason
    assert [u.is_active for u in users] == [False, False, True, False, False, False]
    assert seen[-1] == (6, 6) and len(seen) == 6
    rows = audit_rows("authentik.user.deactivate")
    assert sorted(r.outcome for r in rows) == ["failed"] + ["ok"] * 5
    assert {r.member for r in rows} == {u.username for u in users}


def test_bulk_stops_when_authentik_becomes_unreachable(fake: AuthentikFake) -> None:
    users = fake.seed_users(5)
    fake.fail_next("PATCH", f"/core/users/{users[1].pk}/", error=httpx.ConnectError)
    outcomes = directory_bulk.bulk(
        actor="admin", action="activate", users=selection(users), concurrency=1
    )
    assert [o.ok for o in outcomes] == [True, False, False, False, False]
    assert "could not be reached" in outcomes[1].reason
    assert all(o.reason.startswith("not attempted:") for o in outcomes[2:])
    assert fake.count("PATCH") == 2  # nothing sent after the failure
    assert len(audit_rows("authentik.user.activate")) == 2  # only what was attempted


def test_bulk_group_membership_reset_and_delete(fake: AuthentikFake) -> None:
    users = fake.seed_users(3)
    team = fake.add_group("team")
    group = GroupChoice(team.pk, team.name)
    picked = selection(users)
    added = directory_bulk.bulk(actor="admin", action="add_group", users=picked, group=group)
    assert all(o.ok for o in added) and team.members == {u.pk for u in users}
    removed = directory_bulk.bulk(
        actor="admin", action="remove_group", users=picked[:1], group=group
    )
    assert removed[0].ok and team.members == {users[1].pk, users[2].pk}
    reset = directory_bulk.bulk(actor="admin", action="reset", users=picked)
    assert all(o.ok and o.recovery_link and "flow_token=" in o.recovery_link for o in reset)
    assert len({o.recovery_link for o in reset}) == 3
    assert all("flow_token" not in repr(r) for r in audit_rows("authentik.user.recovery_link"))

    fake.reset_requests()
    for confirm, field in (("", "confirm"), ("delete", "confirm"), ("4", "confirm")):
        with pytest.raises(InputError) as caught:
            directory_bulk.bulk(actor="admin", action="delete", users=picked, confirm=confirm)
        assert caught.value.field == field
    with pytest.raises(InputError) as caught:
        directory_bulk.bulk(actor="admin", action="add_group", users=picked)
    assert caught.value.field == "group"
    assert fake.count() == 0  # nothing sent for incomplete requests
    deleted = directory_bulk.bulk(actor="admin", action="delete", users=picked, confirm="3")
    assert all(o.ok for o in deleted) and not any(u.pk in fake.users for u in users)
    assert len(audit_rows("authentik.user.delete")) == 3


def test_bulk_never_deactivates_the_api_tokens_own_account(fake: AuthentikFake) -> None:
    users = fake.seed_users(2)
    picked = [Selected(fake.admin.pk, fake.admin.username), *selection(users)]
    outcomes = directory_bulk.bulk(actor="admin", action="deactivate", users=picked)
    assert [o.ok for o in outcomes] == [False, True, True]
    assert "owns the dashboard's AUTHENTIK_TOKEN" in outcomes[0].reason and fake.admin.is_active


def test_csv_export_walks_every_page_and_is_formula_safe(fake: AuthentikFake) -> None:
    fake.seed_users(2_500)
    fake.add_user("zz.formula", name='=HYPERLINK("http://evil")', email="z@example.org")
    fake.reset_requests()
    seen: list[tuple[int, int]] = []
    export = directory.export_csv(
        actor="admin", query=DirectoryQuery(), progress=lambda d, t: seen.append((d, t))
    )
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == export.rows == 2_502  # 2,500 members + the formula user + akadmin
    assert {r["username"] for r in rows} == {u.username for u in fake.users.values()}
    assert fake.count("GET", "/core/users/") == 6  # ceil(2,502 / 500) pages
    assert seen[-1] == (2_502, 2_502) and len(seen) == 6
    formula = next(r for r in rows if r["username"] == "zz.formula")
    assert formula["name"].startswith("'=")
    filtered = directory.export_csv(actor="admin", query=DirectoryQuery(search="member0250"))
    assert filtered.rows == len(list(csv.DictReader(io.StringIO(filtered.text)))) == 1
    (row, _) = audit_rows("authentik.user.export")
    assert row.outcome == "ok" and row.actor == "admin"


def test_services_say_when_authentik_is_not_configured(db) -> None:
    connections.override("authentik", None)
    with pytest.raises(NotConfigured, match="set AUTHENTIK_URL, AUTHENTIK_TOKEN"):
        directory.page(query=DirectoryQuery())
