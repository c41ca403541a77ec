"""Groups: an admin creates them and assigns managers and clinicians; a manager sees the members'
totals and a group dashboard. Nobody but the owner ever sees a clinician's lines: a group only
exposes sums. A group someone may not see is ``NotFound``, as for lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openrvu.tracker import audit
from openrvu.tracker.dashboard import (
    PERIODS,
    SUMS,
    ZERO,
    Bucket,
    Figures,
    add_figures,
    daily_figures,
    default_range,
    figures_of,
    in_range,
    series,
)
from openrvu.tracker.errors import Forbidden, InvalidInput, NotFound
from openrvu.tracker.models import GROUP_ROLES, DayCodeTotal, Group, Membership, User, utcnow


@dataclass(frozen=True, slots=True)
class Member:
    """A member of a group with their role."""

    user_id: int
    email: str
    role: str
    fte: Decimal


@dataclass(frozen=True, slots=True)
class MemberTotal:
    """A member's totals over the range, with their FTE-prorated target for the range when set."""

    member: Member
    figures: Figures
    target: Decimal | None
    percent_of_target: Decimal | None


@dataclass(frozen=True, slots=True)
class GroupDashboard:
    """What a manager sees: per-member totals, group totals and the group's series."""

    group_id: int
    name: str
    start: date
    end: date
    period: str
    members: tuple[MemberTotal, ...]
    totals: Figures
    series: tuple[Bucket, ...]


def _require_admin(actor: User) -> None:
    if actor.role != "admin":
        raise Forbidden("only an administrator can manage groups")


def create_group(session: Session, actor: User, name: str) -> Group:
    """An admin creates a group."""
    _require_admin(actor)
    label = (name or "").strip()
    if not 1 <= len(label) <= 100:
        raise InvalidInput("name", "give the group a name of 1 to 100 characters")
    if session.scalar(select(Group.id).where(Group.name == label)) is not None:
        raise InvalidInput("name", "a group with this name exists", code="name_taken")
    group = Group(name=label, created_at=utcnow())
    session.add(group)
    session.flush()
    audit.record(
        session, actor_id=actor.id, action="create", entity="group", entity_id=group.id, after={"name": label}
    )
    session.commit()
    return group


def add_member(
    session: Session, actor: User, group_id: int, user_id: int, role: str = "clinician"
) -> Membership:
    """An admin adds a user to a group as manager or clinician (again: changes the role)."""
    _require_admin(actor)
    if role not in GROUP_ROLES:
        raise InvalidInput("role", f"choose one of {', '.join(GROUP_ROLES)}")
    if session.get(Group, group_id) is None:
        raise NotFound("no such group")
    if session.get(User, user_id) is None:
        raise NotFound("no such user")
    row = session.get(Membership, (group_id, user_id))
    before = None if row is None else {"role": row.role}
    if row is None:
        row = Membership(group_id=group_id, user_id=user_id, role=role)
        session.add(row)
    else:
        row.role = role
    audit.record(
        session,
        actor_id=actor.id,
        action="member",
        entity="group",
        entity_id=group_id,
        before=before,
        after={"user_id": user_id, "role": role},
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise
    return row


def remove_member(session: Session, actor: User, group_id: int, user_id: int) -> None:
    """An admin removes a user from a group."""
    _require_admin(actor)
    row = session.get(Membership, (group_id, user_id))
    if row is None:
        raise NotFound("no such member")
    session.delete(row)
    audit.record(
        session,
        actor_id=actor.id,
        action="unmember",
        entity="group",
        entity_id=group_id,
        before={"user_id": user_id},
    )
    session.commit()


def list_groups(session: Session, actor: User) -> list[tuple[Group, str]]:
    """The groups the actor sees, with the actor's role in each ("admin" for an admin)."""
    if actor.role == "admin":
        return [(g, "admin") for g in session.scalars(select(Group).order_by(Group.name))]
    stmt = (
        select(Group, Membership.role)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == actor.id)
        .order_by(Group.name)
    )
    return [(g, role) for g, role in session.execute(stmt).tuples()]


def _visible_group(session: Session, actor: User, group_id: int) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound("no such group")
    if actor.role == "admin":
        return group
    role = session.scalar(
        select(Membership.role).where(Membership.group_id == group_id, Membership.user_id == actor.id)
    )
    if role != "manager":
        raise NotFound("no such group")
    return group


def members(session: Session, actor: User, group_id: int) -> list[Member]:
    """The members of a group (its managers and the admin only)."""
    _visible_group(session, actor, group_id)
    stmt = (
        select(User.id, User.email, Membership.role, User.fte)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id)
        .order_by(User.email)
    )
    return [Member(uid, email, role, fte) for uid, email, role, fte in session.execute(stmt).tuples()]


def group_dashboard(
    session: Session,
    actor: User,
    group_id: int,
    *,
    period: str = "month",
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> GroupDashboard:
    """Per-clinician totals and the group's series over a range (managers of the group and the admin)."""
    group = _visible_group(session, actor, group_id)
    if period not in PERIODS:
        raise InvalidInput("period", f"choose one of {', '.join(PERIODS)}")
    lo, hi = default_range(period, today or utcnow().date())
    start, end = start or lo, end or hi
    if start > end:
        raise InvalidInput("start", "the start date is after the end date")
    people = members(session, actor, group_id)
    ids = [m.user_id for m in people]
    stmt = in_range(select(DayCodeTotal.user_id, *SUMS), ids, start, end).group_by(DayCodeTotal.user_id)
    per_user = {uid: figures_of(*rest) for uid, *rest in session.execute(stmt)} if ids else {}
    goals = (
        {
            uid: goal
            for uid, goal in session.execute(select(User.id, User.annual_wrvu_goal).where(User.id.in_(ids)))
        }
        if ids
        else {}
    )
    share = Decimal((end - start).days + 1) / Decimal(366 if _leap(start.year) else 365)
    out = []
    for m in people:
        figs = per_user.get(m.user_id, ZERO)
        goal = goals.get(m.user_id)
        target = (goal * m.fte * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if goal else None
        pct = (figs.wrvu / target * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if target else None
        out.append(MemberTotal(m, figs, target, pct))
    totals = ZERO
    for figs in per_user.values():
        totals = add_figures(totals, figs)
    daily = daily_figures(session, ids, start, end) if ids else {}
    return GroupDashboard(
        group.id, group.name, start, end, period, tuple(out), totals, tuple(series(daily, period, start, end))
    )


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def member_count(session: Session, group_id: int) -> int:
    """How many members a group has."""
    return int(
        session.scalar(select(func.count()).select_from(Membership).where(Membership.group_id == group_id))
        or 0
    )
