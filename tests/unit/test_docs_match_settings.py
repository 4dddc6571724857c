"""The README and .env.example document every setting the app reads."""

import re
from pathlib import Path

from tests.support.db_fixtures import settings_env_names

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting():
    text = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    assert set(settings_env_names()) <= listed


def test_readme_configuration_table_lists_every_setting_and_the_two_commands():
    text = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", text, flags=re.MULTILINE))
    assert set(settings_env_names()) | {"DASHBOARD_ENV_FILE"} <= documented
    assert "make run" in text and "make test" in text
