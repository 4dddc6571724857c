"""Cut Authentik's OpenAPI schema down to the operations the dashboard uses, for the test fake.

The upstream `schema.yml` is 1.7 MB and takes over a second to parse; the fake needs a few
operations. This script keeps those operations (verbatim), every component they reference
(transitively) and the security schemes, and writes:

    tests/support/authentik_schema/schema.json   the trimmed schema, byte-for-byte reproducible
    tests/support/authentik_schema/VERSION       version, source and sha256 of the original

Run it when the client starts using another operation or when targeting another release:

    python tests/support/trim_authentik_schema.py /path/to/authentik/schema.yml

(default input: /work/shared/authentik/schema.yml). Nothing is rewritten here: the fixes that
make the upstream text usable by a strict validator are applied at load time, in
`tests/support/authentik_schema.py`, where each one is documented.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SOURCE = Path("/work/shared/authentik/schema.yml")
OUT_DIR = Path(__file__).resolve().parent / "authentik_schema"
SOURCE_NOTE = (
    "schema.yml at tag version/{version} of github.com/goauthentik/client-python "
    "(copied as-is from github.com/goauthentik/authentik at the same tag)"
)

# (path relative to /api/v3, method): every operation app/utils/authentik/client.py sends.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("/core/users/", "get"),
    ("/core/users/", "post"),
    ("/core/users/{id}/", "get"),
    ("/core/users/{id}/", "patch"),
    ("/core/users/{id}/", "delete"),
    ("/core/users/{id}/set_password/", "post"),
    ("/core/users/{id}/recovery/", "post"),
    ("/core/users/me/", "get"),
    ("/core/groups/", "get"),
    ("/core/groups/{group_uuid}/", "get"),
    ("/core/groups/{group_uuid}/add_user/", "post"),
    ("/core/groups/{group_uuid}/remove_user/", "post"),
    ("/flows/instances/", "get"),
    ("/flows/instances/{slug}/", "get"),
    ("/stages/invitation/invitations/", "get"),
    ("/stages/invitation/invitations/", "post"),
    ("/stages/invitation/invitations/{invite_uuid}/", "get"),
    ("/stages/invitation/invitations/{invite_uuid}/", "delete"),
    ("/root/config/", "get"),
    # the setup check (read) and "Create the flows for me" (find-or-create, then bind)
    ("/admin/settings/", "get"),
    ("/core/brands/", "get"),
    ("/core/brands/current/", "get"),
    ("/core/brands/{brand_uuid}/", "patch"),
    ("/flows/instances/", "post"),
    ("/flows/instances/{slug}/", "patch"),
    ("/flows/bindings/", "get"),
    ("/flows/bindings/", "post"),
    ("/flows/bindings/{fsb_uuid}/", "patch"),
    ("/policies/bindings/", "get"),
    ("/policies/expression/{policy_uuid}/", "get"),
    ("/stages/invitation/stages/", "get"),
    ("/stages/invitation/stages/", "post"),
    ("/stages/invitation/stages/{stage_uuid}/", "patch"),
    ("/stages/prompt/prompts/", "get"),
    ("/stages/prompt/prompts/", "post"),
    ("/stages/prompt/prompts/{prompt_uuid}/", "patch"),
    ("/stages/prompt/stages/", "get"),
    ("/stages/prompt/stages/", "post"),
    ("/stages/prompt/stages/{stage_uuid}/", "patch"),
    ("/stages/user_write/", "get"),
    ("/stages/user_write/", "post"),
    ("/stages/user_write/{stage_uuid}/", "patch"),
    ("/stages/user_login/", "get"),
    ("/stages/user_login/", "post"),
)


def _refs(node: Any) -> set[str]:
    """Every `$ref` string inside `node`."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported, got {ref}")
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    """The subset of `spec` the dashboard needs, with components closed under `$ref`."""
    paths: dict[str, dict[str, Any]] = {}
    for path, method in OPERATIONS:
        item = spec["paths"].get(path)
        if item is None or method not in item:
            raise KeyError(f"{method.upper()} {path} is not in the source schema")
        kept = paths.setdefault(path, {})
        if "parameters" in item:
            kept["parameters"] = item["parameters"]
        kept[method] = item[method]

    components: dict[str, dict[str, Any]] = {}
    pending = _refs(paths)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, section, name = ref[2:].split("/", 2)
        target = _resolve(spec, ref)
        components.setdefault(section, {})[name] = target
        pending |= _refs(target)
    components["securitySchemes"] = spec["components"]["securitySchemes"]

    trimmed: dict[str, Any] = {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "paths": {path: paths[path] for path in sorted(paths)},
        "components": {
            section: {name: items[name] for name in sorted(items)}
            for section, items in sorted(components.items())
        },
    }
    for key in ("servers", "security"):
        if key in spec:
            trimmed[key] = spec[key]
    return trimmed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)

    raw = args.source.read_bytes()
    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C speed, safe semantics
    spec = yaml.load(raw, Loader=safe_loader)  # noqa: S506 - a SafeLoader
    trimmed = trim(spec)
    version = str(spec["info"]["version"])

    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(trimmed, indent=1, ensure_ascii=False) + "\n"
    (args.out / "schema.json").write_text(text, encoding="utf-8")
    (args.out / "VERSION").write_text(
        "\n".join(
            [
                f"version: {version}",
                f"source: {SOURCE_NOTE.format(version=version)}",
                f"source_sha256: {hashlib.sha256(raw).hexdigest()}",
                f"source_bytes: {len(raw)}",
                f"operations: {len(OPERATIONS)}",
                f"schemas: {len(trimmed['components'].get('schemas', {}))}",
                "regenerate: python tests/support/trim_authentik_schema.py <path/to/schema.yml>",
                "",
            ]
        ),
        encoding="utf-8",
    )
    print(f"wrote {args.out / 'schema.json'}: {len(OPERATIONS)} operations, {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
