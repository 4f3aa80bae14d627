"""Templates ask the permission table, never compare role strings.

    {% load civic_perms %}
    {% if request.user|can:"pb.manage" %}…{% endif %}
    {% can "audit.view" as may_audit %}
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts.permissions import can as _can

register = template.Library()


@register.filter(name="can")
def can_filter(user: Any, capability: str) -> bool:
    return _can(user, capability)


@register.simple_tag(takes_context=True, name="can")
def can_tag(context: template.Context, capability: str) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return _can(user, capability)
