"""The Authentik client against the schema-checked fake: operations, errors, retries, paging."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from app.utils.authentik import (
    AuthentikClient,
    AuthentikConfigError,
    AuthentikNotFound,
    AuthentikPermissionDenied,
    AuthentikTokenRejected,
    AuthentikUnreachable,
    AuthentikValidationError,
    PageSizeCap,
    StageKind,
    duration_string,
    invite_link,
    on_public_host,
)
from app.utils.config import Settings
from app.utils.errors import FieldErrors, InputError, NotConfigured
from tests.support.authentik_fake import FAKE_BASE_URL, AuthentikFake

USERS = "/core/users/"


def client_for(
    fake: AuthentikFake, *, token: str | None = None, timeout: float = 2
) -> AuthentikClient:
    """A client on the fake like the `authentik_client` fixture's, with another token/timeout."""
    return AuthentikClient(
        FAKE_BASE_URL,
        token or fake.token,
        transport=fake.transport,
        timeout=timeout,
        retries=2,
        backoff=0.01,
    )


# -- health and token -------------------------------------------------------------------------


def test_health_reports_reachable_valid_token_and_its_account(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    health = authentik_client.health()
    assert health.ok and health.reachable and health.token_valid
    assert health.owner is not None and health.owner.username == "akadmin"
    ping, me = authentik_fake.requests
    assert (ping.path, ping.authenticated) == ("/root/config/", False)  # ping sends no token
    assert (me.path, me.authenticated) == ("/core/users/me/", True)


def test_bad_token_is_reachable_but_rejected_with_403(authentik_fake: AuthentikFake) -> None:
    secret = "wrong-token-value"
    client = client_for(authentik_fake, token=secret)
    health = client.health()
    assert health.reachable and health.token_valid is False
    with pytest.raises(AuthentikTokenRejected) as caught:
        client.list_users()
    assert caught.value.status == 403
    assert caught.value.detail == "Token invalid/expired"
    assert "AUTHENTIK_TOKEN" in str(caught.value)
    assert secret not in str(caught.value) and secret not in repr(client)


def test_permission_denied_is_a_token_problem_with_its_own_message() -> None:
    def deny(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403, json={"detail": "You do not have permission to perform this action."}
        )

    client = AuthentikClient(FAKE_BASE_URL, "t", transport=httpx.MockTransport(deny))
    with pytest.raises(AuthentikPermissionDenied, match="permission") as caught:
        client.get_user(1)
    assert isinstance(caught.value, AuthentikTokenRejected)


def test_401_is_also_a_rejected_token() -> None:
    client = AuthentikClient(
        FAKE_BASE_URL, "t", transport=httpx.MockTransport(lambda r: httpx.Response(401))
    )
    with pytest.raises(AuthentikTokenRejected):
        client.check_token()


def test_health_when_authentik_is_down_says_unreachable(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.fail_next("GET", "/root/config/", error=httpx.ConnectError, times=3)
    health = authentik_client.health()
    assert (health.reachable, health.token_valid, health.ok) == (False, None, False)
    assert f"Authentik at {FAKE_BASE_URL} could not be reached" in health.message
    assert authentik_fake.count("GET", "/core/users/me/") == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            b'{"non_field_errors": "No recovery flow set."}',
            {"non_field_errors": ["No recovery flow set."]},
        ),
        (b'{"detail": "JSON parse error"}', {"non_field_errors": ["JSON parse error"]}),
        (
            b'{"grant_types": {"0": ["not a choice"]}, "code": "invalid"}',
            {"grant_types.0": ["not a choice"]},
        ),
        (
            b"",
            {"non_field_errors": ["Authentik answered 400 to GET /core/users/1/ without details"]},
        ),
    ],
)
def test_every_shape_of_400_becomes_field_messages(
    body: bytes, errors: dict[str, list[str]]
) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(400, content=body))
    client = AuthentikClient(FAKE_BASE_URL, "t", transport=transport)
    with pytest.raises(AuthentikValidationError) as caught:
        client.get_user(1)
    assert caught.value.errors == errors


# -- users ------------------------------------------------------------------------------------


