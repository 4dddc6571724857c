"""Authentik's OpenAPI contract (trimmed copy in authentik_schema/), as checks for the test fake.

`load_schema()` parses `authentik_schema/schema.json` once per process and answers two
questions for the fake: is this request one Authentik's schema allows, and is this response
one Authentik could send? A problem is returned as a sentence; the fake turns it into a test
failure.

Beyond plain JSON-schema validation (openapi-schema-validator, OpenAPI 3.0 read/write rules)
it rejects what real Authentik silently ignores, because ignored input is a client bug that no
status code reveals: query parameters the operation does not declare and object fields the
schema does not declare (for example `password` on user create, `last_updated__gte`).

The upstream text needs a few corrections before a strict validator agrees with a real
server; they are applied at load time (`_apply_known_deviations`), each with its reason.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import FormatChecker
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)

SCHEMA_DIR = Path(__file__).resolve().parent / "authentik_schema"
SCHEMA_FILE = SCHEMA_DIR / "schema.json"
API_PREFIX = "/api/v3"
JSON = Any


def _lenient_email(value: object) -> bool:
    """Authentik answers "" for a user without email although the schema says format: email."""
    return not isinstance(value, str) or value == "" or "@" in value


FORMAT_CHECKER = FormatChecker(formats=())
FORMAT_CHECKER.checkers.update(oas30_format_checker.checkers)
FORMAT_CHECKER.checks("email")(_lenient_email)


def _apply_known_deviations(spec: dict[str, JSON]) -> None:
    """Make the schema describe what Authentik 2026.5 really sends (each observed upstream)."""
    schemas = spec["components"]["schemas"]

    # 1. `allOf: [$ref]` + `nullable: true` (e.g. Flow.background_themed_urls): OpenAPI 3.0
    #    validators ignore `nullable` beside `allOf` and reject the null Authentik sends.
    def rewrite(node: JSON) -> None:
        if isinstance(node, dict):
            if node.get("nullable") and isinstance(node.get("allOf"), list):
                node["anyOf"] = [*node.pop("allOf"), {"nullable": True, "enum": [None]}]
                node.pop("nullable")
            for value in node.values():
                rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    rewrite(spec)

    # 2. An invitation without a flow is answered with `flow_obj: null` (the serializer field
    #    is `required=False` on a nullable foreign key), though the schema says it is required.
    invitation = schemas["Invitation"]["properties"]
    invitation["flow_obj"] = {
        "anyOf": [invitation["flow_obj"], {"nullable": True, "enum": [None]}],
        "readOnly": True,
    }

    # 3. `POST /core/users/{id}/recovery/` without a recovery flow answers
    #    400 {"non_field_errors": "No recovery flow set."}: a string, not a list.
    errors = schemas["ValidationError"]["properties"]
    errors["non_field_errors"] = {"anyOf": [errors["non_field_errors"], {"type": "string"}]}


@dataclass(frozen=True)
class Operation:
    """One method on one path of the schema, with what a request may carry."""

    method: str
    template: str
    operation_id: str
    pattern: re.Pattern[str]
    path_params: Mapping[str, JSON]
    query_params: Mapping[str, JSON]
    body_schema: JSON | None
    body_required: bool
    responses: Mapping[str, JSON | None]  # status -> body schema (None: no content)
    anonymous_ok: bool


@dataclass
class CheckedRequest:
    """A request's typed path/query parameters and JSON body, and what is wrong with it."""

    problems: list[str] = field(default_factory=list)
    path_params: dict[str, JSON] = field(default_factory=dict)
    query: dict[str, JSON] = field(default_factory=dict)
    body: JSON | None = None


