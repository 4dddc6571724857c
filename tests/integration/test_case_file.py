"""A member's case file against a real Synapse and the schema-checked Authentik fake: every part
is there and about this member only (never a member whose name merely contains theirs), a part
that cannot be read says why, and notes are append-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import Journey
from app.services import case_file, invite_links, sanctions
from app.services.audit import AuditFilter, search
from app.utils.config import get_settings
from app.utils.enums import JourneyKind
from app.utils.errors import InputError
from tests.support.journey_env import JourneyEnv
from tests.support.synapse import free_port

pytestmark = pytest.mark.synapse


def test_the_case_file_gathers_everything_about_one_member_only(journey_env: JourneyEnv) -> None:
    env, fake = journey_env, journey_env.authentik
    fake.add_user("erin", attributes={"invitation": {"by": "alice", "name": "spring-meetup"}})
    fake.add_user("erinx")
    made = invite_links.create(actor="erin", label="erin friends")
    invite_links.create(actor="erinx", label="not hers")
    member = env.synapse.register()
    joined, invited, elsewhere = env.room("Joined"), env.room("Invited"), env.room("Elsewhere")
    env.synapse.add_member(env.bot, joined, member)
    env.synapse.invite(env.bot, invited, member.user_id)
    ban = sanctions.impose(actor="mod", user_id=member.user_id, room_ids=[elsewhere],
                           kind="ban", duration=timedelta(hours=1), reason="cool down")
    note = case_file.add_note(actor="mod", subject="erin", body="Warned about *spam* twice.")
    case_file.add_note(actor="mod", subject="erinx", body="someone else")
    audit_log.record(actor="mod", action="test.other", target="erinx", member="erinx")

    case = case_file.open_case(actor="tester", authentik_username="erin",
                               matrix_user_id=member.user_id)

    assert case.account is not None and case.account.username == "erin"
    assert (case.invited_by, case.invitation_used) == ("alice", "spring-meetup")
    assert [i.name for i in case.invitations_made] == [made.name]
    assert case.rooms is not None
    states = {r.room_id: r.membership for r in case.rooms.rooms}
    assert states[joined] == "join" and states[invited] == "invite"
    assert elsewhere not in states and case.rooms.banned == (elsewhere,)
    assert [s.id for s in case.sanctions] == [ban.id]
    assert [n.body for n in case.notes] == [note.body]
    actions = {e.action for e in case.events}
    assert {"sanction.impose", "case.note"} <= actions and "test.other" not in actions
    assert all(e.member in case.subjects or e.target in case.subjects for e in case.events)
    # The note's words stay in the case file: the audit log says only that one was written.
    written = search(AuditFilter(action="case.note", subjects=("erin",))).rows
    assert len(written) == 1 and "spam" not in str(written[0].details)
    # Searchable by ID, by reason and by a note's words.
    assert {h.subject for h in case_file.find("cool down")} == {member.user_id}
    assert "erin" in {h.subject for h in case_file.find("spam")}


def test_notes_are_append_only_and_checked(journey_env: JourneyEnv) -> None:
    with pytest.raises(InputError, match="write something"):
        case_file.add_note(actor="mod", subject="erin", body="   ")
    with pytest.raises(InputError, match="at most"):
        case_file.add_note(actor="mod", subject="erin", body="x" * (case_file.NOTE_MAX + 1))
    with pytest.raises(InputError, match="Member"):
        case_file.add_note(actor="mod", subject=" ", body="about nobody")
    case_file.add_note(actor="mod", subject="erin", body="first")
    for statement in ("UPDATE case_notes SET body = 'changed'", "DELETE FROM case_notes"):
        with pytest.raises(DatabaseError, match="append-only"), session_scope() as db:
            db.execute(text(statement))
    assert [n.body for n in case_file.notes_about(["erin"])] == ["first"]


def test_a_username_finds_its_matrix_id_and_a_part_that_cannot_be_read_says_why(
    journey_env: JourneyEnv,
) -> None:
    env = journey_env
    env.authentik.add_user("frank")
    member = env.synapse.register()
    with session_scope() as db:  # an onboarding that linked both
        db.add(Journey(kind=JourneyKind.ONBOARDING, actor="admin", authentik_username="frank",
                       matrix_user_id=member.user_id, params={}))
    assert case_file.linked_matrix_id("frank") == member.user_id
    env.homeserver_down()  # the rooms come from the last sync, and say so
    case = case_file.open_case(actor="tester", authentik_username="frank")
    assert case.matrix_user_id == member.user_id and case.subject == "frank"
    assert case.account is not None and case.rooms is not None
    assert case.rooms.source == "cache" and "Live lookup failed" in case.rooms.note
    assert [j.authentik_username for j in case.journeys] == ["frank"]
    missing = case_file.open_case(actor="tester", authentik_username="nobody-here")
    assert missing.account is None and "nobody-here" in missing.account_problem
    env.monkeypatch.setenv("AUTHENTIK_URL", f"http://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    unreachable = case_file.open_case(actor="tester", authentik_username="frank")
    assert unreachable.account is None and unreachable.account_problem
    assert [j.authentik_username for j in unreachable.journeys] == ["frank"]  # the rest is there
    with pytest.raises(InputError, match="Member"):
        case_file.open_case(actor="tester")
