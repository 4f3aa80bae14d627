"""Service functions for the organisation slice."""

from __future__ import annotations

from .models import Area, Council


def current_council() -> Council | None:
    """The council this deployment serves (the first one), or None before set-up."""
    return Council.objects.order_by("pk").first()


def areas_of(council: Council | None) -> list[Area]:
    if council is None:
        return []
    return list(council.areas.all())
