"""Writes of the fairness settings: the score at which AI advice counts as passing."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import audit_record
from accounts.models import Team

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def team_ai_threshold_update(
    *, team: Team, threshold: Decimal, by: User | None, ip: str | None = None
) -> Team:
    """Set the team's ``ai_pass_threshold`` (1 to 5, one decimal); audited when it changes.
    Raises ``ValidationError`` naming the field for a value out of range."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    old = team.ai_pass_threshold
    team.ai_pass_threshold = threshold
    try:
        team.clean_fields(
            exclude=[f.name for f in Team._meta.fields if f.name != "ai_pass_threshold"]
        )
    except ValidationError as exc:
        raise ValidationError({"ai_pass_threshold": exc.message_dict["ai_pass_threshold"]}) from exc
    if team.ai_pass_threshold != old:
        team.save(update_fields=["ai_pass_threshold"])
        audit_record(
            action="team.ai_threshold_updated",
            actor=by,
            team=team,
            obj=team,
            ip=ip,
            data={"from": str(old), "to": str(team.ai_pass_threshold)},
        )
    return team
