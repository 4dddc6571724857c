"""Fixture plugins shared by the whole suite; each lives in tests/support/ beside its helpers."""

pytest_plugins = [
    "tests.support.auth_fixtures",
    "tests.support.authentik_fixtures",
    "tests.support.db_fixtures",
    "tests.support.journey_env",
    "tests.support.synapse_fixtures",
]
