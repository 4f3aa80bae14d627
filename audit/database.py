"""The database side of the append-only audit log (triggers in migration 0003).

On SQLite the triggers ask ``civic_audit_purge_allowed()``, a function this module registers on
every connection Django opens. It answers 0 unless a test harness has called
:func:`allow_purge` just before Django's ``flush`` (which empties tables with ``DELETE``
between transactional tests); a connection opened outside Django lacks the function, so its
DELETE fails too. PostgreSQL's ``flush`` uses ``TRUNCATE``, which row triggers do not see.
"""

from __future__ import annotations

from typing import Any

SQLITE_FUNCTION = "civic_audit_purge_allowed"

_purge_allowed = False


def allow_purge(allowed: bool) -> None:
    """Let Django's test ``flush`` empty the audit table on SQLite (tests only)."""
    global _purge_allowed
    _purge_allowed = allowed


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: give SQLite connections the triggers' guard function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 0, lambda: int(_purge_allowed))
