"""Two first sign-ups racing on an empty database: exactly one becomes admin (SQLite and PostgreSQL).

The race is made deterministic: while the first sign-up is between counting the accounts (none) and
inserting its own, a second sign-up runs to completion in another session, as a second web request would.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from openrvu.tracker import accounts
from openrvu.tracker.db import session_factory
from openrvu.tracker.errors import EmailTaken, SignupClosed
from openrvu.tracker.models import User

PASSWORD = "correct horse battery"


COUNT = ("count(*)", "from users")  # sign-up counts the accounts: is this the first?
EMAIL_CHECK = ("select users.id", "users.email =")  # then checks the address is free


def _interleave(engine: Engine, second: Any, after_query: tuple[str, ...]) -> None:
    """Run ``second()`` once, right after the first query whose text has all of ``after_query``."""
    fired = False

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal fired
        if not fired and all(part in statement.lower() for part in after_query):
            fired = True
            second()

    event.listen(engine, "after_cursor_execute", after)


def test_two_first_signups_make_one_admin(tracker_engine: Engine, light_argon2: None) -> None:
    make = session_factory(tracker_engine)
    made: list[User] = []

    def rival() -> None:
        with make() as other:
            made.append(accounts.sign_up(other, "rival@example.org", PASSWORD))

    _interleave(tracker_engine, rival, COUNT)
    # the loser becomes a later sign-up, and sign-up is closed by default
    with make() as session, pytest.raises(SignupClosed):
        accounts.sign_up(session, "boss@example.org", PASSWORD)
    assert [u.role for u in made] == ["admin"]
    with make() as session:
        users = session.scalars(select(User)).all()
        assert [(u.email, u.role) for u in users] == [("rival@example.org", "admin")]


def test_same_email_racing_gives_email_taken(db: Session, tracker_engine: Engine, light_argon2: None) -> None:
    admin = accounts.sign_up(db, "boss@example.org", PASSWORD)
    accounts.set_signup_mode(db, admin, "open")
    make = session_factory(tracker_engine)

    def rival() -> None:
        with make() as other:
            accounts.sign_up(other, "doc@example.org", PASSWORD)

    _interleave(tracker_engine, rival, EMAIL_CHECK)
    with make() as session, pytest.raises(EmailTaken):
        accounts.sign_up(session, "doc@example.org", PASSWORD)
    with make() as session:
        assert session.scalars(select(User.email).order_by(User.id)).all() == [
            "boss@example.org",
            "doc@example.org",
        ]
