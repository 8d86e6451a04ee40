"""``{% load members %}``: what the team's members page may offer on a membership."""

from django import template

from accounts.models import Membership, Role

register = template.Library()


@register.filter
def manageable_by(target: object, acting: object) -> bool:
    """Whether ``acting`` (a membership) may change or remove ``target`` (another membership)."""
    if not isinstance(target, Membership) or not isinstance(acting, Membership):
        return False
    if target.user_id == acting.user_id or not acting.is_admin:
        return False
    return acting.can_manage_owners or target.role != Role.OWNER
