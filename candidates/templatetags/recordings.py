"""Template filters for the answer player."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def clock(seconds: object) -> str:
    """Seconds as a player shows them, whole seconds down as browsers count (a container's
    length a few milliseconds short of a second counts as it): ``83.9`` → "1:23",
    ``3.98`` → "0:04", ``3725`` → "1:02:05"."""
    try:
        whole = max(int(float(seconds) + 0.05), 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def iso_duration(seconds: object) -> str:
    """Seconds as an ISO 8601 duration for ``<time datetime>``: ``83.4`` → "PT83S"."""
    try:
        return f"PT{max(round(float(seconds)), 0)}S"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""


@register.filter
def mime(content_type: str) -> str:
    """A content type without its parameters: 'video/mp4; codecs="avc1"' → "video/mp4"."""
    return (content_type or "").split(";", 1)[0].strip()
