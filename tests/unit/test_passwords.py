"""Password rules and argon2id hashing."""

import pytest

from app.auth.passwords import check_new_password, hash_password, needs_rehash, verify_password
from app.utils.errors import InputError


@pytest.mark.production_hashing
def test_hash_is_argon2id_salted_and_verifies():
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("$argon2id$")
    assert first != second  # a random salt per hash
    assert verify_password(first, "correct horse battery")
    assert not verify_password(first, "correct horse battery!")
    assert not needs_rehash(first)


def test_verify_without_a_hash_is_false_not_an_error():
    assert verify_password(None, "anything at all") is False
    assert verify_password("not-a-hash", "anything at all") is False


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12"),
        ("x" * 1025, "at most 1024"),
        ("alice-the-admin", "not be the username"),
    ],
)
def test_weak_passwords_are_refused_naming_the_field(password, message):
    with pytest.raises(InputError) as caught:
        check_new_password(password, field="New password", username="alice-the-admin")
    assert caught.value.field == "New password"
    assert message in caught.value.message