@dataclass
class AuthentikSchema:
    """The parsed, corrected schema and the checks built on it."""

    spec: dict[str, JSON]
    operations: list[Operation] = field(default_factory=list)
    _validators: dict[tuple[str, bool], Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.spec["info"]["version"])

    # -- lookup -------------------------------------------------------------------------------

    def find(self, method: str, path: str) -> Operation | None:
        """The operation for `method` on `path` (relative to /api/v3), or None."""
        method = method.lower()
        for op in self.operations:
            if op.method == method and op.pattern.fullmatch(path):
                return op
        return None

    def path_exists(self, path: str) -> bool:
        return any(op.pattern.fullmatch(path) for op in self.operations)

    def resolve(self, node: JSON) -> JSON:
        while isinstance(node, dict) and "$ref" in node:
            target: JSON = self.spec
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        return node

    # -- schema validation --------------------------------------------------------------------

    def problems(self, schema: JSON, instance: JSON, *, write: bool, where: str) -> list[str]:
        """Schema errors plus undeclared object fields, each as `where.path: message`."""
        key = (json.dumps(schema, sort_keys=True), write)
        validator = self._validators.get(key)
        if validator is None:
            cls = OAS30WriteValidator if write else OAS30ReadValidator
            root = {**schema, "components": self.spec["components"]}
            validator = cls(root, format_checker=FORMAT_CHECKER)
            self._validators[key] = validator
        found = [
            f"{where}{_dotted(err.absolute_path)}: {err.message}"
            for err in validator.iter_errors(instance)
        ]
        found += [f"{where}{path}: {msg}" for path, msg in self._undeclared(schema, instance, "")]
        return found

    def _undeclared(self, schema: JSON, instance: JSON, at: str) -> Iterable[tuple[str, str]]:
        """Fields present in `instance` that `schema` does not declare (closed objects only)."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return
        branches = self._object_branches(schema)
        if branches is not None:
            if instance is not None:
                for branch in branches:
                    yield from self._undeclared(branch, instance, at)
            return
        if isinstance(instance, dict) and "properties" in schema:
            props = schema["properties"]
            closed = schema.get("additionalProperties", False) is False
            for name, value in instance.items():
                if name in props:
                    yield from self._undeclared(props[name], value, f"{at}.{name}")
                elif closed:
                    yield f"{at}.{name}", "field not declared by the schema (Authentik ignores it)"
        elif isinstance(instance, list) and "items" in schema:
            for index, item in enumerate(instance):
                yield from self._undeclared(schema["items"], item, f"{at}[{index}]")

    def _object_branches(self, schema: dict[str, JSON]) -> list[JSON] | None:
        """The object branches of an allOf/anyOf/oneOf (the null branch adds no fields)."""
        for combinator in ("allOf", "anyOf", "oneOf"):
            branches = schema.get(combinator)
            if branches:
                resolved = [(b, self.resolve(b)) for b in branches]
                return [
                    b
                    for b, r in resolved
                    if r.get("enum") != [None]
                    and (r.get("type", "object") == "object" or "properties" in r)
                ]
        return None

    # -- requests -----------------------------------------------------------------------------

    def check_request(
        self,
        op: Operation,
        path: str,
        query: list[tuple[str, str]],
        content_type: str | None,
        body: bytes,
    ) -> CheckedRequest:
        """The request's typed parameters and JSON body, and every problem with it."""
        checked = CheckedRequest()
        problems = checked.problems
        match = op.pattern.fullmatch(path)
        assert match is not None
        for name, raw in match.groupdict().items():
            value, problem = _deserialize(self.resolve(op.path_params[name]), [raw])
            checked.path_params[name] = value
            problems += (
                [f"path parameter {name}: {problem}"]
                if problem
                else self.problems(
                    op.path_params[name], value, write=True, where=f"path parameter {name}"
                )
            )

        values: dict[str, list[str]] = {}
        for name, raw in query:
            values.setdefault(name, []).append(raw)
        for name, raws in values.items():
            schema = op.query_params.get(name)
            if schema is None:
                problems.append(
                    f"query parameter {name!r} is not declared for {op.method.upper()} "
                    f"{op.template} (Authentik ignores it)"
                )
                continue
            value, problem = _deserialize(self.resolve(schema), raws)
            checked.query[name] = value
            problems += (
                [f"query parameter {name}: {problem}"]
                if problem
                else self.problems(schema, value, write=True, where=f"query parameter {name}")
            )

        if body or op.body_required:
            checked.body = self._check_body(op, content_type, body, problems)
        return checked

    def _check_body(
        self, op: Operation, content_type: str | None, body: bytes, problems: list[str]
    ) -> JSON | None:
        where = f"{op.method.upper()} {op.template}"
        if not body:
            problems.append(f"{where} requires a JSON body")
            return None
        if op.body_schema is None:
            problems.append(f"{where} takes no request body")
            return None
        if (content_type or "").split(";")[0].strip() != "application/json":
            problems.append(f"request body must be application/json, got {content_type!r}")
            return None
        try:
            document = json.loads(body)
        except ValueError as err:
            problems.append(f"request body is not JSON: {err}")
            return None
        problems += self.problems(op.body_schema, document, write=True, where="body")
        return document

    # -- responses ----------------------------------------------------------------------------

    def check_response(self, op: Operation, status: int, body: JSON | None) -> list[str]:
        """Problems with a response the fake is about to send for `op`."""
        declared = op.responses.get(str(status), "missing")
        # Real error bodies, whatever the operation declares: 404 {"detail": ...} for unknown
        # objects and invalid pages (mostly undeclared, or declared without content, as on
        # add_user/), and 400 field errors (set_password/ declares 400 without content).
        if status == 404:
            declared = {"$ref": "#/components/schemas/GenericError"}
        elif status == 400 and declared in (None, "missing"):
            declared = {"$ref": "#/components/schemas/ValidationError"}
        if declared == "missing":
            return [f"status {status} is not declared for {op.method.upper()} {op.template}"]
        if declared is None:
            return [] if body is None else [f"status {status} must not carry a body"]
        if body is None:
            return [f"status {status} must carry a JSON body"]
        return self.problems(declared, body, write=False, where="response")


