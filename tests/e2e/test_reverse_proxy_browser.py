"""The reverse proxy examples of docs/SELF_HOSTING.md, as written but for addresses, ports and
the certificate, in front of two replicas (`python -m app serve`, REPLICA_IDs app-1 and app-2,
one PostgreSQL database): Chromium logs in through each proxy and the pages draw over the
proxied websocket; through nginx over HTTPS the login cookie is Secure; Caddy keeps the browser
on one replica with its cookie. And the compose file's deploy/Caddyfile is one Caddy accepts."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.services.accounts import create_account
from tests.e2e.conftest import PASSWORD, browser_cookie, goto, log_in
from tests.support.served_app import ServedApp
from tests.support.streamlit_server import free_port, server_env
from tests.support.waiting import wait_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "SELF_HOSTING.md"
SITE = "dashboard.example.org"
REPLICAS = ("app-1.internal:8501", "app-2.internal:8501")


def doc_block(language: str) -> str:
    """The first ```<language> block of the self-hosting notes."""
    match = re.search(rf"```{language}\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert match, f"no {language} block in {DOC}"
    return match.group(1)


def replaced(text: str, substitutions: dict[str, str]) -> str:
    for old, new in substitutions.items():
        assert old in text, f"{old!r} is no longer in the documented example"
        text = text.replace(old, new)
    return text


def require(tool: str) -> str:
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists()
                                  else None)
    if path is None:
        if os.environ.get("REQUIRE_BROWSER", "") not in ("", "0", "false"):
            pytest.fail(f"REQUIRE_BROWSER is set but {tool} is not installed")
        pytest.skip(f"{tool} is not installed (apt-get install {tool})")
    return path


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def replicas(pg_db: str, tmp_path: Path) -> Iterator[list[ServedApp]]:
    create_account(actor="test", username="admin", password=PASSWORD, role="admin")
    servers = [
        ServedApp(env=server_env(pg_db, REPLICA_ID=f"app-{n}"), log_path=tmp_path / f"app-{n}.log",
                  generated_dir=tmp_path / f"generated-{n}")
        for n in (1, 2)
    ]
    try:
        for server in servers:
            server.start(timeout=120)
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def run_proxy(tmp_path: Path) -> Iterator[Callable[[list[str], int], None]]:
    """run(command, port): start a proxy and wait until it listens; stopped after the test."""
    processes: list[subprocess.Popen[bytes]] = []

    def run(command: list[str], port: int) -> None:
        log = (tmp_path / "proxy.log").open("ab")
        process = subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, "XDG_DATA_HOME": str(tmp_path),
                                        "XDG_CONFIG_HOME": str(tmp_path)})
        log.close()
        processes.append(process)

        def up() -> bool:
            assert process.poll() is None, (tmp_path / "proxy.log").read_text()
            return listening(port)

        wait_for(up, 60, what=f"{command[0]} listening on {port}")

    yield run
    for process in processes:
        process.terminate()
        process.wait(15)


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "ignore_https_errors": True}  # the test's own certificate


def log_in_and_switch_page(page: Page, url: str) -> None:
    goto(page, url)
    log_in(page, "admin")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    goto(page, f"{url}/accounts")  # another page, drawn over the proxied websocket
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()


@pytest.mark.browser
@pytest.mark.postgres
def test_nginx_example_over_https_serves_the_dashboard_with_a_secure_cookie(
    page: Page, replicas: list[ServedApp], run_proxy: Callable[[list[str], int], None],
    tmp_path: Path,
) -> None:
    nginx = require("nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    https_port, http_port = free_port(), free_port()
    site = replaced(doc_block("nginx"), {
        REPLICAS[0]: f"127.0.0.1:{replicas[0].port}",
        REPLICAS[1]: f"127.0.0.1:{replicas[1].port}",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        f"/etc/letsencrypt/live/{SITE}/fullchain.pem": str(tmp_path / "cert.pem"),
        f"/etc/letsencrypt/live/{SITE}/privkey.pem": str(tmp_path / "key.pem"),
    })
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp_path}/{kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/nginx-error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n{temp_paths}\n{site}\n}}\n"
    )
    run_proxy([nginx, "-p", str(tmp_path), "-e", str(tmp_path / "nginx-error.log"),
               "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"], https_port)

    log_in_and_switch_page(page, f"https://127.0.0.1:{https_port}")
    cookie = browser_cookie(page)
    assert cookie is not None and cookie["secure"] and cookie["httpOnly"], cookie


@pytest.mark.browser
@pytest.mark.postgres
def test_caddy_example_keeps_the_browser_on_one_replica(
    page: Page, replicas: list[ServedApp], run_proxy: Callable[[list[str], int], None],
    tmp_path: Path,
) -> None:
    caddy = require("caddy")
    port = free_port()
    site = replaced(doc_block("caddy"), {
        REPLICAS[0]: f"127.0.0.1:{replicas[0].port}",
        REPLICAS[1]: f"127.0.0.1:{replicas[1].port}",
        f"{SITE} {{": f"http://127.0.0.1:{port} {{",
    })
    (tmp_path / "Caddyfile").write_text("{\n\tadmin off\n}\n" + site)
    run_proxy([caddy, "run", "--adapter", "caddyfile", "--config",
               str(tmp_path / "Caddyfile")], port)

    url = f"http://127.0.0.1:{port}"
    log_in_and_switch_page(page, url)
    sticky = browser_cookie(page, "cd_replica")
    assert sticky is not None
    # Caddy's cookie is the HMAC (empty secret) of the chosen replica's address.
    chosen = [r for r in replicas if sticky["value"] == hmac.new(
        b"", f"127.0.0.1:{r.port}".encode(), hashlib.sha256).hexdigest()]
    assert len(chosen) == 1, sticky
    goto(page, url)  # a reload stays on that replica, still logged in
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert browser_cookie(page, "cd_replica")["value"] == sticky["value"]  # type: ignore[index]


@pytest.mark.parametrize("site", [None, ":80", SITE])
def test_the_compose_caddyfile_is_valid_with_and_without_a_site(site: str | None) -> None:
    caddy = require("caddy")
    env = {k: v for k, v in os.environ.items() if k != "DASHBOARD_SITE"}
    if site is not None:  # compose always sets it (`:80` when .env leaves it empty)
        env["DASHBOARD_SITE"] = site
    done = subprocess.run(
        [caddy, "adapt", "--adapter", "caddyfile", "--config", str(DOC.parents[1] / "deploy"
                                                                    / "Caddyfile")],
        env=env, capture_output=True, text=True,
        check=False, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert '"dynamic_upstreams":{"name":"dashboard","port":"8501"' in done.stdout
