"""Per-room outcomes in words: a line for people, and the summary an audit row keeps."""

from __future__ import annotations

from collections.abc import Sequence

from app.utils.enums import AuditOutcome
from app.utils.matrix import MatrixError, RoomOutcome, Status, reason_of, status_of


def outcome_of(room_id: str, err: MatrixError) -> RoomOutcome:
    """The per-room outcome a failed read or action stands for."""
    return RoomOutcome(room_id, status_of(err), reason_of(err))


_STATUS_TEXT = {
    Status.ALREADY: "nothing to do",
    Status.FORBIDDEN: "the bot lacks the power (or membership) for this",
    Status.THROTTLED: "rate-limited by the homeserver; retry later",
    Status.UNREACHABLE: "the homeserver did not answer",
    Status.FAILED: "failed",
    Status.SKIPPED: "skipped",
    Status.UNKNOWN: "not confirmed (retrying is safe: it checks first)",
}


def describe_outcome(outcome: RoomOutcome, *, done: str) -> str:
    """One line for people: `done` ("invited", "kicked", ...) or why not, with the detail."""
    if outcome.status is Status.DONE:
        return done
    head = _STATUS_TEXT.get(outcome.status, str(outcome.status))
    if outcome.status is Status.ALREADY and outcome.reason:
        return outcome.reason
    return f"{head}: {outcome.reason}" if outcome.reason else head


def audit_outcome(outcomes: Sequence[RoomOutcome]) -> AuditOutcome:
    """ok when every room is ok, failed when none is (and none may have worked), partial
    otherwise: a room whose outcome is unknown may have worked, so it never reads "failed"."""
    ok = sum(1 for o in outcomes if o.ok)
    if ok == len(outcomes):
        return AuditOutcome.OK
    maybe = any(o.status is Status.UNKNOWN for o in outcomes)
    return AuditOutcome.FAILED if ok == 0 and not maybe else AuditOutcome.PARTIAL


def audit_details(outcomes: Sequence[RoomOutcome], limit: int = 200) -> dict[str, object]:
    """Counts per status and the rooms that did not work (or are unknown), with their
    reasons (bounded)."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[str(o.status)] = counts.get(str(o.status), 0) + 1
    problems = {o.room_id: f"{o.status}: {o.reason}"[:300] for o in outcomes if not o.ok}
    return {"rooms": len(outcomes), "counts": counts,
            "not_ok": dict(list(problems.items())[:limit])}
