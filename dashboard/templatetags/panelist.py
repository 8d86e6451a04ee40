from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def control(field: BoundField) -> SafeString:
    """A field's widget with Bootstrap classes and its error wired for screen readers."""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", "")
    css = "form-select" if input_type == "select" else "form-control"
    attrs = dict(widget.attrs)
    attrs["class"] = (
        f"{attrs.get('class', '')} {css}{' is-invalid' if field.errors else ''}".strip()
    )
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}-error"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}-help"
    return field.as_widget(attrs=attrs)


@register.filter
def status_css(status: str) -> str:
    """Bootstrap colour for an invite status."""
    return {
        "DRAFT": "secondary",
        "INVITED": "info",
        "IN_PROGRESS": "primary",
        "COMPLETED": "success",
        "CANCELLED": "dark",
        "EXPIRED": "warning",
    }.get(status, "secondary")


@register.filter
def manageable_by(target: object, acting: object) -> bool:
    """Whether ``acting`` (a membership) may change or remove ``target`` (another membership)."""
    from accounts.models import Membership, Role

    if not isinstance(target, Membership) or not isinstance(acting, Membership):
        return False
    if target.user_id == acting.user_id or not acting.is_admin:
        return False
    return acting.can_manage_owners or target.role != Role.OWNER


@register.filter
def pct(value: object) -> int:
    """A percentage as a whole number from 0 to 100, for the ``pct-N`` width classes (the
    Content-Security-Policy forbids style attributes)."""
    try:
        number = round(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    return max(0, min(100, number))
