"""Input checks run before anything is sent to Authentik; each names the field it rejects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.utils.authentik import validation as check
from app.utils.errors import InputError

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "enter a username"),
        ("has space", "letters, digits"),
        ("semi;colon", "letters, digits"),
        ("x" * 151, "at most 150"),
    ],
)
def test_username_rejects_naming_the_field(value: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        check.username(value, field="Username")
    assert caught.value.field == "Username"


def test_username_accepts_authentiks_charset_and_trims() -> None:
    assert check.username("  ana.maria+test@club_1-x ") == "ana.maria+test@club_1-x"
    assert check.username("zoë") == "zoë"  # Django's rule: Unicode letters are letters
    assert check.username("x" * 150) == "x" * 150


@pytest.mark.parametrize("value", ["plain", "a@b", "two@@example.org", "sp ace@example.org"])
def test_email_rejects_malformed_addresses(value: str) -> None:
    with pytest.raises(InputError) as caught:
        check.email(value)
    assert caught.value.field == "email"


def test_email_is_optional_unless_required() -> None:
    assert check.email("  ") is None
    assert check.email(" ana@example.org ") == "ana@example.org"
    with pytest.raises(InputError, match="enter an email"):
        check.email("", required=True)


@pytest.mark.parametrize("value", ["", "spring meetup", "café", "a/b", "x.y"])
def test_invitation_name_must_be_a_slug(value: str) -> None:
    with pytest.raises(InputError) as caught:
        check.invitation_name(value, field="Label")
    assert caught.value.field == "Label"


def test_invitation_name_accepts_letters_digits_dash_underscore() -> None:
    assert check.invitation_name("Spring-meetup_2026") == "Spring-meetup_2026"


@pytest.mark.parametrize(
    ("expires", "reason"),
    [
        (NOW + timedelta(minutes=30), "at least 1 hour"),
        (NOW - timedelta(days=1), "at least 1 hour"),
        (NOW + timedelta(days=31), "at most 30 days"),
    ],
)
def test_expiry_outside_one_hour_to_thirty_days_is_rejected(expires: datetime, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        check.invitation_expiry(expires, now=NOW)
    assert caught.value.field == "expires"


def test_expiry_bounds_are_inclusive_and_need_a_time_zone() -> None:
    assert check.invitation_expiry(NOW + timedelta(hours=1), now=NOW) == NOW + timedelta(hours=1)
    assert check.expires_in(timedelta(days=30), now=NOW) == NOW + timedelta(days=30)
    with pytest.raises(InputError, match="time zone"):
        check.invitation_expiry(datetime(2026, 5, 2, 12, 0), now=NOW)


@pytest.mark.parametrize("value", ["/users", "users/", "users//x", ""])
def test_user_path_follows_authentiks_rules(value: str) -> None:
    with pytest.raises(InputError) as caught:
        check.user_path(value)
    assert caught.value.field == "path"
    assert check.user_path("users/community") == "users/community"


def test_ids_and_slugs_are_checked_before_they_reach_a_url() -> None:
    assert check.authentik_id("5E3F0C8E-1D2A-4B7C-9E6F-0A1B2C3D4E5F", "group") == (
        "5e3f0c8e-1d2a-4b7c-9e6f-0a1b2c3d4e5f"
    )
    with pytest.raises(InputError):
        check.authentik_id("../core/users", "group")
    with pytest.raises(InputError):
        check.flow_slug("enroll/../x")
