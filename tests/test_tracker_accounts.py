"""Accounts: sign-up rules, argon2id sign-in, throttling, sessions and API tokens, on both backends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from fixtures_tracker import PASSWORD
from openrvu.tracker import accounts
from openrvu.tracker.errors import (
    EmailTaken,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    SignupClosed,
    TooManyAttempts,
)
from openrvu.tracker.models import LoginAttempt, User, utcnow


def test_first_account_is_admin_and_signup_then_closed(db: Session) -> None:
    admin = accounts.sign_up(db, "  Boss@Example.org ", PASSWORD)
    assert admin.role == "admin"
    assert admin.email == "boss@example.org"
    with pytest.raises(SignupClosed):
        accounts.sign_up(db, "second@example.org", PASSWORD)


def test_open_signup_makes_clinicians_and_rejects_duplicate_email(db: Session) -> None:
    admin = accounts.sign_up(db, "boss@example.org", PASSWORD)
    accounts.set_signup_mode(db, admin, "open")
    user = accounts.sign_up(db, "doc@example.org", PASSWORD)
    assert user.role == "clinician"
    with pytest.raises(EmailTaken):
        accounts.sign_up(db, "DOC@example.org", PASSWORD)


def test_invite_mode_admits_only_invited_emails_with_the_invited_role(db: Session) -> None:
    admin = accounts.sign_up(db, "boss@example.org", PASSWORD)
    accounts.set_signup_mode(db, admin, "invite")
    accounts.invite(db, admin, "mgr@example.org", role="manager")
    with pytest.raises(SignupClosed):
        accounts.sign_up(db, "stranger@example.org", PASSWORD)
    assert accounts.sign_up(db, "mgr@example.org", PASSWORD).role == "manager"
    # an invitation is used once
    with pytest.raises(SignupClosed):
        accounts.sign_up(db, "mgr2@example.org", PASSWORD)


def test_only_admin_changes_signup_mode(db: Session, make_user: Callable[..., User]) -> None:
    make_user()
    clinician = make_user()
    with pytest.raises(Forbidden):
        accounts.set_signup_mode(db, clinician, "open")


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-email", PASSWORD, "email"), ("a@example.org", "short", "password"), ("", PASSWORD, "email")],
)
def test_signup_bad_input_names_the_field(db: Session, email: str, password: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        accounts.sign_up(db, email, password)
    assert info.value.field == field


def test_sign_in_verifies_argon2id_and_rejects_wrong_password(db: Session) -> None:
    user = accounts.sign_up(db, "doc@example.org", PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert accounts.sign_in(db, "DOC@example.org", PASSWORD, "10.0.0.1").id == user.id
    with pytest.raises(InvalidCredentials):
        accounts.sign_in(db, "doc@example.org", PASSWORD + "x", "10.0.0.1")
    with pytest.raises(InvalidCredentials):
        accounts.sign_in(db, "nobody@example.org", PASSWORD, "10.0.0.1")


def test_sign_in_rehashes_outdated_hash(db: Session) -> None:
    user = accounts.sign_up(db, "doc@example.org", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.commit()
    accounts.sign_in(db, "doc@example.org", PASSWORD, "10.0.0.1")
    db.refresh(user)
    assert user.password_hash != weak
    assert user.password_hash.startswith("$argon2id$") and "m=8192" in user.password_hash


def test_security_login_throttled_after_five_failures(db: Session) -> None:
    accounts.sign_up(db, "doc@example.org", PASSWORD)
    now = utcnow()
    for i in range(5):
        with pytest.raises(InvalidCredentials):
            accounts.sign_in(
                db, "doc@example.org", "wrong password!", "10.0.0.1", now=now + timedelta(seconds=i)
            )
    # even the right password is refused now, with a retry delay inside the 15-minute window
    with pytest.raises(TooManyAttempts) as info:
        accounts.sign_in(db, "doc@example.org", PASSWORD, "10.0.0.1", now=now + timedelta(seconds=10))
    assert 0 < info.value.retry_after <= 15 * 60
    # another client address is not blocked by this one's failures
    accounts.sign_in(db, "doc@example.org", PASSWORD, "10.0.0.2", now=now + timedelta(seconds=10))
    # after the window the address may try again
    later = now + timedelta(minutes=15, seconds=10)
    assert accounts.sign_in(db, "doc@example.org", PASSWORD, "10.0.0.1", now=later).email == "doc@example.org"
    # the failed attempts were committed (they survive the raising calls)
    assert db.query(LoginAttempt).filter(LoginAttempt.succeeded.is_(False)).count() == 5
    # a day later they are pruned on the next attempt
    accounts.sign_in(db, "doc@example.org", PASSWORD, "10.0.0.1", now=now + timedelta(days=2))
    assert db.query(LoginAttempt).count() == 1


def test_security_login_throttled_per_address_across_emails(db: Session) -> None:
    accounts.sign_up(db, "doc@example.org", PASSWORD)
    policy = accounts.Policy(max_failures_per_ip=3)
    now = utcnow()
    for i in range(3):
        with pytest.raises(InvalidCredentials):
            accounts.sign_in(db, f"guess{i}@example.org", PASSWORD, "10.9.9.9", now=now, policy=policy)
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(db, "doc@example.org", PASSWORD, "10.9.9.9", now=now, policy=policy)
    assert accounts.sign_in(db, "doc@example.org", PASSWORD, "10.0.0.1", now=now, policy=policy)


def test_security_session_revoked_on_sign_out(db: Session) -> None:
    user = accounts.sign_up(db, "doc@example.org", PASSWORD)
    token = accounts.create_session(db, user)
    other = accounts.create_session(db, user)
    assert accounts.session_user(db, token) is not None
    assert accounts.revoke_session(db, token) is True
    assert accounts.session_user(db, token) is None
    assert accounts.session_user(db, other) is not None
    assert accounts.revoke_all_sessions(db, user.id) == 1
    assert accounts.session_user(db, other) is None


def test_session_idle_timeout_and_touch(db: Session) -> None:
    user = accounts.sign_up(db, "doc@example.org", PASSWORD)
    now = utcnow()
    token = accounts.create_session(db, user, now=now)
    policy = accounts.Policy(idle_timeout=timedelta(minutes=30))
    # activity every 20 minutes keeps it alive past the idle timeout
    for minutes in (20, 40, 60):
        assert (
            accounts.session_user(db, token, now=now + timedelta(minutes=minutes), policy=policy) is not None
        )
    assert accounts.session_user(db, token, now=now + timedelta(minutes=95), policy=policy) is None
    # once expired it stays dead
    assert accounts.session_user(db, token, now=now + timedelta(minutes=96), policy=policy) is None


def test_session_token_is_stored_hashed(db: Session, tracker_engine: Engine) -> None:
    user = accounts.sign_up(db, "doc@example.org", PASSWORD)
    token = accounts.create_session(db, user)
    _, api_token = accounts.create_api_token(db, user, "laptop")
    with tracker_engine.connect() as conn:
        stored = [
            r[0]
            for r in conn.execute(
                text("SELECT token_hash FROM sessions UNION ALL SELECT token_hash FROM api_tokens")
            )
        ]
    assert token not in stored and api_token not in stored
    assert len(stored) == 2 and all(len(h) == 64 for h in stored)


def test_api_token_authenticates_until_revoked(db: Session, make_user: Callable[..., User]) -> None:
    user = make_user()
    row, token = accounts.create_api_token(db, user, "script")
    assert token.startswith("orvu_")
    found = accounts.token_user(db, token)
    assert found is not None and found.id == user.id
    assert accounts.token_user(db, token + "x") is None
    assert accounts.token_user(db, "not-a-token") is None
    other = make_user()
    with pytest.raises(NotFound):
        accounts.revoke_api_token(db, other, row.id)
    accounts.revoke_api_token(db, user, row.id)
    assert accounts.token_user(db, token) is None


def test_change_password_signs_out_other_sessions(db: Session) -> None:
    user = accounts.sign_up(db, "doc@example.org", PASSWORD)
    current = accounts.create_session(db, user)
    elsewhere = accounts.create_session(db, user)
    with pytest.raises(InvalidInput):
        accounts.change_password(db, user, "wrong old password", "a new long password")
    accounts.change_password(db, user, PASSWORD, "a new long password", keep_token=current)
    assert accounts.session_user(db, current) is not None
    assert accounts.session_user(db, elsewhere) is None
    accounts.sign_in(db, "doc@example.org", "a new long password", "10.0.0.1")


def test_security_password_never_stored_or_logged_in_clear(
    db: Session, tracker_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Plaintext-Sentinel-4711"
    caplog.set_level(logging.DEBUG)
    # SQL statements and their parameters are logged too at INFO on this logger
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        user = accounts.sign_up(db, "doc@example.org", secret)
        accounts.sign_in(db, "doc@example.org", secret, "10.0.0.1")
        with pytest.raises(InvalidCredentials):
            accounts.sign_in(db, "doc@example.org", secret + "!", "10.0.0.1")
        accounts.change_password(db, user, secret, secret + "-new")
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert "argon2id" in caplog.text  # the logging did capture the statements
    assert secret not in caplog.text
    with tracker_engine.connect() as conn:
        dump = []
        for table in ("users", "audit_log", "login_attempts", "sessions"):
            dump += [repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}"))]
    assert dump and not any(secret in row for row in dump)
