"""The Authentik fake itself: it must catch what the schema forbids and what Authentik ignores."""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.utils.authentik import AuthentikClient, AuthentikError, AuthentikUnreachable
from tests.support import trim_authentik_schema
from tests.support.authentik_fake import FAKE_BASE_URL, AuthentikFake, FlowDenied, SchemaViolation
from tests.support.authentik_schema import SCHEMA_DIR, SCHEMA_FILE, raw_spec

API = f"{FAKE_BASE_URL}/api/v3"
UPSTREAM = Path("/work/shared/authentik/schema.yml")


@pytest.fixture
def raw_http(authentik_fake: AuthentikFake) -> httpx.Client:
    """Plain httpx through the fake, to send what the client never would."""
    headers = {"Authorization": f"Bearer {authentik_fake.token}"}
    return httpx.Client(base_url=API, headers=headers, transport=authentik_fake.transport)


def take_violations(fake: AuthentikFake) -> list[str]:
    """The violations so far, cleared so the fixture's teardown check passes."""
    found, fake.violations[:] = list(fake.violations), []
    return found


def test_password_on_user_create_is_a_violation(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    body = {"username": "eve", "name": "Eve", "password": "hunter22"}
    with pytest.raises(SchemaViolation, match=r"body\.password: field not declared"):
        raw_http.post("/core/users/", json=body)
    assert len(take_violations(authentik_fake)) == 1
    assert all(u.username != "eve" for u in authentik_fake.users.values())


def test_undeclared_query_parameter_is_a_violation(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    with pytest.raises(SchemaViolation, match="'last_updated__gte' is not declared"):
        raw_http.get("/core/users/", params={"last_updated__gte": "2026-01-01T00:00:00Z"})
    assert take_violations(authentik_fake)


def test_wrong_types_and_missing_fields_are_violations(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    with pytest.raises(SchemaViolation, match="'abc' is not an integer"):
        raw_http.get("/core/users/", params={"page": "abc"})
    with pytest.raises(SchemaViolation, match="'name' is a required property"):
        raw_http.post("/core/users/", json={"username": "x"})
    with pytest.raises(SchemaViolation, match="does not match"):
        raw_http.post("/stages/invitation/invitations/", json={"name": "has space"})
    with pytest.raises(SchemaViolation, match="no such operation"):
        raw_http.get("/core/applications/")
    assert len(take_violations(authentik_fake)) == 4


def test_violations_fail_the_test_even_when_the_error_was_swallowed(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    with contextlib.suppress(SchemaViolation):  # as code under test might
        raw_http.get("/core/users/", params={"is_active": "yes"})
    with pytest.raises(SchemaViolation, match="1 Authentik schema violation"):
        authentik_fake.assert_no_violations()
    take_violations(authentik_fake)


def test_fake_answers_are_checked_against_the_schema(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    broken = authentik_fake.add_user("mallory", email="not-an-email")
    with pytest.raises(SchemaViolation, match="'not-an-email' is not a 'email'"):
        raw_http.get(f"/core/users/{broken.pk}/")
    assert take_violations(authentik_fake)


def test_empty_email_and_null_fields_pass_as_on_real_authentik(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.add_user("nobody", email="")
    flows = raw_http.get("/flows/instances/").json()["results"]
    assert all(f["background_themed_urls"] is None for f in flows)  # allOf+nullable, rewritten
    user = raw_http.get("/core/users/", params={"username": "nobody"}).json()["results"][0]
    assert user["email"] == "" and user["last_login"] is None


def test_errors_look_like_authentiks(raw_http: httpx.Client, authentik_fake: AuthentikFake) -> None:
    missing = raw_http.get("/core/users/424242/")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "No User matches the given query."},
    )
    past_end = raw_http.get("/core/users/", params={"page": 9})
    assert (past_end.status_code, past_end.json()) == (404, {"detail": "Invalid page."})
    anonymous = httpx.Client(base_url=API, transport=authentik_fake.transport)
    refused = anonymous.get("/core/users/")
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "Authentication credentials were not provided.",
    )
    assert anonymous.get("/root/config/").status_code == 200  # the one public endpoint used
    bad = anonymous.get("/root/config/", headers={"Authorization": "Bearer nope"})
    assert (bad.status_code, bad.json()) == (403, {"detail": "Token invalid/expired"})


def test_pagination_object_has_authentiks_fields(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.seed_users(5)
    page = raw_http.get("/core/users/", params={"page": 2, "page_size": 2}).json()
    assert page["pagination"] == {
        "next": 3,
        "previous": 1,
        "count": 6,
        "current": 2,
        "total_pages": 3,
        "start_index": 3,
        "end_index": 4,
    }
    assert "next" not in page  # the real one is pagination.next


def test_requests_are_counted_per_method_and_template(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    raw_http.get("/core/users/1/")
    raw_http.get("/core/users/1/")
    raw_http.get("/core/users/me/")
    assert authentik_fake.count("GET", "/core/users/{id}/") == 2
    assert authentik_fake.count("GET", "/core/users/1/") == 2
    assert authentik_fake.counts()[("GET", "/core/users/me/")] == 1
    authentik_fake.reset_requests()
    assert authentik_fake.count() == 0


def test_seeding_ten_thousand_users_is_fast_and_searchable(
    authentik_client: AuthentikClient, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.seed_users(10_000)
    page = authentik_client.list_users(search="member09999", page_size=10)
    assert [u.username for u in page.items] == ["member09999"]
    assert authentik_client.list_users(page_size=1).count == 10_001  # and akadmin


def test_same_fake_over_real_http(authentik_fake: AuthentikFake, authentik_http_url: str) -> None:
    client = AuthentikClient(authentik_http_url, authentik_fake.token, timeout=2)
    assert client.health().ok
    created = client.create_user(username="olga", name="Olga")
    assert authentik_fake.users[created.pk].username == "olga"
    link = client.recovery_link(created.pk)
    assert link.startswith(f"{authentik_http_url}/if/flow/default-recovery-flow/?flow_token=")


def test_over_http_violations_answer_500_and_are_recorded(
    authentik_fake: AuthentikFake, authentik_http_url: str
) -> None:
    answer = httpx.post(
        f"{authentik_http_url}/api/v3/core/users/",
        json={"username": "x", "name": "X", "password": "p"},
        headers={"Authorization": f"Bearer {authentik_fake.token}"},
    )
    assert answer.status_code == 500 and "schema violation" in answer.json()["detail"]
    assert any("body.password" in v for v in take_violations(authentik_fake))


def test_over_http_faults_really_time_out_and_fail(
    authentik_fake: AuthentikFake, authentik_http_url: str
) -> None:
    client = AuthentikClient(authentik_http_url, authentik_fake.token, timeout=0.3, backoff=0.01)
    authentik_fake.delay_next("GET", "/core/users/me/", seconds=1)
    with pytest.raises(AuthentikUnreachable, match=r"within 0\.3 s"):
        client.check_token()
    authentik_fake.fail_next("POST", "/core/users/", status=500)
    with pytest.raises(AuthentikError, match="answered 500"):
        client.create_user(username="pat", name="Pat")
    authentik_fake.fail_next("GET", "/core/users/me/", error=httpx.ConnectError)
    with pytest.raises(AuthentikUnreachable, match="could not be reached"):
        client.check_token()


def test_trimmed_schema_records_its_upstream_and_holds_the_used_operations() -> None:
    version = (SCHEMA_DIR / "VERSION").read_text()
    assert "version: 2026.5.6" in version
    assert "d4460a399f8ad27309518ef52dcc2c15cbddfe316239b47fc3365cb75ddad3b7" in version
    spec = raw_spec()
    kept = {(p, m) for p, item in spec["paths"].items() for m in item if m != "parameters"}
    assert kept == set(trim_authentik_schema.OPERATIONS)


@pytest.mark.skipif(not UPSTREAM.is_file(), reason="upstream schema.yml not present here")
def test_trimmed_schema_is_what_the_script_makes_from_upstream(tmp_path: Path) -> None:
    assert hashlib.sha256(UPSTREAM.read_bytes()).hexdigest().startswith("d4460a39")
    trim_authentik_schema.main([str(UPSTREAM), "--out", str(tmp_path)])
    assert json.loads((tmp_path / "schema.json").read_text()) == json.loads(SCHEMA_FILE.read_text())


# -- what a real Authentik does that the schema does not say ------------------------------------


def test_page_size_is_capped_at_100_and_pagination_tells_the_truth(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.seed_users(249)  # and akadmin: 250
    page = raw_http.get("/core/users/", params={"page": 2, "page_size": 500}).json()
    assert len(page["results"]) == 100
    assert page["pagination"] == {
        "next": 3,
        "previous": 1,
        "count": 250,
        "current": 2,
        "total_pages": 3,
        "start_index": 101,
        "end_index": 200,
    }
    last = raw_http.get("/core/users/", params={"page": 3, "page_size": 500}).json()
    assert (last["pagination"]["start_index"], last["pagination"]["end_index"]) == (201, 250)
    assert last["pagination"]["next"] == 0
    past = raw_http.get("/core/users/", params={"page": 4, "page_size": 500})
    assert (past.status_code, past.json()) == (404, {"detail": "Invalid page."})
    # No page_size: Authentik's pagination_default_page_size (20).
    assert len(raw_http.get("/core/users/").json()["results"]) == 20


def test_descending_last_login_puts_those_who_never_logged_in_first(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.add_user("early", last_login=datetime(2026, 1, 1, tzinfo=UTC))
    authentik_fake.add_user("late", last_login=datetime(2026, 3, 1, tzinfo=UTC))
    authentik_fake.add_user("never")
    names = [
        u["username"]
        for u in raw_http.get("/core/users/", params={"ordering": "-last_login"}).json()["results"]
    ]
    assert names == ["akadmin", "never", "late", "early"]  # nulls first, as PostgreSQL does
    ignored = raw_http.get("/core/users/", params={"ordering": "no_such_field"})
    assert ignored.status_code == 200  # unknown orderings are silently ignored


def test_fresh_install_has_only_the_sso_enrollment_flow_and_no_recovery_flow(
    authentik_schema,
) -> None:
    fake = AuthentikFake(schema=authentik_schema, install="fresh")
    client = httpx.Client(
        base_url=API,
        headers={"Authorization": f"Bearer {fake.token}"},
        transport=fake.transport,
    )
    flows = client.get("/flows/instances/", params={"designation": "enrollment"}).json()
    assert [f["slug"] for f in flows["results"]] == ["default-source-enrollment"]
    (policy_pk,) = flows["results"][0]["policies"]
    assert "ak_is_sso_flow" in client.get(f"/policies/expression/{policy_pk}/").json()["expression"]
    assert "flow_recovery" not in client.get("/core/brands/current/").json()
    refused = client.post(f"/core/users/{fake.admin.pk}/recovery/", json={})
    assert (refused.status_code, refused.json()) == (
        400,
        {"non_field_errors": "No recovery flow set."},
    )
    # An invitation bound to that flow yields a link that the flow executor refuses.
    flow_pk = fake.flows["default-source-enrollment"].pk
    invitation = fake.add_invitation("dead-link", flow_pk=flow_pk, single_use=True)
    with pytest.raises(FlowDenied, match="Flow does not apply to current user"):
        fake.enroll("default-source-enrollment", itoken=invitation.pk, answers={"username": "x"})
    fake.assert_no_violations()


def test_enrolling_keeps_only_user_fields_and_attributes_keys(
    authentik_fake: AuthentikFake,
) -> None:
    flow = authentik_fake.flows["default-enrollment-flow"]
    invitation = authentik_fake.add_invitation(
        "meetup",
        flow_pk=flow.pk,
        single_use=True,
        fixed_data={
            "email": "ada@example.org",
            "intended_groups": ["volunteers"],  # not a user field: discarded
            "groups": ["x"],  # refused outright
            "attributes.invitation.groups": ["volunteers"],
            "attributes.invited_by": "alice",  # "_" becomes ".": nests
            "attributes": {"note": "kept as is"},
        },
    )
    answers = {"username": "ada", "name": "Ada", "password": "pw-1234567", "password_repeat":
               "pw-1234567"}
    user = authentik_fake.enroll("default-enrollment-flow", itoken=invitation.pk, answers=answers)
    assert user.email == "ada@example.org" and user.last_login is not None
    assert user.attributes == {
        "invitation": {"groups": ["volunteers"]},
        "invited": {"by": "alice"},
        "note": "kept as is",
    }
    assert user.groups == [] and authentik_fake.password_matches(user.pk, "pw-1234567")
    assert sorted(authentik_fake.discarded_keys) == ["groups", "intended_groups", "password_repeat"]
    assert invitation.pk not in authentik_fake.invitations  # single use: gone
    with pytest.raises(FlowDenied, match="Invalid invite"):
        authentik_fake.enroll("default-enrollment-flow", itoken=invitation.pk, answers=answers)


def test_deactivating_the_tokens_owner_invalidates_the_token(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    assert raw_http.get("/core/users/me/").status_code == 200
    authentik_fake.admin.is_active = False
    refused = raw_http.get("/core/users/me/")
    assert (refused.status_code, refused.json()) == (403, {"detail": "Token invalid/expired"})


def test_flow_endpoints_answer_within_the_schema(
    raw_http: httpx.Client, authentik_fake: AuthentikFake
) -> None:
    flow = authentik_fake.flows["default-enrollment-flow"]
    bindings = raw_http.get("/flows/bindings/", params={"target": flow.pk, "ordering": "order"})
    kinds = [b["stage_obj"]["component"] for b in bindings.json()["results"]]
    assert kinds == [
        "ak-stage-invitation-form",
        "ak-stage-prompt-form",
        "ak-stage-user-write-form",
        "ak-stage-user-login-form",
    ]
    for path in ("/stages/invitation/stages/", "/stages/prompt/stages/", "/stages/user_write/",
                 "/stages/user_login/", "/stages/prompt/prompts/", "/core/brands/",
                 "/admin/settings/", "/policies/bindings/"):
        assert raw_http.get(path).status_code == 200, path
    current = raw_http.get("/core/brands/current/").json()
    assert current["flow_recovery"] == "default-recovery-flow"
    taken = raw_http.post("/stages/user_login/", json={"name": "default-enrollment-prompt"})
    assert taken.json() == {"name": ["stage with this name already exists."]}
