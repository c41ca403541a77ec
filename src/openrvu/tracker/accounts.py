"""Accounts: sign-up, sign-in with throttling, server-side sessions, API tokens, invitations.

Every function takes a SQLAlchemy ``Session`` and commits its own unit of work. Tokens returned to
the caller (session cookie, API token) exist in clear only in the return value: the database keeps
their SHA-256. Passwords are kept only as argon2id hashes and are never logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openrvu.tracker import audit
from openrvu.tracker.errors import (
    EmailTaken,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    SignupClosed,
    TooManyAttempts,
)
from openrvu.tracker.models import (
    ROLES,
    ApiToken,
    AppSetting,
    AuthSession,
    Invite,
    LoginAttempt,
    User,
    utcnow,
)
from openrvu.tracker.owned import get_owned
from openrvu.tracker.security import API_TOKEN_PREFIX, hash_password, hash_token, new_token, verify_password

SIGNUP_MODES = ("open", "closed", "invite")
DEFAULT_SIGNUP_MODE = "closed"  # after the first (admin) account, nobody joins unless the admin says so
MAX_FAILURES = 5
MAX_FAILURES_PER_IP = 50  # across all emails: one address trying many accounts (credential stuffing)
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_IDLE_TIMEOUT = timedelta(hours=12)  # a clinic day between two sign-ins
SESSION_MAX_AGE = timedelta(days=30)
ATTEMPTS_KEPT = timedelta(days=1)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often (no write per request)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Policy:
    """Session and throttling limits (tests and deployments may shorten them)."""

    max_failures: int = MAX_FAILURES
    max_failures_per_ip: int = MAX_FAILURES_PER_IP
    failure_window: timedelta = FAILURE_WINDOW
    idle_timeout: timedelta = SESSION_IDLE_TIMEOUT
    max_age: timedelta = SESSION_MAX_AGE


DEFAULT_POLICY = Policy()


def normalize_email(email: str) -> str:
    """The canonical form of an email (trimmed, lower case); raises ``InvalidInput`` when malformed."""
    value = (email or "").strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidInput("email", "enter an email address like name@example.org", code="email_format")
    return value


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", f"use at least {MIN_PASSWORD} characters", code="password_too_short")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput("password", f"use at most {MAX_PASSWORD} characters", code="password_too_long")


# --- site settings -------------------------------------------------------------------------------


def get_signup_mode(session: Session) -> str:
    """``open`` (anyone), ``invite`` (invited emails only) or ``closed`` (nobody) after the first account."""
    row = session.get(AppSetting, "signup_mode")
    return row.value if row else DEFAULT_SIGNUP_MODE


def set_signup_mode(session: Session, actor: User, mode: str) -> None:
    """Let an admin open, close or restrict sign-up to invitations."""
    _require_admin(actor)
    if mode not in SIGNUP_MODES:
        raise InvalidInput("signup_mode", f"choose one of {', '.join(SIGNUP_MODES)}")
    row = session.get(AppSetting, "signup_mode")
    before = row.value if row else DEFAULT_SIGNUP_MODE
    if row is None:
        session.add(AppSetting(key="signup_mode", value=mode))
    else:
        row.value = mode
    audit.record(
        session,
        actor_id=actor.id,
        action="update",
        entity="setting",
        entity_id=None,
        before={"signup_mode": before},
        after={"signup_mode": mode},
    )
    session.commit()


def invite(session: Session, actor: User, email: str, role: str = "clinician") -> Invite:
    """An admin invites ``email`` to sign up (used while sign-up is ``invite``)."""
    _require_admin(actor)
    if role not in ROLES:
        raise InvalidInput("role", f"choose one of {', '.join(ROLES)}")
    row = Invite(email=normalize_email(email), role=role, created_by=actor.id)
    session.add(row)
    session.commit()
    return row


def _require_admin(actor: User) -> None:
    if actor.role != "admin":
        raise Forbidden("only an administrator can do this")


# --- sign-up and sign-in -------------------------------------------------------------------------


FIRST_ADMIN_KEY = "first_admin"


def sign_up(session: Session, email: str, password: str) -> User:
    """Create an account. The first account becomes admin; later ones follow the sign-up mode.

    Two sign-ups racing on an empty database both see no account; the first one also inserts the
    ``first_admin`` setting (a primary key), so only one of them can commit as admin. The loser's
    transaction fails on that key and is retried once as a later sign-up, under the sign-up mode.
    The same retry turns a race on one email address into ``EmailTaken``.
    """
    try:
        return _sign_up(session, email, password)
    except IntegrityError:
        session.rollback()
        return _sign_up(session, email, password)


def _sign_up(session: Session, email: str, password: str) -> User:
    address = normalize_email(email)
    _check_password(password)
    first = session.scalar(select(func.count()).select_from(User)) == 0
    role = "admin" if first else "clinician"
    pending: Invite | None = None
    if not first:
        mode = get_signup_mode(session)
        if mode == "closed":
            raise SignupClosed("sign-up is closed: ask the administrator for an account")
        if mode == "invite":
            pending = session.scalars(
                select(Invite).where(Invite.email == address, Invite.used_at.is_(None)).order_by(Invite.id)
            ).first()
            if pending is None:
                raise SignupClosed("sign-up is by invitation: ask the administrator to invite this email")
            role = pending.role
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise EmailTaken()
    user = User(email=address, password_hash=hash_password(password), role=role, contract={})
    session.add(user)
    if first:
        session.add(AppSetting(key=FIRST_ADMIN_KEY, value=address))
    if pending is not None:
        pending.used_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="create",
        entity="user",
        entity_id=user.id,
        after={"email": address, "role": role},
    )
    session.commit()
    return user


def _failures(session: Session, email: str, ip: str, now: datetime, policy: Policy) -> list[datetime]:
    """Failed attempts of (email, ip) inside the window and after the last success, oldest first."""
    since = now - policy.failure_window
    last_ok = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email, LoginAttempt.ip == ip, LoginAttempt.succeeded.is_(True)
        )
    )
    if last_ok is not None and last_ok > since:
        since = last_ok
    stmt = (
        select(LoginAttempt.at)
        .where(
            LoginAttempt.email == email,
            LoginAttempt.ip == ip,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > since,
        )
        .order_by(LoginAttempt.at)
    )
    return list(session.scalars(stmt))


def sign_in(
    session: Session,
    email: str,
    password: str,
    ip: str,
    *,
    now: datetime | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> User:
    """Check email and password; raise ``TooManyAttempts`` after too many failures, else the user.

    Failed attempts are committed even though the call raises, so throttling survives the caller's
    rollback. The stored hash is upgraded when argon2 parameters have changed (rehash on login).
    """
    now = now or utcnow()
    address = (email or "").strip().lower()[:254]
    failures = _failures(session, address, ip, now, policy)
    if len(failures) >= policy.max_failures:
        retry = failures[-policy.max_failures] + policy.failure_window - now
        raise TooManyAttempts(max(1, int(retry.total_seconds()) + 1))
    from_ip = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.ip == ip[:64],
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > now - policy.failure_window,
        )
    )
    if (from_ip or 0) >= policy.max_failures_per_ip:
        raise TooManyAttempts(int(policy.failure_window.total_seconds()))
    user = session.scalars(select(User).where(User.email == address)).first()
    ok, new_hash = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(email=address, ip=ip[:64], at=now, succeeded=ok))
    # attempts only matter inside the window: keep the table small
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - ATTEMPTS_KEPT))
    if not ok or user is None:
        session.commit()
        raise InvalidCredentials("wrong email or password")
    if new_hash is not None:
        user.password_hash = new_hash
    session.commit()
    return user


def change_password(
    session: Session, user: User, old: str, new: str, *, keep_token: str | None = None
) -> None:
    """Change the password after checking the old one, and sign out every other session."""
    ok, _ = verify_password(user.password_hash, old)
    if not ok:
        raise InvalidInput("old_password", "the current password is wrong", code="wrong_password")
    _check_password(new)
    user.password_hash = hash_password(new)
    audit.record(session, actor_id=user.id, action="password", entity="user", entity_id=user.id)
    session.commit()
    revoke_all_sessions(session, user.id, except_token=keep_token)


# --- sessions ------------------------------------------------------------------------------------


def create_session(session: Session, user: User, *, now: datetime | None = None) -> str:
    """Start a server-side session for ``user``; returns the token to put in the cookie."""
    token, digest = new_token()
    now = now or utcnow()
    session.add(AuthSession(user_id=user.id, token_hash=digest, created_at=now, last_seen_at=now))
    session.commit()
    return token


def session_user(
    session: Session, token: str | None, *, now: datetime | None = None, policy: Policy = DEFAULT_POLICY
) -> User | None:
    """The user of a live session token, or None (unknown, revoked, idle too long or too old).

    Touches ``last_seen_at`` (at most once a minute), which keeps an active session alive.
    """
    if not token:
        return None
    now = now or utcnow()
    row = session.scalars(select(AuthSession).where(AuthSession.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    if now - row.last_seen_at > policy.idle_timeout or now - row.created_at > policy.max_age:
        row.revoked_at = now
        session.commit()
        return None
    if not row.user.is_active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return row.user


def revoke_session(session: Session, token: str) -> bool:
    """Sign out: revoke the session of ``token``. True when a live session was revoked."""
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == hash_token(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.commit()
    return bool(getattr(result, "rowcount", 0))


def revoke_all_sessions(session: Session, user_id: int, *, except_token: str | None = None) -> int:
    """Sign out everywhere (optionally keeping the current session); returns how many were revoked."""
    stmt = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if except_token:
        stmt = stmt.where(AuthSession.token_hash != hash_token(except_token))
    result = session.execute(stmt.values(revoked_at=utcnow()))
    session.commit()
    return int(getattr(result, "rowcount", 0))


# --- API tokens ----------------------------------------------------------------------------------


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for scripts: returns the row and the clear token (shown to the user once)."""
    label = (name or "").strip()
    if not 1 <= len(label) <= 100:
        raise InvalidInput("name", "give the token a name of 1 to 100 characters")
    token, digest = new_token(API_TOKEN_PREFIX)
    row = ApiToken(user_id=user.id, name=label, token_hash=digest)
    session.add(row)
    audit.record(
        session, actor_id=user.id, action="create", entity="api_token", entity_id=None, after={"name": label}
    )
    session.commit()
    return row, token


def token_user(session: Session, token: str | None) -> User | None:
    """The user of a live API token (``Authorization: Bearer ...``), or None."""
    if not token or not token.startswith(API_TOKEN_PREFIX):
        return None
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        session.commit()
    return row.user


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's API tokens (live and revoked), newest first."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(session.scalars(stmt))


def revoke_api_token(session: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's API tokens; another user's token id is ``NotFound``."""
    row = get_owned(session, ApiToken, token_id, user, "token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()


# --- administration ------------------------------------------------------------------------------


def list_users(session: Session, actor: User) -> list[User]:
    """Every account (admin only)."""
    _require_admin(actor)
    return list(session.scalars(select(User).order_by(User.id)))


def set_role(session: Session, actor: User, user_id: int, role: str) -> User:
    """An admin changes someone's role."""
    _require_admin(actor)
    if role not in ROLES:
        raise InvalidInput("role", f"choose one of {', '.join(ROLES)}")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    before = user.role
    user.role = role
    audit.record(
        session,
        actor_id=actor.id,
        action="update",
        entity="user",
        entity_id=user.id,
        before={"role": before},
        after={"role": role},
    )
    session.commit()
    return user
