"""Every callback the app hands to Streamlit says what authority it needs (app.ui.guard).

Streamlit runs widget callbacks and download data callables before the page script, so a page's
role check does not guard them. This enumerates every `on_click`, `on_change`, `on_submit` and
download `data` in the app's source and fails on any that is not marked (`action`, `ui_only`,
`public`, `checked`, `guarded_download`); tests/ui checks the callbacks really registered too.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from app.ui.guard import AUTHORITY

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "app" / "pages").glob("*.py"), *(ROOT / "app" / "ui").glob("*.py"),
                  ROOT / "app" / "main.py"])
CALLBACK_KEYWORDS = {"on_click", "on_change", "on_submit"}
MARKING_CALLS = {"checked", "ui_only", "public"}  # mark or verify a callback where it is used


def _module(path: Path) -> ModuleType:
    dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return importlib.import_module(dotted)


def _name_of(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _resolve(module: ModuleType, node: ast.expr) -> object:
    """The object a module-level name or dotted attribute refers to."""
    if isinstance(node, ast.Name):
        return getattr(module, node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_resolve(module, node.value), node.attr)
    raise TypeError(ast.dump(node))


def _problem(module: ModuleType, value: ast.expr) -> str | None:
    """Why this callback expression is not acceptably marked, or None."""
    if isinstance(value, ast.IfExp):
        return _problem(module, value.body) or _problem(module, value.orelse)
    constant = isinstance(value, ast.Constant) and isinstance(value.value, str | None)
    if constant or (isinstance(value, ast.Call) and _name_of(value.func) in MARKING_CALLS):
        return None  # "ignore", "rerun", no callback, or marked where it is used
    if not isinstance(value, ast.Name | ast.Attribute):
        return f"{ast.unparse(value)}: a lambda or other expression cannot carry a mark"
    try:
        target = _resolve(module, value)
    except (AttributeError, TypeError):
        return f"{ast.unparse(value)} is not a module-level callback (wrap it in checked())"
    if getattr(target, AUTHORITY, None) is None:
        return f"{ast.unparse(value)} is not marked with action/ui_only/public"
    return None


def _download_problem(value: ast.expr) -> str | None:
    """Download data: bytes made now, or a callable wrapped in guarded_download."""
    if isinstance(value, ast.Lambda):
        return "a lambda as download data runs later without a session check"
    if isinstance(value, ast.Call) and _name_of(value.func) in ("partial", "lambda"):
        return "a deferred callable as download data must be wrapped in guarded_download"
    return None


def _callbacks() -> Iterator[tuple[str, str | None]]:
    for path in SOURCES:
        module = _module(path)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            for keyword in node.keywords:
                if keyword.arg in CALLBACK_KEYWORDS:
                    yield where, _problem(module, keyword.value)
                elif keyword.arg == "data" and _name_of(node.func) == "download_button":
                    yield where, _download_problem(keyword.value)


def test_every_callback_in_the_app_is_marked_with_its_authority() -> None:
    found = list(_callbacks())
    assert len(found) >= 30, "the scan found too few callbacks: did the layout change?"
    problems = [f"{where}: {problem}" for where, problem in found if problem]
    assert problems == []


def test_the_audit_export_download_is_guarded() -> None:
    source = (ROOT / "app" / "pages" / "audit_log.py").read_text()
    assert "guarded_download(" in source


@pytest.mark.parametrize(
    "snippet, problem",
    [
        ("st.button('x', on_click=lambda: None)", "lambda"),
        ("st.button('x', on_click=unmarked)", "not marked"),
        ("st.download_button('x', data=lambda: b'')", "lambda"),
    ],
)
def test_the_scan_catches_unmarked_callbacks(snippet: str, problem: str) -> None:
    module = ModuleType("fake_page")
    module.unmarked = lambda: None  # type: ignore[attr-defined]
    call = ast.parse(snippet).body[0].value  # type: ignore[attr-defined]
    value = call.keywords[0].value
    found = (_download_problem(value) if call.keywords[0].arg == "data"
             else _problem(module, value))
    assert found is not None and problem in found
