"""The audit trail: who did what to which object, with the object before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openrvu.tracker.models import AuditLog


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row to the current transaction (it commits or rolls back with the change itself)."""
    row = AuditLog(
        actor_id=actor_id, action=action, entity=entity, entity_id=entity_id, before=before, after=after
    )
    session.add(row)
    return row


def history(session: Session, entity: str, entity_id: int) -> list[AuditLog]:
    """The audit rows of one object, oldest first."""
    stmt = (
        select(AuditLog)
        .where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
        .order_by(AuditLog.at, AuditLog.id)
    )
    return list(session.scalars(stmt))
