from typing import Any

from django import template

from assemblies.models import Session

register = template.Library()


@register.simple_tag
def sessions_for(user: Any) -> list[Session]:
    """The sessions of the assemblies ``user`` sits on that are in progress or to come."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Session.objects.filter(assembly__memberships__user=user)
        .exclude(status=Session.Status.CLOSED)
        .select_related("assembly")
        .order_by("starts_at")[:20]
    )
