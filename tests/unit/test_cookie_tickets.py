"""Cookie tickets: one use, 60 seconds, one browser; the database never holds the token."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.auth import cookie_tickets as tickets
from app.auth.tokens import new_token, token_hash
from app.db.engine import session_scope
from app.db.models import CookieTicket

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BROWSER = "binding-cookie-of-the-browser-that-logged-in"
OTHER_BROWSER = "binding-cookie-of-another-browser"


def test_a_set_ticket_is_redeemed_once_for_the_token(db):
    token = new_token()
    ticket = tickets.issue("set", binding=BROWSER, token=token, secure=True, now=T0)
    assert tickets.pending(ticket, now=T0)
    redeemed = tickets.redeem(ticket, purpose="set", binding=BROWSER, now=T0 + timedelta(seconds=1))
    assert redeemed == tickets.Redeemed(token=token, secure=True)
    assert not tickets.pending(ticket, now=T0)
    # Replayed: nothing, even from the same browser.
    assert tickets.redeem(ticket, purpose="set", binding=BROWSER, now=T0) is None


def test_the_database_holds_neither_the_ticket_nor_the_token(db):
    token = new_token()
    ticket = tickets.issue("set", binding=BROWSER, token=token, now=T0)
    with session_scope() as s:
        row = s.scalars(select(CookieTicket)).one()
        stored = [str(v) for v in (row.ticket_hash, row.sealed_token, row.binding_hash)]
    assert row.ticket_hash == token_hash(ticket)
    assert not any(secret in value for value in stored for secret in (token, ticket, BROWSER))
    assert tickets.unseal(row.sealed_token, ticket) == token


def test_an_expired_ticket_is_refused(db):
    ticket = tickets.issue("set", binding=BROWSER, token=new_token(), now=T0)
    late = T0 + tickets.TICKET_TTL
    assert not tickets.pending(ticket, now=late)
    assert tickets.redeem(ticket, purpose="set", binding=BROWSER, now=late) is None


def test_unknown_empty_and_oversized_tickets_are_refused(db):
    tickets.issue("set", binding=BROWSER, token=new_token(), now=T0)
    for ticket in ("never-issued-ticket", "", None, "x" * 500):
        assert tickets.redeem(ticket, purpose="set", binding=BROWSER, now=T0) is None


def test_another_browser_cannot_redeem_and_does_not_spoil_the_ticket(db):
    token = new_token()
    ticket = tickets.issue("set", binding=BROWSER, token=token, now=T0)
    for binding in (OTHER_BROWSER, None, ""):
        assert tickets.redeem(ticket, purpose="set", binding=binding, now=T0) is None
    assert tickets.redeem(ticket, purpose="set", binding=BROWSER, now=T0).token == token


def test_a_ticket_serves_only_its_purpose(db):
    set_ticket = tickets.issue("set", binding=BROWSER, token=new_token(), now=T0)
    clear_ticket = tickets.issue("clear", binding=BROWSER, now=T0)
    assert tickets.redeem(set_ticket, purpose="clear", binding=BROWSER, now=T0) is None
    assert tickets.redeem(clear_ticket, purpose="set", binding=BROWSER, now=T0) is None
    cleared = tickets.redeem(clear_ticket, purpose="clear", binding=BROWSER, now=T0)
    assert cleared == tickets.Redeemed(token=None, secure=False)


def test_issuing_needs_a_token_to_set_and_a_browser_binding(db):
    with pytest.raises(ValueError, match="session token"):
        tickets.issue("set", binding=BROWSER)
    with pytest.raises(ValueError, match="binding"):
        tickets.issue("clear", binding="")


def test_long_expired_tickets_are_deleted_when_new_ones_are_issued(db):
    tickets.issue("clear", binding=BROWSER, now=T0)
    tickets.issue("clear", binding=BROWSER, now=T0 + tickets.KEEP_EXPIRED + timedelta(minutes=2))
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(CookieTicket)) == 1
