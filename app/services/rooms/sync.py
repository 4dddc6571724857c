"""Room sync: the bot's rooms, their members and power levels, from Matrix into the database.

Runs outside page renders (a page button with progress, or `python -m app sync-rooms`), one at
a time per deployment (`sync_lock`). Only what Matrix says is overwritten; admin tags stay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import Room, RoomMember, RoomSyncRun, utcnow
from app.services import connections
from app.services.outcomes import outcome_of
from app.services.progress import Progress, ProgressCallback, fan_out, guarded, relay
from app.services.rooms import sync_lock
from app.utils.enums import AuditAction, AuditOutcome, SyncStatus
from app.utils.matrix import MatrixClient, MatrixError, Member, RoomInfo, RoomOutcome

logger = logging.getLogger(__name__)

REFUSED = "refused"  # SyncResult.status when another sync is running
READ_ROOMS = "Reading rooms"
READ_MEMBERS = "Reading members"
_CHUNK = 500  # IN (...) lists stay well below SQLite's parameter limit
_MAX_STORED_ERRORS = 50


@dataclass(frozen=True)
class SyncRunView:
    id: int
    actor: str
    started_at: datetime
    finished_at: datetime | None
    status: str  # running | ok | partial | failed | interrupted
    rooms_total: int
    rooms_synced: int
    rooms_left: int
    errors: int


@dataclass(frozen=True)
class SyncResult:
    """What one sync did. `status`: ok, partial (some rooms unreadable), failed (none readable)
    or refused (another sync is running; nothing was done)."""

    status: str
    message: str
    run: SyncRunView | None = None
    errors: tuple[RoomOutcome, ...] = ()

    @property
    def refused(self) -> bool:
        return self.status == REFUSED


@dataclass(frozen=True)
class Freshness:
    """How current the stored rooms are: the newest usable sync, and a sync running now if any."""

    last_success: SyncRunView | None
    last_run: SyncRunView | None
    running: sync_lock.Holder | None

    @property
    def synced_at(self) -> datetime | None:
        return self.last_success.finished_at if self.last_success else None


@dataclass
class _Snapshot:
    room_ids: list[str]
    infos: dict[str, RoomInfo] = field(default_factory=dict)
    members: dict[str, list[Member]] = field(default_factory=dict)
    errors: dict[str, RoomOutcome] = field(default_factory=dict)


def sync_rooms(*, actor: str, on_progress: ProgressCallback | None = None) -> SyncResult:
    """Read every room the bot is in into the database.

    Raises NotConfigured, or a MatrixError when the bot's rooms cannot be listed at all (bad
    token, homeserver down); the run is recorded as failed first. Rooms that cannot be read
    are reported in the result and keep their previous data.
    """
    on_progress = guarded(on_progress)
    client = connections.matrix()
    lock = sync_lock.try_acquire(actor=actor)
    if lock is None:
        return _refused()
    try:
        return _run(client, lock, actor, on_progress)
    finally:
        lock.release()


def _refused() -> SyncResult:
    who = sync_lock.holder()
    if who is not None and who.since is not None:
        since = f" since {who.since:%Y-%m-%d %H:%M:%S} UTC (started by {who.actor})"
    else:
        since = ""
    logger.info("room sync refused: another sync is running%s", since)
    return SyncResult(REFUSED, f"A room sync is already running{since}. Try again once it "
                                 "has finished.")


def _run(
    client: MatrixClient, lock: sync_lock.SyncLock, actor: str,
    on_progress: ProgressCallback | None,
) -> SyncResult:
    run_id = _start_run(actor)
    with audit_log.audited(actor=actor, action=AuditAction.ROOMS_SYNC, target="rooms",
                           reason=_error_text, reason_key="error") as entry:
        try:
            snapshot = _read(client, lock, on_progress)
            left = _store(snapshot)
        except Exception as err:
            _finish(run_id, SyncStatus.FAILED, detail={"error": _error_text(err)})
            raise
        total, synced, errors = len(snapshot.room_ids), len(snapshot.infos), len(snapshot.errors)
        status = (SyncStatus.OK if not errors
                  else SyncStatus.FAILED if total and not synced else SyncStatus.PARTIAL)
        detail = {"errors": {o.room_id: o.reason for o in
                             list(snapshot.errors.values())[:_MAX_STORED_ERRORS]}}
        view = _finish(run_id, status, total=total, synced=synced, left=left, errors=errors,
                       detail=detail)
        entry.outcome = AuditOutcome(status)
        entry.details = {"rooms": total, "synced": synced, "left": left, "errors": errors}
    message = f"Synced {synced} of {total} rooms"
    if errors:
        first = next(iter(snapshot.errors.values()))
        message += f"; {errors} could not be read (e.g. {first.room_id}: {first.reason})"
    if left:
        message += f"; {left} room(s) the bot is no longer in are hidden"
    return SyncResult(status, message + ".", view, tuple(snapshot.errors.values()))


def _error_text(err: Exception) -> str:
    return str(err)[:1000]


def _read(
    client: MatrixClient, lock: sync_lock.SyncLock, on_progress: ProgressCallback | None
) -> _Snapshot:
    def report(progress: Progress) -> None:
        lock.refresh()
        if on_progress is not None:
            on_progress(progress)

    snapshot = _Snapshot(room_ids=client.joined_rooms())
    total = len(snapshot.room_ids)
    report(Progress(READ_ROOMS, 0, total))
    for lookup in client.rooms_info(snapshot.room_ids,
                                    on_outcome=relay(report, READ_ROOMS, total)):
        if lookup.ok and lookup.value is not None:
            snapshot.infos[lookup.room_id] = lookup.value
        else:
            snapshot.errors[lookup.room_id] = RoomOutcome(lookup.room_id, lookup.status,
                                                          lookup.reason)
    groups = [room for room, info in snapshot.infos.items() if not info.is_direct]
    found = fan_out(client, client.joined_members, groups, phase=READ_MEMBERS, on_progress=report)
    for room_id, result in found.items():
        if isinstance(result, MatrixError):
            snapshot.errors[room_id] = outcome_of(room_id, result)
        else:
            snapshot.members[room_id] = result
    return snapshot


def _store(snapshot: _Snapshot) -> int:
    """Write the snapshot in one transaction; return how many rooms the bot has left."""
    now = utcnow()
    joined = set(snapshot.room_ids)
    with session_scope() as db:
        existing = {room.room_id: room for room in db.scalars(select(Room))}
        for room_id, info in snapshot.infos.items():
            row = existing.get(room_id)
            if row is None:
                row = Room(room_id=room_id, first_seen_at=now)
                db.add(row)
            _apply(row, info, now)
        gone = [r.room_id for r in existing.values() if r.still_joined and r.room_id not in joined]
        for start in range(0, len(gone), _CHUNK):
            chunk = gone[start:start + _CHUNK]
            db.execute(update(Room).where(Room.room_id.in_(chunk)).values(still_joined=False))
            db.execute(delete(RoomMember).where(RoomMember.room_id.in_(chunk)))
        db.flush()  # new rooms exist before their members reference them
        for room_id, members in snapshot.members.items():
            power = snapshot.infos[room_id].power
            db.execute(delete(RoomMember).where(RoomMember.room_id == room_id))
            rows = [
                {"room_id": room_id, "user_id": m.user_id,
                 "display_name": (m.display_name or "")[:255], "membership": "join",
                 "power_level": power.level_of(m.user_id), "synced_at": now}
                for m in members
            ]
            if rows:
                db.execute(insert(RoomMember), rows)
    return len(gone)


def _apply(row: Room, info: RoomInfo, now: datetime) -> None:
    row.name = (info.name or "")[:255]
    row.topic = info.topic or ""
    row.canonical_alias = (info.canonical_alias or "")[:255]
    row.joined_members = info.joined_members
    row.invited_members = info.invited_members
    row.encrypted = info.encrypted
    row.is_direct = info.is_direct
    row.room_version = info.room_version[:32]
    row.bot_level = info.bot_level
    row.invite_level = info.power.invite
    row.kick_level = info.power.kick
    row.ban_level = info.power.ban
    row.state_default = info.power.state_default
    row.users_default = info.power.users_default
    row.still_joined = True
    row.synced_at = now


def _start_run(actor: str) -> int:
    """A new run row; runs still marked running belong to syncs that died (we hold the lock)."""
    now = utcnow()
    with session_scope() as db:
        db.execute(update(RoomSyncRun).where(RoomSyncRun.status == SyncStatus.RUNNING)
                   .values(status=SyncStatus.INTERRUPTED, finished_at=now))
        run = RoomSyncRun(actor=actor[:150], started_at=now, status=SyncStatus.RUNNING, detail={})
        db.add(run)
        db.flush()
        return run.id


def _finish(
    run_id: int, status: SyncStatus, *, total: int = 0, synced: int = 0, left: int = 0,
    errors: int = 0, detail: dict[str, Any],
) -> SyncRunView:
    with session_scope() as db:
        run = db.get_one(RoomSyncRun, run_id)
        run.status, run.finished_at, run.detail = status, utcnow(), detail
        run.rooms_total, run.rooms_synced, run.rooms_left, run.errors = total, synced, left, errors
        return _view(run)


def _view(run: RoomSyncRun) -> SyncRunView:
    return SyncRunView(run.id, run.actor, run.started_at, run.finished_at, run.status,
                       run.rooms_total, run.rooms_synced, run.rooms_left, run.errors)


def freshness() -> Freshness:
    with session_scope() as db:
        success = db.scalars(
            select(RoomSyncRun).where(RoomSyncRun.status.in_((SyncStatus.OK, SyncStatus.PARTIAL)))
            .order_by(RoomSyncRun.finished_at.desc(), RoomSyncRun.id.desc()).limit(1)
        ).first()
        last = db.scalars(
            select(RoomSyncRun).order_by(RoomSyncRun.started_at.desc(), RoomSyncRun.id.desc())
            .limit(1)
        ).first()
        views = (_view(success) if success else None, _view(last) if last else None)
    return Freshness(views[0], views[1], sync_lock.holder())
