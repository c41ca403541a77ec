"""The application database: SQLAlchemy 2 models (the Alembic migrations in ``migrations/`` match them).

No table holds patient data: a log line is a date, a code, modifiers, units and a place of service,
and there is no free-text field that would invite PHI.

A line's ``encounter`` is an opaque random token (never a patient or EHR number): the lines of one user
that share a date and a token were done at one encounter (one patient) and are priced together
(multiple-procedure ranking, bilateral pairs, imaging families). Lines logged before encounters
existed have none (NULL): all such lines of a date still form one group, as they were priced then.

Priced figures are stored on each log line (``release``, ``wrvu_e4``, ``allowed_cents``) so that the
dashboard sums in SQL; they are recomputed whenever the line, its day or the profile changes.
``wrvu_e4`` is the wRVU credit in ten-thousandths (integer: exact sums on both backends), and
``allowed_cents`` the estimated CMS allowed amount in cents.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from openrvu.tracker.coltypes import DecimalText, UtcDateTime

ROLES = ("admin", "manager", "clinician")
PROVIDER_KINDS = ("physician", "npp")
GROUP_ROLES = ("manager", "clinician")
WRVU_SCALE = 10_000  # wrvu_e4 = wRVU x 10,000

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so constraint names match across backends."""

    metadata = MetaData(naming_convention=NAMING)


