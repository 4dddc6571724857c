"""A community with known figures, for the overview, the funnel and the drift report: Authentik
accounts and invitations in the fake, rooms and members on the real Synapse (then synced into
the room directory), journeys and audit rows in the database at chosen times.

Every number the tests expect is stated in `Seeded`; the comments say where it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.db.engine import session_scope
from app.db.models import AuditEvent, Journey
from app.services import rooms
from app.utils.enums import AuditAction, AuditOutcome, JourneyKind, JourneyStatus
from tests.support.authentik_fake import AuthentikFake
from tests.support.synapse import SynapseServer, TestUser

WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class Seeded:
    now: datetime
    stranger: str  # in a room, linked to no account
    gone: str  # deactivated account "gone"'s Matrix ID, still in a room
    room: str  # "Garden": the community room
    welcome: str


def _audit(when: datetime, action: str, *, actor: str = "alice", target: str = "",
           outcome: str = AuditOutcome.OK, details: dict | None = None) -> AuditEvent:
    return AuditEvent(occurred_at=when, actor=actor, action=action, target=target, member="",
                      outcome=outcome, details=details or {})


def _invite(when: datetime, name: str, by: str, *, expires: datetime) -> AuditEvent:
    return _audit(when, AuditAction.INVITE_LINK_CREATE, actor=by, target=name,
                  details={"expires": expires.isoformat(), "invite_ref": f"ref-{name}"})


def _onboarding(when: datetime, username: str, matrix: str, status: str) -> Journey:
    return Journey(kind=JourneyKind.ONBOARDING, actor="alice", status=status, created_at=when,
                   authentik_username=username, matrix_user_id=matrix, params={})


def seed(fake: AuthentikFake, synapse: SynapseServer, bot: TestUser, welcome: str) -> Seeded:
    """Invitations inv1..inv8 (alice 1,2,3,7,8; bob 4,5,6), each a step further:
    inv1 unused (open), inv2 used by u2 (inactive), inv3 by u3 (active, no Matrix ID),
    inv4 by u4 (linked, only in the welcome room), inv5 by u5 (in Garden and the welcome room),
    inv6 by u6 (in Garden only: graduated), inv7 expired two weeks ago... unused, inv8 revoked.
    Besides: "gone" (deactivated last week, still in Garden), "old" (joined 30 weeks ago,
    linked, in no room), akadmin (100 weeks ago, no Matrix ID), a stranger in Garden."""
    now = datetime.now(UTC)
    fake.admin.date_joined = now - 100 * WEEK
    m4, m5, m6, gone_m, old_m, stranger = (synapse.register() for _ in range(6))
    garden = synapse.create_room(bot, name="Garden")
    synapse.create_room(bot, name="Empty")  # the bot alone: a room of 1
    for member in (m4, m5):
        synapse.add_member(bot, welcome, member)  # welcome: bot, m4, m5 = 3 joined
    for member in (m5, m6, gone_m, stranger):
        synapse.add_member(bot, garden, member)  # Garden: bot + 4 = 5 joined
    for n, active in ((2, False), (3, True), (4, True), (5, True), (6, True)):
        by = "alice" if n <= 3 else "bob"
        fake.add_user(f"u{n}", name=f"User {n}", is_active=active,
                      attributes={"invitation": {"by": by, "name": f"inv{n}"}})
    gone = fake.add_user("gone", name="Gone Member", is_active=False)
    gone.date_joined = now - WEEK
    old = fake.add_user("old", name="Old Member")
    old.date_joined = now - 30 * WEEK
    soon = now + WEEK
    fake.add_invitation("stale", expires=now - timedelta(days=2),
                        fixed_data={"attributes.invitation.by": "carol"})
    fake.add_invitation("fresh", expires=soon)  # still valid: not drift
    with session_scope() as db:
        db.add_all([
            *(_invite(now, f"inv{n}", "alice" if n in (1, 2, 3, 8) else "bob", expires=soon)
              for n in (1, 2, 3, 4, 5, 6, 8)),
            _invite(now - 2 * WEEK, "inv7", "alice", expires=now - WEEK),
            _audit(now, AuditAction.INVITE_LINK_REVOKE, target="inv8",
                   details={"invite_ref": "ref-inv8"}),
            _audit(now, AuditAction.ROOMS_KICK), _audit(now, AuditAction.ROOMS_KICK),
            _audit(now - WEEK, AuditAction.SANCTION_IMPOSE),
            _audit(now, AuditAction.ROOMS_BAN, outcome=AuditOutcome.DENIED),  # not counted
            _audit(now, AuditAction.LOGIN),  # not moderation
            _onboarding(now, "u4", m4.user_id, JourneyStatus.DONE),
            _onboarding(now, "u5", m5.user_id, JourneyStatus.DONE),
            _onboarding(now, "u6", m6.user_id, JourneyStatus.DONE),
            _onboarding(now - WEEK, "gone", gone_m.user_id, JourneyStatus.FAILED),
            _onboarding(now - 30 * WEEK, "old", old_m.user_id, JourneyStatus.DONE),
        ])
    rooms.sync_rooms(actor="test")
    return Seeded(now, stranger.user_id, gone_m.user_id, garden, welcome)
