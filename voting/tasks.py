"""Background tasks (Django's ``django.tasks``, stored by ``django_tasks_db``, run by ``db_worker``)."""

from __future__ import annotations

from django.tasks import task


@task()
def count_process(process_id: int) -> dict:
    """Count a closed PB process and publish its results and files."""
    from .services import run_count

    return run_count(process_id)