class AppSetting(Base):
    """A site-wide setting (e.g. ``signup_mode``: open, closed or invite)."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class User(Base):
    """An account and its profile (what pricing and the dashboard need)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'manager', 'clinician')", name="role"),
        CheckConstraint("provider_kind IN ('physician', 'npp')", name="provider_kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="clinician")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    specialty: Mapped[str | None] = mapped_column(String(100))
    zip_code: Mapped[str | None] = mapped_column(String(5))
    locality: Mapped[str | None] = mapped_column(String(8))  # carrier-locality, "01112-05"
    default_pos: Mapped[str] = mapped_column(String(2), default="11")
    provider_kind: Mapped[str] = mapped_column(String(16), default="physician")
    dollars_per_wrvu: Mapped[Decimal | None] = mapped_column(DecimalText)
    annual_wrvu_goal: Mapped[Decimal | None] = mapped_column(DecimalText)
    fte: Mapped[Decimal] = mapped_column(DecimalText, default=Decimal("1.0"))
    contract: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # bumped by every change to the user's lines: the dashboard cache key (see dashboard.py)
    log_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuthSession(Base):
    """A server-side sign-in session; the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A bearer token for scripts; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    user: Mapped[User] = relationship()


class Invite(Base):
    """An invitation to sign up while ``signup_mode`` is ``invite``."""

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(16), default="clinician")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginAttempt(Base):
    """One sign-in attempt, kept for throttling (email + client address within a window)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_ip_at", "email", "ip", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class LogEntry(Base):
    """One logged procedure line. No patient data, no free text."""

    __tablename__ = "log_entries"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_log_entries_user_id_date_of_service", "user_id", "date_of_service"),
        CheckConstraint("units > 0", name="units_positive"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    date_of_service: Mapped[date] = mapped_column(Date)
    hcpcs: Mapped[str] = mapped_column(String(5))
    modifiers: Mapped[str] = mapped_column(String(16), default="")  # "26,59": up to 4, comma separated
    units: Mapped[int] = mapped_column(Integer, default=1)
    pos: Mapped[str] = mapped_column(String(2))
    # opaque token grouping the lines of one encounter on a date; NULL: logged before encounters
    encounter: Mapped[str | None] = mapped_column(String(32))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default="web")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    release: Mapped[str | None] = mapped_column(String(16))
    wrvu_e4: Mapped[int | None] = mapped_column(BigInteger)
    allowed_cents: Mapped[int | None] = mapped_column(BigInteger)
    pricing_note: Mapped[str | None] = mapped_column(String(255))

    @property
    def modifier_list(self) -> list[str]:
        """The modifiers as a list (empty when none)."""
        return [m for m in self.modifiers.split(",") if m]

    @property
    def wrvu(self) -> Decimal | None:
        """The wRVU credit of the line, or None when it could not be priced."""
        return None if self.wrvu_e4 is None else Decimal(self.wrvu_e4) / WRVU_SCALE

    @property
    def allowed(self) -> Decimal | None:
        """The estimated CMS allowed amount in dollars, or None when not priced (e.g. contractor-priced)."""
        return None if self.allowed_cents is None else Decimal(self.allowed_cents) / 100


class ConsumedKey(Base):
    """An idempotency key whose log line was deleted. Deleting a line frees nothing: a late resend of the
    same key (an offline outbox retrying after a lost answer) is a duplicate of a deleted line and stores
    nothing. ``entry_id`` is the deleted line's id (no foreign key: the line is gone; the audit trail
    keeps it)."""

    __tablename__ = "consumed_keys"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer)
    deleted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DayCodeTotal(Base):
    """Per user, date and code: the sums of the log lines (kept in step by ``openrvu.tracker.totals``).

    The dashboard reads these instead of the lines: about 10,000 rows for 100,000 lines.
    """

    __tablename__ = "day_code_totals"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    date_of_service: Mapped[date] = mapped_column(Date, primary_key=True)
    hcpcs: Mapped[str] = mapped_column(String(5), primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(Integer)
    wrvu_e4: Mapped[int] = mapped_column(BigInteger)
    allowed_cents: Mapped[int] = mapped_column(BigInteger)
    priced_lines: Mapped[int] = mapped_column(Integer)  # lines with a CMS amount


class AuditLog(Base):
    """Who did what to which object, when, with the object before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Favourite(Base):
    """A pinned code (with modifiers) in the user's order."""

    __tablename__ = "favourites"
    __table_args__ = (UniqueConstraint("user_id", "hcpcs", "modifiers"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    hcpcs: Mapped[str] = mapped_column(String(5))
    modifiers: Mapped[str] = mapped_column(String(16), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Template(Base):
    """A named set of codes logged together (e.g. a usual encounter)."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    items: Mapped[list[TemplateItem]] = relationship(
        order_by="TemplateItem.position", cascade="all, delete-orphan", lazy="selectin"
    )


class TemplateItem(Base):
    """One code of a template."""

    __tablename__ = "template_items"
    __table_args__ = (CheckConstraint("units > 0", name="units_positive"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    hcpcs: Mapped[str] = mapped_column(String(5))
    modifiers: Mapped[str] = mapped_column(String(16), default="")
    units: Mapped[int] = mapped_column(Integer, default=1)


class Group(Base):
    """A practice group: managers see their members' totals."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Membership(Base):
    """A user's place in a group: manager or clinician."""

    __tablename__ = "memberships"
    __table_args__ = (CheckConstraint("role IN ('manager', 'clinician')", name="role"),)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="clinician")


class SurveyBenchmark(Base):
    """Survey percentiles (MGMA, AMGA, ...) a user typed in from their own licensed copy; never shipped."""

    __tablename__ = "survey_benchmarks"
    __table_args__ = (UniqueConstraint("user_id", "source", "year", "specialty", "metric"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(32))  # "MGMA", "AMGA", ...
    year: Mapped[int] = mapped_column(Integer)
    specialty: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str] = mapped_column(String(32))  # "wrvu", "compensation", "comp_per_wrvu"
    p10: Mapped[Decimal | None] = mapped_column(DecimalText)
    p25: Mapped[Decimal | None] = mapped_column(DecimalText)
    p50: Mapped[Decimal | None] = mapped_column(DecimalText)
    p75: Mapped[Decimal | None] = mapped_column(DecimalText)
    p90: Mapped[Decimal | None] = mapped_column(DecimalText)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
