"""A case file per member: everything the dashboard knows about one person, in one place.

A member is an Authentik username and/or a Matrix ID. The file gathers their account (and who
invited them), the rooms they are in with their membership state, the invitations they made,
every journey and audited action about them, their sanctions, and moderators' private notes
(append-only: the database refuses to change or delete one). Each part that cannot be read says
why instead of failing the whole file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import or_, select

from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import CaseNote, Journey, Sanction
from app.services import audit, connections, journeys, member_ids, removal, sanctions
from app.services.invite_links import InviteLink
from app.services.journeys import JourneyView
from app.services.offboarding_steps import open_invitations_by
from app.services.sanctions import SanctionView
from app.utils.authentik import User
from app.utils.enums import AuditAction
from app.utils.errors import DashboardError, InputError

NOTE_MAX = 4000
EVENTS_SHOWN = 200


@dataclass(frozen=True)
class Note:
    id: int
    subject: str
    author: str
    created_at: datetime
    body: str


@dataclass(frozen=True)
class CaseFile:
    authentik_username: str
    matrix_user_id: str
    account: User | None = None
    account_problem: str = ""
    invited_by: str = ""  # the dashboard user whose invitation they used, if known
    invitation_used: str = ""
    invitations_made: tuple[InviteLink, ...] = ()
    rooms: removal.RemovalPreview | None = None
    rooms_problem: str = ""
    journeys: tuple[JourneyView, ...] = ()
    events: tuple[audit.AuditRow, ...] = ()
    sanctions: tuple[SanctionView, ...] = ()
    notes: tuple[Note, ...] = field(default_factory=tuple)

    @property
    def subjects(self) -> tuple[str, ...]:
        return tuple(s for s in (self.authentik_username, self.matrix_user_id) if s)

    @property
    def subject(self) -> str:
        """What a note is written about: the username if known, else the Matrix ID."""
        return self.authentik_username or self.matrix_user_id


def linked_matrix_id(username: str) -> str:
    """The Matrix ID the dashboard knows for an Authentik username: from its journeys (an
    onboarding that linked both), newest first; "" when none did."""
    with session_scope() as db:
        found = db.scalar(
            select(Journey.matrix_user_id)
            .where(Journey.authentik_username == username, Journey.matrix_user_id != "")
            .order_by(Journey.created_at.desc())
            .limit(1)
        )
    return found or ""


def open_case(
    *, actor: str, authentik_username: str = "", matrix_user_id: str = ""
) -> CaseFile:
    """The case file of a member: the account and rooms looked up live (each part that cannot
    be read says why; rooms only in `actor`'s scope), then the dashboard's own records
    (`with_records`)."""
    username, matrix = member_ids.checked(authentik_username, matrix_user_id)
    matrix = matrix or (linked_matrix_id(username) if username else "")
    account, account_problem, made = _account(username)
    attributes = dict(account.attributes.get("invitation") or {}) if account else {}
    rooms, rooms_problem = _rooms(matrix, actor)
    return with_records(CaseFile(
        authentik_username=username,
        matrix_user_id=matrix,
        account=account,
        account_problem=account_problem,
        invited_by=str(attributes.get("by") or ""),
        invitation_used=str(attributes.get("name") or ""),
        invitations_made=made,
        rooms=rooms,
        rooms_problem=rooms_problem,
    ), actor=actor)


def with_records(case: CaseFile, *, actor: str) -> CaseFile:
    """The case with the dashboard's records about the member read again (cheap: one database):
    journeys, audited events, sanctions (those `actor` may see), notes. Names match exactly,
    never a part."""
    subjects = case.subjects
    return replace(
        case,
        journeys=tuple(journeys.search(subjects=subjects, limit=EVENTS_SHOWN)),
        events=tuple(audit.search(audit.AuditFilter(subjects=subjects),
                                  page_size=EVENTS_SHOWN).rows),
        sanctions=(tuple(sanctions.search(actor=actor, member=case.matrix_user_id,
                                          limit=EVENTS_SHOWN))
                   if case.matrix_user_id else ()),
        notes=tuple(notes_about(subjects)),
    )


def _account(username: str) -> tuple[User | None, str, tuple[InviteLink, ...]]:
    if not username:
        return None, "", ()
    try:
        user = connections.authentik().find_user(username)
        made = tuple(open_invitations_by(username))
    except DashboardError as err:
        return None, str(err), ()
    return user, "" if user else f"no Authentik user '{username}'", made


def _rooms(matrix: str, actor: str) -> tuple[removal.RemovalPreview | None, str]:
    if not matrix:
        return None, ""
    try:
        return removal.preview_removal(matrix, actor=actor), ""
    except DashboardError as err:
        return None, str(err)


def notes_about(subjects: Sequence[str]) -> list[Note]:
    with session_scope() as db:
        rows = db.scalars(select(CaseNote).where(CaseNote.subject.in_(list(subjects)))
                          .order_by(CaseNote.created_at.desc(), CaseNote.id.desc())).all()
        return [Note(r.id, r.subject, r.author, r.created_at, r.body) for r in rows]


def add_note(*, actor: str, subject: str, body: str) -> Note:
    """A private note on a member; it can never be changed or deleted afterwards."""
    text = body.strip()
    if not text:
        raise InputError("Note", "write something")
    if len(text) > NOTE_MAX:
        raise InputError("Note", f"at most {NOTE_MAX} characters")
    if not subject.strip():
        raise InputError("Member", "open a member's case file first")
    with session_scope() as db:
        row = CaseNote(subject=subject.strip(), author=actor, body=text)
        db.add(row)
        db.flush()
        note = Note(row.id, row.subject, row.author, row.created_at, row.body)
    # The note's text stays in the case file: the audit log only says one was written.
    audit_log.record(actor=actor, action=AuditAction.CASE_NOTE, target=f"note #{note.id}",
                     member=note.subject)
    return note


@dataclass(frozen=True)
class CaseHit:
    """A member a search found, and where: note, sanction reason or journey."""

    subject: str
    where: str


def find(text: str, *, limit: int = 50) -> list[CaseHit]:
    """Members whose ID or name, notes or sanction reasons contain `text`."""
    term = text.strip()
    if len(term) < 2:
        raise InputError("Search", "type at least two characters")
    pattern = f"%{term}%"
    hits: dict[str, str] = {}
    with session_scope() as db:
        for subject, _body in db.execute(
            select(CaseNote.subject, CaseNote.body)
            .where(or_(CaseNote.subject.ilike(pattern), CaseNote.body.ilike(pattern)))
            .limit(limit)
        ):
            hits.setdefault(subject, "note")
        for user, _reason in db.execute(
            select(Sanction.matrix_user_id, Sanction.reason)
            .where(or_(Sanction.matrix_user_id.ilike(pattern), Sanction.reason.ilike(pattern)))
            .limit(limit)
        ):
            hits.setdefault(user, "sanction")
    for journey in journeys.search(member=term, limit=limit):
        hits.setdefault(journey.authentik_username or journey.matrix_user_id, "journey")
    return [CaseHit(subject, where) for subject, where in list(hits.items())[:limit] if subject]
