"""``{% load pb %}``: ``user|may_manage_pb`` asks the capability table (templates compare no role strings)."""

from django import template

from accounts.permissions import can

register = template.Library()


@register.filter
def may_manage_pb(user) -> bool:
    return can(user, "pb.manage")
