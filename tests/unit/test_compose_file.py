"""The compose file can run several replicas and keeps REPLICA_ID's meaning: only the proxy has
a host port, every dashboard service has its own REPLICA_ID and answers to the name the proxy
resolves. (`.ci/run` also has `docker-compose config` validate the file.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def services() -> dict[str, dict[str, Any]]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"])


def dashboards() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services().items() if s.get("build") == "."}


def test_only_the_proxy_publishes_a_host_port() -> None:
    published = {name for name, s in services().items() if s.get("ports")}
    assert published == {"proxy"}
    assert len(dashboards()) >= 2  # app and the optional app-2


def test_every_dashboard_service_has_its_own_replica_id() -> None:
    ids = [s["environment"]["REPLICA_ID"] for s in dashboards().values()]
    assert len(ids) == len(set(ids)) and all(ids), ids


def test_the_proxy_resolves_the_name_every_dashboard_answers_to() -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    match = re.search(r"dynamic a (\S+) (\d+)", caddyfile)
    assert match, caddyfile
    name, port = match.groups()
    for service in dashboards().values():
        assert name in service["networks"]["default"]["aliases"]
        assert port in service["expose"]
    proxy = services()["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
