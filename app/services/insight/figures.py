"""The overview's figures, counted per week (weeks start on Monday, UTC) over a period that
ends with the snapshot's week: accounts created (active or not now), onboardings by outcome,
invitations by what became of them, moderation actions, and rooms by member count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.services.insight.snapshot import InviteMade, Snapshot

ALL_TIME = 0  # a period of 0 weeks: from the first week with data
PERIODS: Mapping[str, int] = {
    "Last 4 weeks": 4, "Last 12 weeks": 12, "Last 26 weeks": 26, "Last 52 weeks": 52,
    "All time": ALL_TIME,
}
# Rooms by joined members: (label, smallest, largest) with None for "no upper bound".
ROOM_SIZES: tuple[tuple[str, int, int | None], ...] = (
    ("0-1", 0, 1), ("2-5", 2, 5), ("6-10", 6, 10), ("11-25", 11, 25), ("26-50", 26, 50),
    ("51-100", 51, 100), ("over 100", 101, None),
)
USED, OPEN, EXPIRED, REVOKED = "used", "open", "expired", "revoked"
ACTIVE, INACTIVE = "active", "inactive"


def week_of(moment: datetime) -> date:
    """The Monday (UTC) of the moment's week."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Weekly:
    """Counts per (week, series), with every week of the period listed, empty ones too."""

    weeks: tuple[date, ...]
    series: tuple[str, ...]
    counts: Mapping[tuple[date, str], int]

    def count(self, week: date, series: str) -> int:
        return self.counts.get((week, series), 0)

    def total(self, series: str | None = None) -> int:
        return sum(n for (_, s), n in self.counts.items() if series in (None, s))

    def rows(self) -> list[dict[str, object]]:
        """Long form for a chart: one row per week and series (zeros included)."""
        return [{"week": w, "series": s, "count": self.count(w, s)}
                for w in self.weeks for s in self.series]


def period_start(now: datetime, weeks: int) -> datetime | None:
    """When a period of `weeks` ending with this week starts (Monday 00:00 UTC); None for
    ALL_TIME."""
    if weeks == ALL_TIME:
        return None
    first = week_of(now) - timedelta(weeks=weeks - 1)
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def first_week(snapshot: Snapshot, weeks: int, moments: Iterable[datetime]) -> date:
    """The period's first Monday: `weeks` back from the snapshot's, or (ALL_TIME) the week of
    the earliest moment."""
    last = week_of(snapshot.taken_at)
    if weeks != ALL_TIME:
        return last - timedelta(weeks=weeks - 1)
    return min((week_of(m) for m in moments), default=last)


def weekly(
    snapshot: Snapshot, weeks: int, events: Iterable[tuple[datetime, str]],
    series: Iterable[str] = (),
) -> Weekly:
    """Count (moment, series) events per week of the period; `series` fixes the order (and
    lists series with no event); others follow in name order."""
    events = list(events)
    first, last = first_week(snapshot, weeks, (m for m, _ in events)), week_of(snapshot.taken_at)
    counts = Counter((week_of(m), s) for m, s in events if first <= week_of(m) <= last)
    named = list(dict.fromkeys(series))
    named += sorted({s for _, s in counts} - set(named))
    span = (last - first).days // 7 + 1
    return Weekly(tuple(first + timedelta(weeks=i) for i in range(span)), tuple(named),
                  dict(counts))


def accounts_per_week(snapshot: Snapshot, weeks: int) -> Weekly:
    """Authentik accounts created per week, split by whether they are active now."""
    events = [(u.date_joined, ACTIVE if u.is_active else INACTIVE)
              for u in snapshot.users if u.date_joined is not None]
    return weekly(snapshot, weeks, events, (ACTIVE, INACTIVE))


def onboardings_per_week(snapshot: Snapshot, weeks: int) -> Weekly:
    """Onboarding journeys started per week, by how they stand (done, failed, running...)."""
    events = [(o.created_at, o.status) for o in snapshot.onboardings]
    return weekly(snapshot, weeks, events, ("done", "failed"))


def invite_outcome(snapshot: Snapshot, invite: InviteMade,
                   used: Mapping[tuple[str, str], object] | None = None) -> str:
    """What became of an invitation the dashboard made: used (an account carries it),
    revoked, expired (unused past its expiry) or still open."""
    used = snapshot.user_by_invitation() if used is None else used
    if (invite.by, invite.name) in used:
        return USED
    if invite.revoked:
        return REVOKED
    if invite.expires is not None and invite.expires <= snapshot.taken_at:
        return EXPIRED
    return OPEN


def invitations_per_week(snapshot: Snapshot, weeks: int) -> Weekly:
    """Invitations the dashboard made per week (of creation), by what became of them."""
    used = snapshot.user_by_invitation()
    events = [(i.created_at, invite_outcome(snapshot, i, used)) for i in snapshot.invites_made]
    return weekly(snapshot, weeks, events, (USED, OPEN, EXPIRED, REVOKED))


def moderation_per_week(snapshot: Snapshot, weeks: int) -> Weekly:
    """Moderation actions (kicks, bans, removals, offboardings, sanctions) per week."""
    return weekly(snapshot, weeks, snapshot.moderation)


def rooms_by_size(snapshot: Snapshot) -> list[tuple[str, int]]:
    """How many of the community's rooms have how many joined members (every bucket)."""
    def bucket(joined: int) -> str:
        return next(label for label, low, high in ROOM_SIZES
                    if joined >= low and (high is None or joined <= high))

    found = Counter(bucket(r.joined) for r in snapshot.rooms)
    return [(label, found.get(label, 0)) for label, _, _ in ROOM_SIZES]
