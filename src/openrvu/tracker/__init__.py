"""The procedure log: the application database and the services the web app and CLI call.

Every service is a plain function taking a SQLAlchemy ``Session`` (and the acting ``User``) and
committing its own unit of work; errors are the classes of ``openrvu.tracker.errors``
(``NotFound`` for anything the user may not see, ``InvalidInput`` with a ``field``, ...).

Modules:

- ``db``: ``make_engine(url)``, ``session_factory(engine)``, ``migrate(url)`` (Alembic, to head),
  ``current_revision(url)``, ``schema_differences(url)``.
- ``models``: the tables (``User``, ``AuthSession``, ``ApiToken``, ``LogEntry``, ``AuditLog``, ...).
- ``accounts``: sign-up (first account admin; then open/closed/invite), argon2id sign-in with
  throttling, server-side sessions, API tokens.
- ``profile``: the user's profile (specialty, ZIP/locality, default POS, provider kind, $ per wRVU,
  goal, FTE, contract credit switches).
- ``catalog``: validation and pricing of lines against the reference database and the pricing engine.
- ``entries``: log lines (idempotent create, edit/delete with audit trail, owner-only access).
- ``shortcuts``: favourites, recent codes, templates.
- ``dashboard``: wRVU and payment per period, top codes, E/M mix, goal and compensation; read from
  ``day_code_totals`` (kept in step by ``totals``) and cached per ``users.log_version``.
- ``importer`` / ``export``: CSV/XLSX import (preview, all-or-nothing commit); CSV, XLSX, PDF export.
- ``groups``: groups, memberships, the manager's group dashboard.
- ``surveys``: survey percentiles (MGMA/AMGA) typed in by a user.
- ``audit``: the audit trail; ``security``: argon2id hashing and hashed tokens.
- ``synthetic``: bulk priced lines for benchmarks and demos (``seed_lines``, ``add_visits``,
  ``add_lines``), one encounter token per synthetic visit.
"""
