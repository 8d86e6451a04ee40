from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Membership, Role
from candidates.models import Candidate, CandidateInterview, ImportJob
from interviews.models import Interview

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


def candidate_list(*, team: Team, filters: dict[str, str] | None = None) -> QuerySet[Candidate]:
    """The team's candidates, each with ``invite_count`` and its latest invite's ``latest_status``,
    ``latest_interview`` (title) and ``latest_interview_id``.

    ``filters``: ``q`` (every word in the name, email, phone or external id), ``interview``
    (invited to it; the latest-invite columns then describe that interview's invite), ``status``
    (the latest invite's status, or "none" for candidates never invited).
    """
    filters = filters or {}
    invites = CandidateInterview.objects.filter(candidate=OuterRef("pk"))
    if interview := filters.get("interview"):
        invites = invites.filter(interview_id=interview)
    latest = invites.order_by("-created_at", "-pk")
    count = (
        CandidateInterview.objects.filter(candidate=OuterRef("pk"))
        .order_by()
        .values("candidate")
        .annotate(n=Count("pk"))
        .values("n")
    )
    candidates = Candidate.objects.for_team(team).annotate(
        invite_count=Coalesce(Subquery(count), 0),
        latest_status=Subquery(latest.values("status")[:1]),
        latest_interview=Subquery(latest.values("interview__title")[:1]),
        latest_interview_id=Subquery(latest.values("interview_id")[:1]),
    )
    if interview:
        candidates = candidates.filter(Exists(invites))
    if status := filters.get("status"):
        if status == "none":
            candidates = candidates.filter(latest_status__isnull=True)
        else:
            candidates = candidates.filter(latest_status=status)
    for word in (filters.get("q") or "").split():
        match = (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(external_id__icontains=word)
        )
        # Phones are stored as +14155550123; let "415-555" or "(415)" find them too.
        digits = re.sub(r"[^\d+]", "", word)
        if any(c.isdigit() for c in digits):
            match |= Q(phone__contains=digits)
        candidates = candidates.filter(match)
    return candidates.order_by("-created_at")


def candidate_invites(*, candidate: Candidate) -> QuerySet[CandidateInterview]:
    """The candidate's invites, newest first, with their interviews."""
    return (
        CandidateInterview.objects.filter(candidate=candidate)
        .select_related("interview")
        .order_by("-created_at")
    )


def import_job_recent(*, team: Team, limit: int = 5) -> QuerySet[ImportJob]:
    """The team's latest imports, without their (large) parsed rows and errors."""
    return ImportJob.objects.for_team(team).defer("rows", "errors").order_by("-created_at")[:limit]


# --- what a member may see: hiring managers see only the interviews shared with them


def sees_all_interviews(membership: Membership) -> bool:
    """Owners, admins and recruiters see every interview of the team; hiring managers only those
    they were added to as reviewers."""
    return membership.role != Role.HIRING_MANAGER


def interviews_visible(*, membership: Membership) -> QuerySet[Interview]:
    """The interviews of the member's team that the member may see."""
    qs = Interview.objects.for_team(membership.team)
    if sees_all_interviews(membership):
        return qs
    return qs.filter(reviewers=membership.user_id)


def invites_visible(*, membership: Membership) -> QuerySet[CandidateInterview]:
    """The team's candidate interviews that the member may see (see ``interviews_visible``)."""
    qs = CandidateInterview.objects.for_team(membership.team)
    if sees_all_interviews(membership):
        return qs
    return qs.filter(interview__reviewers=membership.user_id)
