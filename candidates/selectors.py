from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from candidates.models import CandidateInterview

if TYPE_CHECKING:
    from accounts.models import Team


def invite_status_counts(*, team: Team) -> dict[str, int]:
    """How many of the team's invites are in each status (every status present, zero or not)."""
    rows = (
        CandidateInterview.objects.for_team(team)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
    counts = {status: 0 for status in CandidateInterview.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def invite_recent_activity(*, team: Team, limit: int = 8) -> QuerySet[CandidateInterview]:
    """The team's invites that moved most recently."""
    return (
        CandidateInterview.objects.for_team(team)
        .exclude(status=CandidateInterview.Status.DRAFT)
        .select_related("candidate", "interview")
        .order_by("-updated_at")[:limit]
    )
