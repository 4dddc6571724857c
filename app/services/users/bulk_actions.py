"""Bulk actions on a selection of Authentik users, with one outcome per user.

Activate, deactivate, add to / remove from a group, reset (a recovery link per user) and
delete. Users are handled concurrently (a few at a time); a failure for one user is reported
for that user and the others go on. Failures that would repeat for everyone (Authentik
unreachable, the API token refused) stop the run: the users not yet handled are reported as
not attempted. Every attempt is audited; recovery links are never audited or logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from app.db import audit_log
from app.services import approvals, connections, protected
from app.services.users.create import recovery_link
from app.services.users.directory import CountProgress, GroupChoice
from app.utils.authentik import (
    AuthentikClient,
    AuthentikError,
    AuthentikTokenRejected,
    AuthentikUnreachable,
)
from app.utils.authentik import validation as check
from app.utils.enums import ApprovalKind, AuditAction, AuditOutcome
from app.utils.errors import InputError

logger = logging.getLogger(__name__)

CONCURRENCY = 4
DELETE_WORD = "DELETE"


class BulkAction(StrEnum):
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"
    ADD_GROUP = "add_group"
    REMOVE_GROUP = "remove_group"
    RESET = "reset"
    DELETE = "delete"


LABELS: dict[BulkAction, str] = {
    BulkAction.ACTIVATE: "Activate",
    BulkAction.DEACTIVATE: "Deactivate",
    BulkAction.ADD_GROUP: "Add to group",
    BulkAction.REMOVE_GROUP: "Remove from group",
    BulkAction.RESET: "Reset (recovery link)",
    BulkAction.DELETE: "Delete",
}
_AUDIT_ACTION: dict[BulkAction, AuditAction] = {
    BulkAction.ACTIVATE: AuditAction.USER_ACTIVATE,
    BulkAction.DEACTIVATE: AuditAction.USER_DEACTIVATE,
    BulkAction.ADD_GROUP: AuditAction.USER_GROUP_ADD,
    BulkAction.REMOVE_GROUP: AuditAction.USER_GROUP_REMOVE,
    BulkAction.RESET: AuditAction.USER_RECOVERY_LINK,
    BulkAction.DELETE: AuditAction.USER_DELETE,
}
NEEDS_GROUP = frozenset({BulkAction.ADD_GROUP, BulkAction.REMOVE_GROUP})
# Doing these to the API token's own account would cut the dashboard off from Authentik.
# Never done to the token's owner or a superuser (app.services.protected).
_PROTECTED_FROM = frozenset({BulkAction.DEACTIVATE, BulkAction.DELETE})


@dataclass(frozen=True)
class Selected:
    pk: int
    username: str


@dataclass(frozen=True)
class BulkOutcome:
    pk: int
    username: str
    ok: bool
    reason: str = ""
    recovery_link: str | None = field(default=None, repr=False)
    batch: int | None = None  # the audit row recording the whole batch (Undo starts there)

    @property
    def status(self) -> str:
        return "ok" if self.ok else "failed"


def check_bulk(
    *,
    action: BulkAction | str,
    users: Sequence[Selected],
    group: GroupChoice | None = None,
    confirm: str = "",
) -> BulkAction:
    """The action, if the request is complete; InputError naming the field otherwise.

    Deleting needs `confirm` to be the word DELETE or the number of selected users.
    """
    try:
        chosen = BulkAction(action)
    except ValueError:
        raise InputError("action", f"one of: {', '.join(BulkAction)}") from None
    if not users:
        raise InputError("selection", "select at least one user")
    if len({u.pk for u in users}) != len(users):
        raise InputError("selection", "a user is selected twice")
    if chosen in NEEDS_GROUP:
        if group is None:
            raise InputError("group", "choose a group")
        check.authentik_id(group.pk, "group")
    if chosen is BulkAction.DELETE and confirm.strip() not in (DELETE_WORD, str(len(users))):
        raise InputError("confirm", f"type {DELETE_WORD} or {len(users)} to delete these users")
    return chosen


def _before(
    client: AuthentikClient, action: BulkAction, user: Selected, group: GroupChoice | None
) -> dict[str, bool]:
    """What an undo needs to know: was the user active, or in the group, before?"""
    if action in (BulkAction.ACTIVATE, BulkAction.DEACTIVATE):
        return {"active": client.get_user(user.pk).is_active}
    if action in NEEDS_GROUP and group is not None:
        return {"in_group": group.pk in client.get_user(user.pk).groups}
    return {}


def _apply(
    client: AuthentikClient, action: BulkAction, user: Selected, group: GroupChoice | None
) -> str | None:
    """Do `action` to one user; the recovery link for RESET, else None."""
    if action is BulkAction.ACTIVATE:
        client.update_user(user.pk, is_active=True)
    elif action is BulkAction.DEACTIVATE:
        client.update_user(user.pk, is_active=False)
    elif action is BulkAction.ADD_GROUP and group is not None:
        client.add_user_to_group(group.pk, user.pk)
    elif action is BulkAction.REMOVE_GROUP and group is not None:
        client.remove_user_from_group(group.pk, user.pk)
    elif action is BulkAction.RESET:
        return recovery_link(client, user.pk)[0]
    elif action is BulkAction.DELETE:
        client.delete_user(user.pk)
    return None


def bulk(
    *,
    actor: str,
    action: BulkAction | str,
    users: Sequence[Selected],
    group: GroupChoice | None = None,
    confirm: str = "",
    progress: CountProgress | None = None,
    concurrency: int = CONCURRENCY,
    approval_id: int | None = None,
) -> list[BulkOutcome]:
    """Do `action` to every selected user; one outcome per user, in the selection's order.

    Requests run in a few worker threads; audit rows and `progress` calls happen in the
    calling thread (a Streamlit page's progress bar needs its script thread). Under the
    two-person rule only an approved request's run gets past `approvals.require`.
    """
    chosen = check_bulk(action=action, users=users, group=group, confirm=confirm)
    approvals.require(approval_rule(chosen, len(users)), approval_id=approval_id,
                      kind=ApprovalKind.USERS_BULK,
                      payload=_payload(chosen, users, group, confirm))
    client = connections.authentik()
    spared = protected.protected_authentik_pks() if chosen in _PROTECTED_FROM else {}
    stop = threading.Event()
    stop_reason: list[str] = []

    def one(user: Selected) -> _Attempt:
        if stop.is_set():
            return _Attempt(user, reason=f"not attempted: {stop_reason[0]}")
        if user.pk in spared:
            return _Attempt(user, reason=f"skipped: {spared[user.pk]}")
        try:
            before = _before(client, chosen, user, group)
            return _Attempt(user, done=True, link=_apply(client, chosen, user, group),
                            before=before)
        except (AuthentikUnreachable, AuthentikTokenRejected) as err:
            if not stop_reason:
                stop_reason.append(str(err))
            stop.set()
            return _Attempt(user, done=True, error=err)
        except AuthentikError as err:
            return _Attempt(user, done=True, error=err)

    attempts: dict[int, _Attempt] = {}
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(one, user) for user in users]
        for count, future in enumerate(as_completed(futures), start=1):
            attempt = future.result()
            if attempt.done:
                _audit(actor, chosen, attempt, group)
            attempts[attempt.user.pk] = attempt
            if progress is not None:
                progress(count, len(users))
    ordered = [attempts[u.pk] for u in users]
    batch = _record_batch(actor, chosen, ordered, group)
    outcomes = [a.outcome(batch) for a in ordered]
    failed = sum(not o.ok for o in outcomes)
    logger.info("bulk %s by %s: %d users, %d failed", chosen, actor, len(users), failed)
    return outcomes


def _record_batch(actor: str, action: BulkAction, attempts: Sequence[_Attempt],
                  group: GroupChoice | None) -> int:
    """The batch as one audit row: what was done to whom, and each user's state before (what
    an undo reads)."""
    failed = sum(1 for a in attempts if a.error is not None or not a.done)
    return audit_log.record(
        actor=actor, action=AuditAction.USER_BULK,
        outcome=(AuditOutcome.OK if not failed else
                 AuditOutcome.FAILED if failed == len(attempts) else AuditOutcome.PARTIAL),
        target=f"{len(attempts)} user(s)",
        member=attempts[0].user.username if len(attempts) == 1 else "",
        details={"bulk_action": str(action),
                 "group": asdict(group) if group is not None and action in NEEDS_GROUP else None,
                 "users": [{"pk": a.user.pk, "username": a.user.username,
                            "ok": a.done and a.error is None, **a.before} for a in attempts]},
    )


def approval_rule(action: BulkAction, count: int) -> str:
    """Why this bulk action waits for a second admin ("" when it does not). A reset is never
    held: it changes nothing by itself, and its links are for the admin who asked."""
    if action is BulkAction.RESET:
        return ""
    return approvals.rule_for(deletes=action is BulkAction.DELETE,
                              deactivates=action is BulkAction.DEACTIVATE, users=count)


def _payload(action: BulkAction, users: Sequence[Selected], group: GroupChoice | None,
             confirm: str) -> dict[str, Any]:
    return {"action": str(action), "users": [asdict(u) for u in users],
            "group": asdict(group) if group is not None and action in NEEDS_GROUP else None,
            "confirm": confirm.strip() if action is BulkAction.DELETE else ""}


def request_bulk(
    *, actor: str, action: BulkAction | str, users: Sequence[Selected],
    group: GroupChoice | None = None, confirm: str = "", submission_id: str,
) -> approvals.ApprovalView:
    """File the bulk action for a second admin, with what it will do, checked as if it ran."""
    chosen = check_bulk(action=action, users=users, group=group, confirm=confirm)
    why = approval_rule(chosen, len(users))
    if not why:
        raise InputError("action", "this needs no approval: run it")
    names = ", ".join(u.username for u in users[:20]) + (" …" if len(users) > 20 else "")
    target = f" ({group.name})" if group is not None and chosen in NEEDS_GROUP else ""
    return approvals.request(
        actor=actor, kind=ApprovalKind.USERS_BULK, why=why,
        summary=f"{LABELS[chosen]}{target}: {len(users)} Authentik user(s): {names}",
        payload=_payload(chosen, users, group, confirm), submission_id=submission_id,
        member=users[0].username if len(users) == 1 else "",
    )


def _run_approved(payload: Mapping[str, Any], approval: approvals.ApprovalView) -> dict[str, Any]:
    group = payload.get("group")
    outcomes = bulk(
        actor=approval.requested_by, action=payload["action"],
        users=[Selected(**u) for u in payload["users"]],
        group=GroupChoice(**group) if group else None, confirm=payload.get("confirm", ""),
        approval_id=approval.id,
    )
    failed = sum(not o.ok for o in outcomes)
    return {"done": len(outcomes) - failed, "failed": failed,
            "outcomes": [{"user": o.username, "ok": o.ok, "reason": o.reason} for o in outcomes]}


approvals.register(ApprovalKind.USERS_BULK, _run_approved)


@dataclass(frozen=True)
class _Attempt:
    user: Selected
    done: bool = False  # a request was sent (so it is audited)
    link: str | None = field(default=None, repr=False)
    error: Exception | None = None
    reason: str = ""
    before: dict[str, bool] = field(default_factory=dict)

    def outcome(self, batch: int | None = None) -> BulkOutcome:
        u = self.user
        if self.error is not None:
            return BulkOutcome(u.pk, u.username, False, str(self.error), batch=batch)
        if not self.done:
            return BulkOutcome(u.pk, u.username, False, self.reason, batch=batch)
        return BulkOutcome(u.pk, u.username, True, recovery_link=self.link, batch=batch)


def _audit(actor: str, action: BulkAction, attempt: _Attempt, group: GroupChoice | None) -> None:
    details: dict[str, object] = {"pk": attempt.user.pk, "bulk": True}
    if group is not None and action in NEEDS_GROUP:
        details["group"] = group.name
    if attempt.error is not None:
        details["reason"] = str(attempt.error)
    audit_log.record(
        actor=actor,
        action=_AUDIT_ACTION[action],
        outcome=AuditOutcome.FAILED if attempt.error is not None else AuditOutcome.OK,
        target=attempt.user.username,
        member=attempt.user.username,
        details=details,
    )
