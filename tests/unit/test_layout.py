"""Where things live and what may import what (docs/DESIGN.md "The shape"), checked on the source.

- Client code lives in the packages app/utils/matrix/ and app/utils/authentik/: no module under
  app/utils/ is named with a `matrix_` or `authentik_` prefix.
- Roles are spelled once, in app/utils/enums.py: no "admin" or "moderator" string literal
  elsewhere in app/.
- Layers import downwards only: utils imports nothing of ours above it, db only utils, auth only
  db and utils, services never the UI or Streamlit.
- A page declares its roles once, in app.navigation: it checks them with `require_page(__file__)`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.navigation import PAGES, spec_for

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
ENUMS = APP / "utils" / "enums.py"
ROLE_WORDS = {"admin", "moderator"}
# The same word, not a dashboard role: Synapse's admin API (GET .../users/<id>/admin -> {"admin"}).
NOT_ROLES = {APP / "utils" / "matrix" / "reads.py": 2}


def _sources(under: Path = APP) -> list[Path]:
    return sorted(p for p in under.rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Every module this file imports (absolute names)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _role_literals(path: Path) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in ROLE_WORDS
    ]


def test_no_prefixed_client_modules_under_utils() -> None:
    prefixed = [
        str(p.relative_to(ROOT))
        for p in (APP / "utils").rglob("*.py")
        if p.name.startswith(("matrix_", "authentik_"))
    ]
    assert prefixed == []
    assert (APP / "utils" / "matrix" / "__init__.py").is_file()
    assert (APP / "utils" / "authentik" / "__init__.py").is_file()


def test_no_role_string_literal_outside_the_enum_module() -> None:
    found = {
        path: lines
        for path in _sources()
        if path != ENUMS and (lines := _role_literals(path))
    }
    unexpected = {
        str(path.relative_to(ROOT)): lines
        for path, lines in found.items()
        if len(lines) != NOT_ROLES.get(path, 0)
    }
    assert unexpected == {}


def test_the_role_scan_finds_a_literal() -> None:
    snippet = ast.parse('require("admin")\nx = {"role": "moderator"}')
    words = [n.value for n in ast.walk(snippet) if isinstance(n, ast.Constant)]
    assert set(words) >= ROLE_WORDS


@pytest.mark.parametrize(
    "layer, allowed",
    [
        ("utils", {"app.utils"}),
        ("db", {"app.db", "app.utils"}),
        ("auth", {"app.auth", "app.db", "app.utils"}),
        ("services", {"app.services", "app.auth", "app.db", "app.utils"}),
    ],
)
def test_layers_import_downwards_only(layer: str, allowed: set[str]) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in _imports(path)
            if (name == "app" or name.startswith("app."))
            and not any(name == a or name.startswith(a + ".") for a in allowed)
        )
        for path in _sources(APP / layer)
    }
    assert {path: names for path, names in wrong.items() if names} == {}


@pytest.mark.parametrize("layer", ["utils", "db", "auth", "services"])
def test_only_the_ui_imports_streamlit(layer: str) -> None:
    users = [
        str(path.relative_to(ROOT))
        for path in _sources(APP / layer)
        if any(name.split(".")[0] == "streamlit" for name in _imports(path))
    ]
    assert users == []


@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.file)
def test_every_page_checks_the_roles_of_its_page_spec(spec) -> None:
    source = (APP / "pages" / spec.file).read_text()
    assert "require_page(__file__)" in source
    assert spec_for(str(APP / "pages" / spec.file)) is spec
    assert spec.roles


def test_a_file_that_is_no_page_has_no_spec() -> None:
    with pytest.raises(LookupError):
        spec_for(str(APP / "pages" / "login.py"))
