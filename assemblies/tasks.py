"""Background work of the civic lottery (Django's tasks framework, database-backed worker)."""

from __future__ import annotations

from django.tasks import task


@task()
def run_selection_task(run_id: int) -> str:
    """Select a panel (or replacements) for one queued run; a finished run is left as it is."""
    from .lottery import execute_run

    return execute_run(run_id).status
