from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from interviews.models import Interview

if TYPE_CHECKING:
    from accounts.models import Team


def interview_list(*, team: Team, include_archived: bool = False) -> QuerySet[Interview]:
    """The team's interviews with their question count and invite counts by status."""
    interviews = Interview.objects.for_team(team)
    if not include_archived:
        interviews = interviews.exclude(status=Interview.Status.ARCHIVED)
    return interviews.annotate(
        question_count=Count("items", distinct=True),
        invited_count=Count(
            "invites", filter=Q(invites__status__in=["INVITED", "IN_PROGRESS"]), distinct=True
        ),
        completed_count=Count("invites", filter=Q(invites__status="COMPLETED"), distinct=True),
    ).order_by("-created_at")
