"""The Makefile checks the Python it is given before installing anything, and makes the venv
again when another Python made it. A fake interpreter stands in for the versions this machine
may not have: it answers the version question, makes a "venv" holding a copy of itself, and
logs every call; the venv lives in a temporary directory, never the project's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

FAKE = """#!/bin/sh
echo "$*" >> "{log}"
case "$1" in
  -c) echo "{version}" ;;
  -m) if [ "$2" = venv ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; fi ;;
esac
exit 0
"""


def fake_python(path: Path, version: str, log: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAKE.format(version=version, log=log))
    path.chmod(0o755)
    return path


def make(*args: str, path_first: Path | None = None) -> subprocess.CompletedProcess[str]:
    # As a person runs it: not as a sub-make of `make test` (whose MAKELEVEL turns "make:"
    # into "make[1]:" and whose MAKEFLAGS would pass its options on).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env['PATH']}"
    return subprocess.run(["make", "--no-print-directory", *args], check=False, cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_an_old_python_on_path_stops_make_run_with_one_line_before_any_install(tmp_path):
    log = tmp_path / "calls.log"
    fake_python(tmp_path / "bin" / "python3", "3.10.13", log)  # the default PYTHON=python3
    venv = tmp_path / "venv"
    done = make("run", f"VENV={venv}", path_first=tmp_path / "bin")
    assert done.returncode == 2
    ours = [line for line in done.stderr.splitlines() if not line.startswith("make: ***")]
    assert ours == [
        "make: Python 3.10.13 found at PYTHON=python3; the dashboard needs 3.11 or newer: "
        "pick another, e.g. `make run PYTHON=python3.11`"
    ], done.stderr
    assert not venv.exists()
    assert not any("venv" in c or "pip" in c for c in calls(log))


def test_a_python_that_cannot_run_is_named(tmp_path):
    done = make("migrate", f"VENV={tmp_path / 'venv'}", f"PYTHON={tmp_path / 'nowhere'}")
    assert done.returncode == 2
    assert f"make: PYTHON={tmp_path / 'nowhere'} cannot be run" in done.stderr
    assert "`make run PYTHON=python3.11`" in done.stderr
    assert not (tmp_path / "venv").exists()


def test_a_venv_made_by_another_python_is_made_again_once(tmp_path):
    log = tmp_path / "calls.log"
    old = fake_python(tmp_path / "old" / "python", "3.10.13", log)
    venv = tmp_path / "venv"
    subprocess.run([str(old), "-m", "venv", str(venv)], check=True)  # left by an earlier try
    new = fake_python(tmp_path / "new" / "python", "3.12.1", log)
    log.unlink()

    first = make("migrate", f"VENV={venv}", f"PYTHON={new}")
    assert first.returncode == 0, first.stderr
    assert f"make: {venv} was made by Python 3.10.13; making it again with 3.12.1" in first.stdout
    made = calls(log)
    assert f"-m venv {venv}" in made
    assert made[-1] == "-m app migrate"
    assert "-m pip install -q -r requirements.txt" in made
    assert "3.12.1" in (venv / "bin" / "python").read_text()  # the venv's Python is the new one
    assert (venv / ".made-by-python-3.12.1").exists()

    log.unlink()
    again = make("migrate", f"VENV={venv}", f"PYTHON={new}")
    assert again.returncode == 0, again.stderr
    assert "making it again" not in again.stdout
    assert not any("venv" in c or "pip" in c for c in calls(log))
    assert calls(log)[-1] == "-m app migrate"


def test_a_venv_of_the_same_python_without_a_marker_is_kept(tmp_path):
    """A venv made before the marker existed is adopted, not rebuilt."""
    log = tmp_path / "calls.log"
    python = fake_python(tmp_path / "py" / "python", "3.11.7", log)
    venv = tmp_path / "venv"
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
    (venv / "kept").touch()
    log.unlink()
    done = make("migrate", f"VENV={venv}", f"PYTHON={python}")
    assert done.returncode == 0, done.stderr
    assert (venv / "kept").exists()
    assert not any(c.startswith("-m venv") for c in calls(log))
    assert (venv / ".made-by-python-3.11.7").exists()
