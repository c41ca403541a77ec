"""Fast entry: favourites (pinned codes in the user's order), recent codes, and templates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openrvu.tracker import audit
from openrvu.tracker.catalog import Catalog, LineSpec
from openrvu.tracker.entries import EntryForm, batch_encounter, create_entry, parse_entry
from openrvu.tracker.errors import AlreadyDeleted, FormErrors, InvalidInput
from openrvu.tracker.models import Favourite, LogEntry, Template, TemplateItem, User
from openrvu.tracker.owned import get_owned

MAX_TEMPLATE_ITEMS = 20


@dataclass(frozen=True, slots=True)
class RecentCode:
    """A code the user logged lately, with its modifiers, how often, and when last."""

    hcpcs: str
    modifiers: tuple[str, ...]
    count: int
    last_used: date


def _code_and_mods(user: User, hcpcs: str, modifiers: str | Sequence[str]) -> tuple[str, str]:
    spec = parse_entry(user, EntryForm(date.today(), hcpcs, modifiers, 1, user.default_pos))
    return spec.hcpcs, ",".join(spec.modifiers)


# --- favourites ----------------------------------------------------------------------------------


def list_favourites(session: Session, user: User) -> list[Favourite]:
    """The user's pinned codes in their order."""
    stmt = select(Favourite).where(Favourite.user_id == user.id).order_by(Favourite.position, Favourite.id)
    return list(session.scalars(stmt))


def add_favourite(
    session: Session,
    user: User,
    hcpcs: str,
    modifiers: str | Sequence[str] = "",
    catalog: Catalog | None = None,
) -> Favourite:
    """Pin a code (at the end of the list); pinning it again returns the existing pin."""
    code, mods = _code_and_mods(user, hcpcs, modifiers)
    if catalog is not None:
        catalog.check_line(
            LineSpec(date.today(), code, tuple(m for m in mods.split(",") if m), 1, "11"), user
        )
    stmt = select(Favourite).where(
        Favourite.user_id == user.id, Favourite.hcpcs == code, Favourite.modifiers == mods
    )
    if (existing := session.scalars(stmt).first()) is not None:
        return existing
    last = session.scalar(select(func.max(Favourite.position)).where(Favourite.user_id == user.id))
    fav = Favourite(user_id=user.id, hcpcs=code, modifiers=mods, position=(last or 0) + 1)
    session.add(fav)
    try:
        session.commit()
    except IntegrityError:  # pinned twice at the same moment
        session.rollback()
        return session.scalars(stmt).one()
    return fav


def remove_favourite(session: Session, user: User, favourite_id: int) -> None:
    """Unpin; another user's pin is ``NotFound``."""
    fav = get_owned(session, Favourite, favourite_id, user, "favourite")
    session.delete(fav)
    session.commit()


def reorder_favourites(session: Session, user: User, favourite_ids: Sequence[int]) -> list[Favourite]:
    """Put the user's pins in the given order (every pin exactly once)."""
    favs = {f.id: f for f in list_favourites(session, user)}
    if sorted(favourite_ids) != sorted(favs):
        raise InvalidInput("order", "give each of your favourites exactly once")
    for position, fid in enumerate(favourite_ids, start=1):
        favs[fid].position = position
    session.commit()
    return list_favourites(session, user)


# --- recent codes --------------------------------------------------------------------------------


def recent_codes(session: Session, user: User, limit: int = 10) -> list[RecentCode]:
    """The user's most recently logged (code, modifiers), newest first."""
    last = func.max(LogEntry.date_of_service)
    stmt = (
        select(LogEntry.hcpcs, LogEntry.modifiers, func.count(), last, func.max(LogEntry.id))
        .where(LogEntry.user_id == user.id)
        .group_by(LogEntry.hcpcs, LogEntry.modifiers)
        .order_by(last.desc(), func.max(LogEntry.id).desc())
        .limit(max(1, min(limit, 100)))
    )
    return [
        RecentCode(code, tuple(m for m in mods.split(",") if m), int(n), day)
        for code, mods, n, day, _ in session.execute(stmt)
    ]


# --- templates -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateLine:
    """One code of a template as typed: code, modifiers and units."""

    hcpcs: str
    modifiers: str | Sequence[str] = ""
    units: str | int = 1


def list_templates(session: Session, user: User) -> list[Template]:
    """The user's templates by name."""
    stmt = select(Template).where(Template.user_id == user.id).order_by(Template.name)
    return list(session.scalars(stmt))


def get_template(session: Session, user: User, template_id: int) -> Template:
    """One of the user's templates; another user's is ``NotFound``."""
    return get_owned(session, Template, template_id, user, "template")


def create_template(
    session: Session, user: User, name: str, lines: Sequence[TemplateLine], catalog: Catalog | None = None
) -> Template:
    """Save a named set of codes; ``FormErrors`` names each bad line (``items.N.field``)."""
    label = (name or "").strip()
    errors: dict[str, str] = {}
    if not 1 <= len(label) <= 100:
        errors["name"] = "give the template a name of 1 to 100 characters"
    if not 1 <= len(lines) <= MAX_TEMPLATE_ITEMS:
        errors["items"] = f"a template holds 1 to {MAX_TEMPLATE_ITEMS} codes"
    items = []
    for i, line in enumerate(lines):
        try:
            spec = parse_entry(user, EntryForm(date.today(), line.hcpcs, line.modifiers, line.units, "11"))
            if catalog is not None:
                catalog.check_line(spec, user)
        except FormErrors as exc:
            errors.update({f"items.{i}.{k}": v for k, v in exc.errors.items()})
            continue
        except InvalidInput as exc:
            errors[f"items.{i}.{exc.field}"] = exc.message
            continue
        items.append(
            TemplateItem(position=i, hcpcs=spec.hcpcs, modifiers=",".join(spec.modifiers), units=spec.units)
        )
    if session.scalar(select(Template.id).where(Template.user_id == user.id, Template.name == label)):
        errors["name"] = "you already have a template with this name"
    if errors:
        raise FormErrors(errors)
    tpl = Template(user_id=user.id, name=label, items=items)
    session.add(tpl)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="create",
        entity="template",
        entity_id=tpl.id,
        after={"name": label, "items": [[i.hcpcs, i.modifiers, i.units] for i in items]},
    )
    session.commit()
    return tpl


def delete_template(session: Session, user: User, template_id: int) -> None:
    """Delete one of the user's templates."""
    tpl = get_template(session, user, template_id)
    session.delete(tpl)
    session.commit()


def log_template(
    session: Session,
    user: User,
    template_id: int,
    on: date,
    catalog: Catalog,
    *,
    pos: str | None = None,
    idempotency_key: str | None = None,
) -> list[LogEntry]:
    """Log every code of a template on one date, as one encounter (one patient's usual visit).
    With a key, a repeat returns the same lines, less any deleted since (those are not logged again)."""
    tpl = get_template(session, user, template_id)
    encounter = batch_encounter(idempotency_key)
    out = []
    for item in tpl.items:
        spec = parse_entry(user, EntryForm(on, item.hcpcs, item.modifiers, item.units, pos))
        key = f"{idempotency_key}:{item.position}"[:64] if idempotency_key else None
        try:
            entry = create_entry(
                session, user, spec, catalog, idempotency_key=key, source="template", encounter=encounter
            )
        except AlreadyDeleted:
            continue
        out.append(entry)
    return out
