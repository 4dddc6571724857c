"""The overview's figures, the onboarding funnel and each drift list on a seeded community
(tests/support/insight_seed.py): known counts in, known numbers out, against a real Synapse
(rooms synced into the directory) and the schema-checked Authentik fake, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest

from app.services import insight
from app.services.insight import drift, figures, funnel
from app.services.insight.figures import week_of
from app.utils.config import get_settings
from tests.support.insight_seed import WEEK, Seeded, seed
from tests.support.journey_env import JourneyEnv
from tests.support.synapse import free_port

pytestmark = pytest.mark.synapse


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, journey_env: JourneyEnv) -> Seeded:
    if request.param == "postgresql":
        request.getfixturevalue("pg_db")  # DATABASE_URL now a fresh migrated PostgreSQL database
    return seed(journey_env.authentik, journey_env.synapse, journey_env.bot,
                journey_env.welcome_room)


def test_overview_figures_count_each_week_and_series(seeded: Seeded) -> None:
    snap = insight.gather(accounts=True)
    assert snap.problems == () and snap.accounts_read
    this, last = week_of(seeded.now), week_of(seeded.now - WEEK)

    accounts = figures.accounts_per_week(snap, 4)
    assert len(accounts.weeks) == 4 and accounts.weeks[-1] == this
    assert (accounts.count(this, "active"), accounts.count(this, "inactive")) == (4, 1)
    assert (accounts.count(last, "active"), accounts.count(last, "inactive")) == (0, 1)
    assert accounts.total() == 6  # "old" (30 weeks) and akadmin (100 weeks) are outside
    every = figures.accounts_per_week(snap, figures.ALL_TIME)
    assert len(every.weeks) == 101 and (every.total("active"), every.total("inactive")) == (6, 2)

    onboardings = figures.onboardings_per_week(snap, 4)
    assert onboardings.count(this, "done") == 3 and onboardings.count(last, "failed") == 1
    assert onboardings.total() == 4
    assert figures.onboardings_per_week(snap, figures.ALL_TIME).total("done") == 4

    invitations = figures.invitations_per_week(snap, 4)
    assert {s: invitations.count(this, s) for s in invitations.series} == {
        "used": 5, "open": 1, "expired": 0, "revoked": 1}
    assert invitations.count(week_of(seeded.now - 2 * WEEK), "expired") == 1
    assert figures.invitations_per_week(snap, 1).total() == 7  # inv7 is two weeks old

    moderation = figures.moderation_per_week(snap, 4)
    assert moderation.count(this, "rooms.kick") == 2
    assert moderation.count(last, "sanction.impose") == 1
    assert moderation.total() == 3  # the refused ban and the login are not moderation

    sizes = dict(figures.rooms_by_size(snap))
    assert sizes == {"0-1": 1, "2-5": 2, "6-10": 0, "11-25": 0, "26-50": 0, "51-100": 0,
                     "over 100": 0}
    # Rows for a chart: every week and series, zeros included.
    assert len(accounts.rows()) == 4 * 2


def test_the_funnel_counts_each_step_and_lists_who_is_stuck(seeded: Seeded) -> None:
    result = funnel.funnel(insight.gather(accounts=True), 4)
    assert [s.count for s in result.steps] == [8, 5, 4, 3, 2, 1]
    assert [s.of_previous for s in result.steps] == [None, 5 / 8, 4 / 5, 3 / 4, 2 / 3, 1 / 2]
    assert result.steps[5].of_created == 1 / 8
    stuck = [sorted(p.invitation for p in s.stuck) for s in result.steps]
    assert stuck == [["inv1", "inv7", "inv8"], ["inv2"], ["inv3"], ["inv4"], ["inv5"], []]
    assert result.steps[3].stuck[0].username == "u4" and result.steps[3].stuck[0].matrix_user_id
    assert result.by_inviter == {"alice": (5, 2, 1, 0, 0, 0), "bob": (3, 3, 3, 3, 2, 1)}
    # A period of one week leaves out inv7 (two weeks old).
    assert funnel.funnel(insight.gather(accounts=True), 1).steps[0].count == 7


def test_each_drift_list_holds_exactly_its_members_and_exports_safe_csv(
    seeded: Seeded,
) -> None:
    lists = {d.key: d for d in drift.report(insight.gather(accounts=True))}
    assert all(not d.unavailable for d in lists.values())
    names = {key: sorted(r.username or r.matrix_user_id or r.invitation for r in d.rows)
             for key, d in lists.items()}
    assert names == {
        "without_matrix": ["akadmin", "u3"],
        "matrix_without_account": [seeded.stranger],
        "deactivated_in_rooms": ["gone"],
        "in_no_room": ["old", "u4"],
        "expired_unused": ["stale"],
    }
    assert lists["deactivated_in_rooms"].rows[0].matrix_user_id == seeded.gone
    assert "Garden" in lists["deactivated_in_rooms"].rows[0].detail
    detail = {r.username: r.detail for r in lists["in_no_room"].rows}
    assert detail == {"old": "in no room", "u4": "only in the welcome room"}
    assert "made by carol" in lists["expired_unused"].rows[0].detail
    exported = list(csv.reader(io.StringIO(drift.to_csv(lists["without_matrix"]))))
    assert exported[0] == list(drift.CSV_COLUMNS) and len(exported) == 3
    risky = drift.DriftList("x", "x", "x", (), (drift.DriftRow(name="=HYPERLINK(1)"),))
    assert list(csv.reader(io.StringIO(drift.to_csv(risky))))[1][1] == "'=HYPERLINK(1)"


def test_moderators_snapshot_reads_no_accounts_and_a_down_authentik_is_said(
    seeded: Seeded, journey_env: JourneyEnv,
) -> None:
    journey_env.authentik.reset_requests()
    rooms_only = insight.gather(accounts=False)
    assert journey_env.authentik.count() == 0
    assert rooms_only.users == () and rooms_only.links == {} and rooms_only.moderation
    journey_env.monkeypatch.setenv("AUTHENTIK_URL", f"http://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    down = insight.gather(accounts=True)
    assert not down.accounts_read and down.problems[0].startswith("Authentik:")
    lists = drift.report(down)
    assert all(d.unavailable.startswith("Authentik:") and not d.rows for d in lists)
    assert figures.onboardings_per_week(down, 4).total() == 4  # the dashboard's records stand


def test_a_period_reads_only_its_accounts_and_counts_the_same(seeded: Seeded) -> None:
    everyone = insight.gather(accounts=True)
    since = figures.period_start(everyone.taken_at, 4)
    assert since is not None and since.weekday() == 0 and (since.hour, since.minute) == (0, 0)
    period = insight.gather(accounts=True, joined_since=since)
    assert sorted(u.username for u in period.users) == ["gone", "u2", "u3", "u4", "u5", "u6"]
    assert figures.accounts_per_week(period, 4) == figures.accounts_per_week(everyone, 4)
    assert funnel.funnel(period, 4) == funnel.funnel(everyone, 4)
    assert all(d.unavailable.startswith("only the accounts") and not d.rows
               for d in drift.report(period))
    assert figures.period_start(everyone.taken_at, figures.ALL_TIME) is None
