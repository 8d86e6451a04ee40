"""``{% load panelist %}``: form controls, status badges and percentage widths for templates."""

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from kit import badges

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


register.filter("status_css", badges.status_css)


@register.filter
def pct(value: object) -> int:
    """A percentage as a whole number from 0 to 100, for the ``pct-N`` width classes (the
    Content-Security-Policy forbids style attributes)."""
    try:
        number = round(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    return max(0, min(100, number))
