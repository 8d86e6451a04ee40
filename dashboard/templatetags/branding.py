"""``{% candidate_brand as brand %}``: the branding of the team whose candidate page this is."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.branding import Brand, team_brand
from accounts.models import Team

register = template.Library()


@register.simple_tag(takes_context=True)
def candidate_brand(context: Any) -> Brand | None:
    """From the page's ``invite``, ``interview`` or ``team``, whichever it has; None if none."""
    for name in ("invite", "interview"):
        team = getattr(context.get(name), "team", None)
        if isinstance(team, Team):
            return team_brand(team)
    team = context.get("team")
    return team_brand(team) if isinstance(team, Team) else None
