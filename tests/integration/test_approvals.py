"""The two-person rule against the schema-checked Authentik fake and a real Synapse: with the
rule on, a destructive request does nothing until a second admin approves it; the requester
cannot approve; a rejected, withdrawn or expired request never runs; an approval runs once,
exactly as requested."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.db.engine import session_scope
from app.db.models import Approval, utcnow
from app.services import approvals, journeys, offboarding, room_journeys, users
from app.services.accounts import create_account
from app.services.approvals import ApprovalRequired
from app.services.audit import AuditFilter, search
from app.services.offboarding import OffboardingRequest
from app.services.room_journeys import RemovalRequest
from app.services.users import BulkAction, Selected
from app.utils.config import get_settings
from app.utils.enums import ApprovalStatus
from app.utils.errors import InputError, PermissionDenied
from tests.support.journey_env import JourneyEnv
from tests.support.waiting import wait_for

pytestmark = pytest.mark.synapse
PASSWORD = "a long enough password"


@pytest.fixture
def rule(journey_env: JourneyEnv) -> JourneyEnv:
    """TWO_PERSON_RULE on for everything; two admins and a moderator."""
    journey_env.monkeypatch.setenv("TWO_PERSON_RULE", "delete,deactivate,ban,bulk")
    journey_env.monkeypatch.setenv("TWO_PERSON_BAN_ROOMS", "2")
    journey_env.monkeypatch.setenv("TWO_PERSON_BULK_USERS", "3")
    get_settings.cache_clear()
    for name, role in (("ann", "admin"), ("ben", "admin"), ("mo", "moderator")):
        create_account(actor="test", username=name, password=PASSWORD, role=role)
    return journey_env


def _settled(approval_id: int) -> approvals.ApprovalView:
    return wait_for(lambda: (a := approvals.get(approval_id)).state in approvals.DECIDED and a,
                    timeout=60, what=f"approval #{approval_id} to run")


def test_a_delete_waits_for_a_second_admin_then_runs_once(rule: JourneyEnv) -> None:
    fake = rule.authentik
    doomed = fake.add_user("doomed")
    chosen = [Selected(doomed.pk, "doomed")]
    with pytest.raises(ApprovalRequired, match="Deleting an account"):
        users.bulk(actor="ann", action=BulkAction.DELETE, users=chosen, confirm="DELETE")
    assert fake.count("DELETE") == 0  # refused in the service, before any request
    asked = users.request_bulk(actor="ann", action=BulkAction.DELETE, users=chosen,
                               confirm="DELETE", submission_id=uuid.uuid4().hex)
    assert asked.state == ApprovalStatus.PENDING and "doomed" in asked.summary
    assert doomed.pk in fake.users  # nothing happened yet
    with pytest.raises(InputError, match="different admin"):
        approvals.approve(actor="ann", approval_id=asked.id)
    with pytest.raises(PermissionDenied, match="Only an admin"):
        approvals.approve(actor="mo", approval_id=asked.id)
    with pytest.raises(ApprovalRequired):  # a pending request lets nothing through
        users.bulk(actor="ann", action=BulkAction.DELETE, users=chosen, confirm="DELETE",
                   approval_id=asked.id)

    with ThreadPoolExecutor(2) as pool:  # ben approves twice at once (two tabs)
        tries = list(pool.map(lambda _: _try_approve("ben", asked.id), range(2)))
    assert sorted(tries) == ["approved", "refused"]
    ran = _settled(asked.id)
    assert ran.state == ApprovalStatus.DONE and ran.result["done"] == 1
    assert doomed.pk not in fake.users
    assert fake.count("DELETE") == 1  # once
    run = wait_for(lambda: search(AuditFilter(action="approval.run")).rows, what="its audit")
    assert (run[0].actor, run[0].details["approved_by"]) == ("ann", "ben")
    actions = {r.action for r in search(AuditFilter()).rows}
    assert {"approval.request", "approval.approve"} <= actions
    deleted = search(AuditFilter(action="authentik.user.delete")).rows
    assert [r.actor for r in deleted] == ["ann"]  # done as asked by ann, approved by ben
    with pytest.raises(InputError, match="done already"):
        approvals.approve(actor="ben", approval_id=asked.id)


def _try_approve(actor: str, approval_id: int) -> str:
    try:
        approvals.approve(actor=actor, approval_id=approval_id)
    except InputError:
        return "refused"
    return "approved"


def test_rejected_withdrawn_and_expired_requests_never_run(rule: JourneyEnv) -> None:
    fake = rule.authentik
    people = [fake.add_user(f"keep{i}") for i in range(3)]
    chosen = [Selected(p.pk, p.username) for p in people]

    def ask() -> approvals.ApprovalView:
        return users.request_bulk(actor="ann", action=BulkAction.DEACTIVATE, users=chosen,
                                  submission_id=uuid.uuid4().hex)

    rejected = approvals.reject(actor="ben", approval_id=ask().id, note="not these")
    assert (rejected.state, rejected.note) == (ApprovalStatus.REJECTED, "not these")
    with pytest.raises(InputError, match="different admin"):
        approvals.reject(actor="ann", approval_id=ask().id)
    withdrawn = ask()
    with pytest.raises(PermissionDenied, match="who asked"):
        approvals.withdraw(actor="ben", approval_id=withdrawn.id)
    assert approvals.withdraw(actor="ann", approval_id=withdrawn.id).state == "withdrawn"
    late = ask()
    with session_scope() as db:  # nobody decided in time
        db.execute(update(Approval).where(Approval.id == late.id)
                   .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert approvals.get(late.id).state == ApprovalStatus.EXPIRED
    for decided in (rejected, withdrawn, late):
        with pytest.raises(InputError, match="already"):
            approvals.approve(actor="ben", approval_id=decided.id)
    assert approvals.get(late.id).status == ApprovalStatus.EXPIRED  # marked, and audited once
    assert search(AuditFilter(action="approval.expire")).total == 1
    assert all(fake.users[p.pk].is_active for p in people)
    assert fake.count("PATCH") == 0


def test_the_approved_payload_is_the_only_one_that_runs(rule: JourneyEnv) -> None:
    fake = rule.authentik
    one, other = fake.add_user("one"), fake.add_user("other")
    asked = users.request_bulk(actor="ann", action=BulkAction.DELETE,
                               users=[Selected(one.pk, "one")], confirm="DELETE",
                               submission_id=uuid.uuid4().hex)
    with session_scope() as db:  # approved, as if its run were under way
        db.execute(update(Approval).where(Approval.id == asked.id)
                   .values(status=ApprovalStatus.APPROVED, decided_by="ben"))
    with pytest.raises(ApprovalRequired):  # its approval does not cover another user
        users.bulk(actor="ann", action=BulkAction.DELETE, users=[Selected(other.pk, "other")],
                   confirm="DELETE", approval_id=asked.id)
    assert other.pk in fake.users and fake.count("DELETE") == 0


def test_below_the_thresholds_and_with_the_rule_off_nothing_waits(rule: JourneyEnv) -> None:
    fake = rule.authentik
    people = [fake.add_user(f"grp{i}") for i in range(2)]
    group = fake.add_group("helpers")
    outcomes = users.bulk(actor="ann", action=BulkAction.ADD_GROUP,
                          users=[Selected(p.pk, p.username) for p in people],
                          group=users.GroupChoice(group.pk, group.name))
    assert all(o.ok for o in outcomes)  # 2 users < TWO_PERSON_BULK_USERS=3
    rule.monkeypatch.setenv("TWO_PERSON_RULE", "")
    get_settings.cache_clear()
    assert users.bulk(actor="ann", action=BulkAction.DEACTIVATE,
                      users=[Selected(people[0].pk, people[0].username)])[0].ok
    with pytest.raises(InputError, match="needs no approval"):
        users.request_bulk(actor="ann", action=BulkAction.DEACTIVATE,
                           users=[Selected(people[1].pk, people[1].username)],
                           submission_id=uuid.uuid4().hex)


def test_offboarding_and_a_wide_ban_wait_then_run_as_journeys(rule: JourneyEnv) -> None:
    env = rule
    account = env.authentik.add_user("leaver")
    member = env.synapse.register()
    rooms = [env.room(f"Gov {i}") for i in range(2)]
    for room in rooms:
        env.synapse.add_member(env.bot, room, member)
    request = OffboardingRequest(authentik_username="leaver", matrix_user_id=member.user_id,
                                 reason="left", action="ban", room_ids=tuple(rooms))
    with pytest.raises(ApprovalRequired, match="Deactivating an account and A ban from 2"):
        offboarding.begin(actor="mo", request=request, submission_id=uuid.uuid4().hex)
    asked = offboarding.request_approval(actor="mo", request=request,
                                         submission_id=uuid.uuid4().hex)
    assert env.authentik.users[account.pk].is_active
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in rooms} == {"join"}
    approvals.approve(actor="ann", approval_id=asked.id)
    ran = _settled(asked.id)
    assert ran.state == ApprovalStatus.DONE
    wait_for(lambda: not journeys.get(ran.result["journey"]).active, timeout=60,
             what="the offboarding journey")
    assert not env.authentik.users[account.pk].is_active
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in rooms} == {"ban"}
    assert journeys.get(ran.result["journey"]).actor == "mo"

    other = env.synapse.register()
    for room in rooms:
        env.synapse.add_member(env.bot, room, other)
    wide = RemovalRequest(user_id=other.user_id, room_ids=tuple(rooms), action="ban",
                          reason="spam")
    with pytest.raises(ApprovalRequired, match="A ban from 2 rooms"):
        room_journeys.begin_removal(actor="ann", request=wide, submission_id=uuid.uuid4().hex)
    kick = RemovalRequest(user_id=other.user_id, room_ids=tuple(rooms), action="kick",
                          reason="spam")
    assert room_journeys.removal_approval_rule(kick) == ""  # a kick never waits
    asked = room_journeys.request_removal_approval(actor="ann", request=wide,
                                                   submission_id=uuid.uuid4().hex)
    approvals.approve(actor="ben", approval_id=asked.id)
    ran = _settled(asked.id)
    wait_for(lambda: not journeys.get(ran.result["journey"]).active, timeout=60,
             what="the removal journey")
    assert {env.synapse.membership(env.bot, r, other.user_id) for r in rooms} == {"ban"}