def _dotted(path: Iterable[object]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _scalar(kind: str | None, raw: str) -> tuple[JSON, str | None]:
    if kind == "integer":
        return (int(raw), None) if _INTEGER.fullmatch(raw) else (None, f"{raw!r} is not an integer")
    if kind == "number":
        return (float(raw), None) if _NUMBER.fullmatch(raw) else (None, f"{raw!r} is not a number")
    if kind == "boolean":
        known = raw in ("true", "false")
        return (raw == "true", None) if known else (None, f"{raw!r} is not true or false")
    return raw, None


def _deserialize(schema: JSON, raws: list[str]) -> tuple[JSON, str | None]:
    """Query/path strings to typed values (style form, explode), or a problem."""
    kind = schema.get("type")
    if kind == "array":
        item_kind = schema.get("items", {}).get("type")
        items = [_scalar(item_kind, raw) for raw in raws]
        problem = next((p for _, p in items if p), None)
        return [value for value, _ in items], problem
    if len(raws) != 1:
        return None, f"given {len(raws)} times but is not an array"
    return _scalar(kind, raws[0])


def _operations(spec: dict[str, JSON], resolve: Any) -> list[Operation]:
    operations = []
    anonymous_default = {} in (spec.get("security") or [])
    for template, item in spec["paths"].items():
        shared = item.get("parameters", [])
        regex = "".join(
            f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", template)
        )
        for method, op in item.items():
            if method == "parameters":
                continue
            params = [resolve(p) for p in [*shared, *op.get("parameters", [])]]
            body = op.get("requestBody")
            content = (body or {}).get("content", {}).get("application/json")
            responses: dict[str, JSON | None] = {}
            for status, declared in op["responses"].items():
                media = resolve(declared).get("content", {}).get("application/json")
                responses[status] = media["schema"] if media else None
            security = op.get("security")
            operations.append(
                Operation(
                    method=method,
                    template=template,
                    operation_id=op.get("operationId", f"{method} {template}"),
                    pattern=re.compile(regex),
                    path_params={p["name"]: p["schema"] for p in params if p["in"] == "path"},
                    query_params={p["name"]: p["schema"] for p in params if p["in"] == "query"},
                    body_schema=content["schema"] if content else None,
                    body_required=bool((body or {}).get("required")),
                    responses=responses,
                    anonymous_ok=anonymous_default if security is None else {} in security,
                )
            )
    # Literal paths before templated ones: /core/users/me/ is not /core/users/{id}/.
    operations.sort(key=lambda o: (o.template.count("{"), o.template))
    return operations


@cache
def load_schema(path: Path = SCHEMA_FILE) -> AuthentikSchema:
    """The trimmed, corrected schema; parsed once per process (about 10 ms)."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    _apply_known_deviations(spec)
    schema = AuthentikSchema(spec=spec)
    schema.operations = _operations(spec, schema.resolve)
    return schema


def raw_spec(path: Path = SCHEMA_FILE) -> dict[str, JSON]:
    """The trimmed schema exactly as shipped (without the load-time corrections)."""
    return copy.deepcopy(json.loads(path.read_text(encoding="utf-8")))