def test_create_user_returns_typed_user_and_sends_no_password(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    group = authentik_fake.add_group("community")
    user = authentik_client.create_user(
        username="alice",
        name="Alice A.",
        email="alice@example.org",
        path="users/community",
        groups=[group.pk],
        attributes={"matrix_id": "@alice:example.org"},
    )
    assert (user.username, user.email, user.path) == (
        "alice",
        "alice@example.org",
        "users/community",
    )
    assert user.groups == (group.pk,) and user.group_names == ("community",)
    assert user.attributes == {"matrix_id": "@alice:example.org"}
    assert isinstance(user.pk, int) and user.date_joined is not None
    sent = authentik_fake.requests[-1]
    assert sent.method == "POST" and "password" not in sent.body


def test_user_without_email_has_none_not_empty_string(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    seeded = authentik_fake.add_user("bob", email="")
    assert authentik_client.get_user(seeded.pk).email is None
    assert authentik_client.find_user("bob") is not None
    assert authentik_client.find_user("BOB") is None  # exact and case-sensitive, like Authentik


def test_set_password_sets_it_on_the_user(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    user = authentik_client.create_user(username="carol", name="Carol")
    authentik_client.set_password(user.pk, "correct horse battery")
    assert authentik_fake.password_matches(user.pk, "correct horse battery")
    with pytest.raises(InputError) as caught:
        authentik_client.set_password(user.pk, "")
    assert caught.value.field == "password"


def test_duplicate_username_gives_field_errors_for_the_form(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.add_user("dave")
    with pytest.raises(AuthentikValidationError) as caught:
        authentik_client.create_user(username="dave", name="Dave", path="/users")
    err = caught.value
    assert isinstance(err, FieldErrors)
    assert err.errors == {
        "username": ["This field must be unique."],
        "path": ["No leading or trailing slashes allowed."],
    }
    assert "username: This field must be unique." in str(err)


def test_update_user_sends_only_given_fields_and_replaces_attributes(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    seeded = authentik_fake.add_user("erin", email="erin@example.org", attributes={"a": 1, "b": 2})
    user = authentik_client.update_user(seeded.pk, name="Erin E.", email=None, attributes={"c": 3})
    assert authentik_fake.requests[-1].body == {
        "name": "Erin E.",
        "email": "",
        "attributes": {"c": 3},
    }
    assert (user.name, user.email, dict(user.attributes)) == ("Erin E.", None, {"c": 3})
    assert authentik_client.update_user(seeded.pk, is_active=False).is_active is False


def test_delete_user_then_get_is_not_found(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    user = authentik_fake.add_user("frank")
    authentik_client.delete_user(user.pk)
    assert user.pk not in authentik_fake.users
    with pytest.raises(AuthentikNotFound, match="No User matches the given query"):
        authentik_client.get_user(user.pk)


def test_recovery_link_uses_the_recovery_flow_and_duration(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    user = authentik_fake.add_user("gina")
    link = authentik_client.recovery_link(user.pk, duration=timedelta(days=1, hours=2))
    assert link.startswith(f"{FAKE_BASE_URL}/if/flow/default-recovery-flow/?flow_token=")
    assert authentik_fake.requests[-1].body == {"token_duration": "days=1;hours=2"}
    _, valid_until = next(iter(authentik_fake.recovery_tokens.values()))
    assert valid_until - datetime.now(UTC) > timedelta(hours=25)


def test_recovery_link_without_recovery_flow_is_a_non_field_error(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.recovery_flow_slug = None
    user = authentik_fake.add_user("hank")
    with pytest.raises(AuthentikValidationError) as caught:
        authentik_client.recovery_link(user.pk)
    assert caught.value.non_field_errors == ["No recovery flow set."]  # a string upstream


def test_duration_string_is_authentiks_format() -> None:
    assert duration_string(timedelta(minutes=90)) == "hours=1;minutes=30"
    assert duration_string(timedelta(days=30)) == "days=30"
    with pytest.raises(InputError):
        duration_string(timedelta(seconds=30))


# -- searching and paging ---------------------------------------------------------------------


def test_search_matches_username_name_and_email(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.add_user("ivy", name="Ivy Green", email="ivy@plants.example")
    authentik_fake.add_user("jack", name="Jack Poison-Ivy")
    authentik_fake.add_user("kim", email="kim@ivy-league.example")
    authentik_fake.add_user("leo")
    page = authentik_client.list_users(search="IVY")
    assert [u.username for u in page.items] == ["ivy", "jack", "kim"]
    assert (page.count, page.total_pages, page.next) == (3, 1, 0)


def test_filters_by_group_name_pk_and_active(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    mods = authentik_fake.add_group("moderators")
    authentik_fake.add_user("mia", groups=[mods.pk])
    authentik_fake.add_user("ned", groups=[mods.pk], is_active=False)
    authentik_fake.add_user("oli")
    by_name = authentik_client.list_users(groups_by_name=["moderators"])
    by_pk = authentik_client.list_users(groups_by_pk=[mods.pk], is_active=True)
    assert [u.username for u in by_name.items] == ["mia", "ned"]
    assert [u.username for u in by_pk.items] == ["mia"]
    slim = authentik_client.list_users(groups_by_name=["moderators"], include_groups=False)
    assert slim.items[0].group_names is None and slim.items[0].groups == (mods.pk,)


def test_iterating_25_users_at_10_a_page_makes_3_requests_and_sees_all(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    seeded = authentik_fake.seed_users(25, prefix="p")
    users = list(authentik_client.iter_users(page_size=10, search="p0"))
    assert sorted(u.pk for u in users) == sorted(u.pk for u in seeded)
    assert authentik_fake.count("GET", USERS) == 3
    assert [q for r in authentik_fake.requests for q in r.query if q[0] == "page"] == [
        ("page", "1"),
        ("page", "2"),
        ("page", "3"),
    ]


def test_user_pages_carry_count_and_position_for_progress(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.seed_users(25, prefix="q")
    pages = list(authentik_client.user_pages(page_size=10, search="q0"))
    assert [(p.current, p.total_pages, p.count, len(p.items)) for p in pages] == [
        (1, 3, 25, 10),
        (2, 3, 25, 10),
        (3, 3, 25, 5),
    ]
    assert [p.next for p in pages] == [2, 3, 0]


def test_one_page_of_users_is_one_request(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.seed_users(30, prefix="r")
    page = authentik_client.list_users(search="r0", page=2, page_size=20)
    assert (page.current, len(page.items), page.previous, page.has_next) == (2, 10, 1, False)
    assert authentik_fake.count() == 1
    with pytest.raises(InputError):
        authentik_client.list_users(page_size=5000)


# -- groups -----------------------------------------------------------------------------------


def test_groups_search_and_membership(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    gamers = authentik_fake.add_group("gamers")
    authentik_fake.add_group("gardeners")
    authentik_fake.add_group("readers")
    user = authentik_fake.add_user("pam")
    assert [g.name for g in authentik_client.list_groups(search="ga").items] == [
        "gamers",
        "gardeners",
    ]
    authentik_client.add_user_to_group(gamers.pk, user.pk)
    assert authentik_client.get_group(gamers.pk).member_pks == (user.pk,)
    authentik_client.remove_user_from_group(gamers.pk, user.pk)
    authentik_client.remove_user_from_group(gamers.pk, user.pk)  # not a member: still fine
    assert authentik_client.get_user(user.pk).groups == ()
    assert [g.name for g in authentik_client.iter_groups(page_size=1)] == [
        "authentik Admins",
        "gamers",
        "gardeners",
        "readers",
    ]


def test_adding_an_unknown_user_or_group_is_not_found(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    group = authentik_fake.add_group("g")
    with pytest.raises(AuthentikNotFound):
        authentik_client.add_user_to_group(group.pk, 99999)
    with pytest.raises(AuthentikNotFound, match="No Group matches"):
        authentik_client.add_user_to_group("6f1c3c55-7e0d-4f47-9a59-6b8f8a3b1a11", 1)
    with pytest.raises(InputError):
        authentik_client.add_user_to_group("../users", 1)  # never reaches a URL


# -- flows, invitations, links ----------------------------------------------------------------


def test_enrollment_flow_unconfigured_uses_the_only_one(authentik_client: AuthentikClient) -> None:
    flow = authentik_client.enrollment_flow(None)
    assert (flow.slug, flow.designation) == ("default-enrollment-flow", "enrollment")


def test_enrollment_flow_configured_and_existing(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    made = authentik_fake.add_invitation_flow("community-signup")
    flow = authentik_client.enrollment_flow("community-signup")
    assert (flow.pk, flow.slug) == (made.pk, "community-signup")


def test_enrollment_flow_configured_without_an_invitation_stage_is_refused(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.add_flow("sso-signup", "enrollment")
    with pytest.raises(AuthentikConfigError, match="has no invitation stage") as caught:
        authentik_client.enrollment_flow("sso-signup")
    assert "Flow does not apply to current user" in str(caught.value)
    assert caught.value.choices == ["default-enrollment-flow"]


def test_enrollment_flow_configured_but_missing_names_the_setting_and_choices(
    authentik_client: AuthentikClient,
) -> None:
    with pytest.raises(AuthentikConfigError) as caught:
        authentik_client.enrollment_flow("no-such-flow")
    assert caught.value.variable == "AUTHENTIK_ENROLLMENT_FLOW"
    assert caught.value.choices == ["default-enrollment-flow"]
    assert "AUTHENTIK_ENROLLMENT_FLOW is 'no-such-flow'" in str(caught.value)
    assert "one of: default-enrollment-flow" in str(caught.value)


def test_enrollment_flow_configured_with_a_non_enrollment_flow(
    authentik_client: AuthentikClient,
) -> None:
    with pytest.raises(AuthentikConfigError, match="recovery flow, not an enrollment flow"):
        authentik_client.enrollment_flow("default-recovery-flow")


def test_enrollment_flow_none_or_several_asks_for_the_setting(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.add_flow("sso-only", "enrollment")  # no invitation stage: not a candidate
    assert authentik_client.enrollment_flow(None).slug == "default-enrollment-flow"
    authentik_fake.add_invitation_flow("a-signup")
    with pytest.raises(AuthentikConfigError) as several:
        authentik_client.enrollment_flow(None)
    assert "set AUTHENTIK_ENROLLMENT_FLOW to one of: a-signup, default-enrollment-flow" in str(
        several.value
    )
    authentik_fake.remove_flow("a-signup")
    authentik_fake.remove_flow("default-enrollment-flow")
    with pytest.raises(AuthentikConfigError, match="no enrollment flow with an invitation") as none:
        authentik_client.enrollment_flow(None)
    assert none.value.choices == []
    assert "sso-only has none" in str(none.value)


def test_invitation_create_list_get_delete(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    flow = authentik_client.enrollment_flow(None)
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    created = authentik_client.create_invitation(
        name="spring-meetup", flow_pk=flow.pk, expires=expires, fixed_data={"email": "x@y.org"}
    )
    assert (created.name, created.flow_slug, created.single_use) == (
        "spring-meetup",
        flow.slug,
        True,
    )
    assert created.expires == expires and created.created_by == "akadmin"
    listed = authentik_client.list_invitations(flow_slug=flow.slug)
    assert [i.pk for i in listed.items] == [created.pk]
    assert authentik_client.get_invitation(created.pk) == created
    assert [i.pk for i in authentik_client.iter_invitations()] == [created.pk]
    authentik_client.delete_invitation(created.pk)
    with pytest.raises(AuthentikNotFound):
        authentik_client.delete_invitation(created.pk)


def test_invite_link_has_the_exact_enrollment_form() -> None:
    link = invite_link(
        "https://sso.example.org/", "community-signup", "5e3f0c8e-1d2a-4b7c-9e6f-0a1b2c3d4e5f"
    )
    assert link == (
        "https://sso.example.org/if/flow/community-signup/"
        "?itoken=5e3f0c8e-1d2a-4b7c-9e6f-0a1b2c3d4e5f"
    )


# -- timeouts, retries ------------------------------------------------------------------------


def test_slow_answer_is_unreachable_within_about_the_timeout(authentik_fake: AuthentikFake) -> None:
    client = client_for(authentik_fake, timeout=0.3)
    authentik_fake.delay_next("GET", USERS, seconds=5)
    started = time.monotonic()
    with pytest.raises(AuthentikUnreachable, match=r"did not answer within 0\.3 s") as caught:
        client.list_users()
    assert time.monotonic() - started < 1.5
    assert FAKE_BASE_URL in str(caught.value)
    assert authentik_fake.count("GET", USERS) == 1  # a read timeout is not retried


def test_get_answered_503_once_is_retried_and_succeeds(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.fail_next("GET", USERS, status=503)
    page = authentik_client.list_users()
    assert page.count == 1  # akadmin
    assert authentik_fake.count("GET", USERS) == 2


def test_get_failing_every_time_gives_up_after_the_retries(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.fail_next("GET", "/core/users/{id}/", status=502, times=10)
    with pytest.raises(AuthentikUnreachable, match="answered 502") as caught:
        authentik_client.get_user(1)
    assert caught.value.status == 502
    assert authentik_fake.count("GET", "/core/users/{id}/") == 3  # 1 + 2 retries


def test_connection_error_on_get_is_retried(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.fail_next("GET", "/core/users/me/", error=httpx.ConnectError, times=2)
    assert authentik_client.check_token().username == "akadmin"
    assert authentik_fake.count("GET", "/core/users/me/") == 3


def test_post_answered_503_is_not_retried(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.fail_next("POST", USERS, status=503)
    with pytest.raises(AuthentikUnreachable):
        authentik_client.create_user(username="quinn", name="Quinn")
    assert authentik_fake.count("POST", USERS) == 1
    assert authentik_client.find_user("quinn") is None


def test_post_connection_error_is_not_retried(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.fail_next("POST", "/stages/invitation/invitations/", error=httpx.ConnectError)
    flow = authentik_client.enrollment_flow(None)
    with pytest.raises(AuthentikUnreachable, match="could not be reached"):
        authentik_client.create_invitation(name="x", flow_pk=flow.pk, expires=None)
    assert authentik_fake.count("POST", "/stages/invitation/invitations/") == 1


def test_delete_retried_after_502_that_finds_it_gone_counts_as_done(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    user = authentik_fake.add_user("rita")
    authentik_fake.remove_user(user.pk)  # as if the first attempt deleted it, then the proxy 502'd
    authentik_fake.fail_next("DELETE", "/core/users/{id}/", status=502)
    authentik_client.delete_user(user.pk)
    assert [r.status for r in authentik_fake.requests] == [502, 404]


# -- construction -----------------------------------------------------------------------------


def test_from_settings_names_missing_variables() -> None:
    with pytest.raises(NotConfigured, match="AUTHENTIK_URL, AUTHENTIK_TOKEN"):
        AuthentikClient.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]


def test_from_settings_builds_a_working_client(authentik_fake: AuthentikFake) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        authentik_url=f"{FAKE_BASE_URL}/",
        authentik_token=SecretStr(authentik_fake.token),
        authentik_timeout_seconds=3,
    )
    client = AuthentikClient.from_settings(settings, transport=authentik_fake.transport)
    assert client.base_url == FAKE_BASE_URL
    assert client.check_token().username == "akadmin"


def test_tls_verification_cannot_be_switched_off() -> None:
    with pytest.raises(ValueError, match="cannot be switched off"):
        AuthentikClient(FAKE_BASE_URL, "t", verify=False)


# -- what Authentik answers beyond the schema: page info, the cap, flows and the brand ----------


def test_a_page_says_which_rows_it_holds_even_when_authentik_caps_its_size(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.seed_users(249)
    page = authentik_client.list_users(page=3, page_size=500)
    assert (page.start_index, page.end_index, page.total_pages) == (201, 250, 3)
    assert len(page.items) == 50


def test_page_size_cap_from_the_settings_or_measured(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    assert authentik_client.page_size_cap() == PageSizeCap(100, "settings")
    authentik_fake.settings["pagination_max_page_size"] = 40
    authentik_fake.seed_users(60)
    authentik_fake.fail_next("GET", "/admin/settings/", status=403)
    assert authentik_client.page_size_cap() == PageSizeCap(40, "measured")
    authentik_fake.fail_next("GET", "/admin/settings/", status=403)
    authentik_fake.settings["pagination_max_page_size"] = 100
    assert authentik_client.page_size_cap() == PageSizeCap(None, "unknown")  # 61 users < 100


def test_flows_stages_and_the_brand_as_values(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    flow = authentik_client.get_flow("default-enrollment-flow")
    bindings = authentik_client.flow_bindings(flow.pk)
    assert [b.stage.kind for b in bindings] == [
        StageKind.INVITATION,
        StageKind.PROMPT,
        StageKind.USER_WRITE,
        StageKind.USER_LOGIN,
    ]
    (invitation,) = authentik_client.stages(StageKind.INVITATION)
    assert invitation.settings["continue_flow_without_invitation"] is False
    assert [f.slug for f in invitation.flows] == ["default-enrollment-flow"]
    prompts = {p.field_key for p in authentik_client.prompts()}
    assert {"username", "password", "password_repeat"} <= prompts
    brand = authentik_client.current_brand()
    assert brand.recovery_flow_slug == "default-recovery-flow"
    authentik_fake.recovery_flow_slug = None
    assert authentik_client.current_brand().recovery_flow_slug is None
    (default,) = authentik_client.brands(domain=brand.domain)
    recovery = authentik_client.get_flow("default-recovery-flow")
    assert authentik_client.set_recovery_flow(default.uuid, recovery.pk).flow_recovery == (
        recovery.pk
    )
    assert authentik_fake.recovery_flow_slug == "default-recovery-flow"


def test_recovery_links_move_to_the_public_host() -> None:
    link = "http://127.0.0.1:9000/if/flow/recover/?flow_token=abc"
    assert on_public_host(link, "https://id.example.org") == (
        "https://id.example.org/if/flow/recover/?flow_token=abc"
    )
    assert on_public_host(link, "https://example.org/auth/") == (
        "https://example.org/auth/if/flow/recover/?flow_token=abc"
    )
    assert on_public_host(link, None) == link
