"""The onboarding funnel: from each invitation the dashboard made to a member who left the
welcome room for the community's rooms. A step counts the invitations that reached it; the
people "stuck" at a step reached it and not the next.

- created: the dashboard made the invitation (audit log)
- used: an Authentik account carries it (attributes.invitation: inviter and name)
- active: that account is active
- linked: a journey linked the username to a Matrix ID
- in a room: the room directory saw that Matrix ID joined in a room besides the welcome room
- graduated: and no longer in the welcome room (with no welcome room set: as "in a room")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.services.insight.figures import first_week, week_of
from app.services.insight.snapshot import InviteMade, Snapshot
from app.utils.authentik import User

STEPS: tuple[str, ...] = (
    "Invitation created", "Invitation used", "Account active", "Matrix ID linked",
    "In a room", "Graduated from the welcome room",
)


@dataclass(frozen=True)
class Person:
    """One invitation's way through the funnel, and who it brought (once known)."""

    invitation: str
    inviter: str
    email: str
    username: str = ""
    name: str = ""
    matrix_user_id: str = ""
    reached: int = 1  # how many steps it reached (1: created only)


@dataclass(frozen=True)
class Step:
    name: str
    count: int
    of_previous: float | None  # share of the step before (None for the first, or 0 before)
    of_created: float | None
    stuck: tuple[Person, ...]  # reached this step and not the next


@dataclass(frozen=True)
class Funnel:
    steps: tuple[Step, ...]
    by_inviter: Mapping[str, tuple[int, ...]]  # inviter -> count per step


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def follow(snapshot: Snapshot, invite: InviteMade, account: User | None) -> Person:
    """How far one invitation got."""
    person = Person(invitation=invite.name, inviter=invite.by, email=invite.email)
    if account is None:
        return person
    matrix = snapshot.links.get(account.username, "")
    rooms = snapshot.rooms_of(matrix) if matrix else set()
    welcome = snapshot.welcome_room
    checks = (True, account.is_active, bool(matrix), bool(rooms - {welcome}),
              welcome not in rooms)
    reached = 1
    for passed in checks:
        if not passed:
            break
        reached += 1
    return Person(invitation=invite.name, inviter=invite.by, email=invite.email,
                  username=account.username, name=account.name, matrix_user_id=matrix,
                  reached=reached)


def funnel(snapshot: Snapshot, weeks: int) -> Funnel:
    """The funnel of the invitations made in the period (weeks, or figures.ALL_TIME)."""
    first = first_week(snapshot, weeks, (i.created_at for i in snapshot.invites_made))
    accounts = snapshot.user_by_invitation()
    people = [follow(snapshot, i, accounts.get((i.by, i.name)))
              for i in snapshot.invites_made if week_of(i.created_at) >= first]
    counts = [sum(p.reached > n for p in people) for n in range(len(STEPS))]
    steps = tuple(
        Step(name, counts[n], _share(counts[n], counts[n - 1]) if n else None,
             _share(counts[n], counts[0]),
             tuple(p for p in people if p.reached == n + 1) if n + 1 < len(STEPS) else ())
        for n, name in enumerate(STEPS)
    )
    by_inviter: dict[str, tuple[int, ...]] = {}
    for inviter in sorted({p.inviter for p in people}):
        mine = [p for p in people if p.inviter == inviter]
        by_inviter[inviter] = tuple(sum(p.reached > n for p in mine) for n in range(len(STEPS)))
    return Funnel(steps, by_inviter)
