from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Membership
from accounts.tenancy import TeamScopedQuerySet
from candidates.models import (
    Answer,
    Candidate,
    CandidateInterview,
    Evaluation,
    ImportJob,
    InviteDelivery,
    Rating,
    Scorecard,
    ShareLink,
)
from candidates.scores import candidate_scores
from interviews.models import Interview
from interviews.selectors import interviews_visible, sees_all_interviews

if TYPE_CHECKING:
    from accounts.models import Team


def _team_invites(team: Team, membership: Membership | None) -> QuerySet[CandidateInterview]:
    if membership is None:
        return CandidateInterview.objects.for_team(team)
    return invites_visible(membership=membership)


def invite_status_counts(*, team: Team, membership: Membership | None = None) -> dict[str, int]:
    """How many of the team's invites are in each status (every status present, zero or not);
    with ``membership``, only the invites that member may see."""
    rows = _team_invites(team, membership).order_by().values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in CandidateInterview.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def invite_recent_activity(
    *, team: Team, limit: int = 8, membership: Membership | None = None
) -> QuerySet[CandidateInterview]:
    """The team's invites that moved most recently (with ``membership``, those it may see)."""
    return (
        _team_invites(team, membership)
        .exclude(status=CandidateInterview.Status.DRAFT)
        .select_related("candidate", "interview")
        .order_by("-updated_at")[:limit]
    )


def candidate_list(
    *,
    team: Team,
    filters: dict[str, str] | None = None,
    membership: Membership | None = None,
) -> QuerySet[Candidate]:
    """The team's candidates, each with ``invite_count`` and its latest invite's ``latest_status``,
    ``latest_interview`` (title) and ``latest_interview_id``.

    With ``membership``, only what that member may see (``candidates_visible``), and the
    invite columns count only the invites they may see.

    ``filters``: ``q`` (every word in the name, email, phone or external id), ``interview``
    (invited to it; the latest-invite columns then describe that interview's invite), ``status``
    (the latest invite's status, or "none" for candidates never invited).
    """
    filters = filters or {}
    invites: QuerySet[CandidateInterview] = CandidateInterview.objects.filter(
        candidate=OuterRef("pk")
    )
    if membership is not None:
        invites = restrict_invites(invites, membership=membership)
    count = invites.order_by().values("candidate").annotate(n=Count("pk")).values("n")
    if interview := filters.get("interview"):
        invites = invites.filter(interview_id=interview)
    latest = invites.order_by("-created_at", "-pk")
    base = (
        Candidate.objects.for_team(team)
        if membership is None
        else candidates_visible(membership=membership)
    )
    candidates = base.annotate(
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


def candidate_invites(
    *, candidate: Candidate, membership: Membership | None = None
) -> QuerySet[CandidateInterview]:
    """The candidate's invites, newest first, with their interviews (with ``membership``, only
    those the member may see)."""
    invites: QuerySet[CandidateInterview] = CandidateInterview.objects.filter(candidate=candidate)
    if membership is not None:
        invites = restrict_invites(invites, membership=membership)
    return invites.select_related("interview").order_by("-created_at")


def import_job_recent(*, team: Team, limit: int = 5) -> QuerySet[ImportJob]:
    """The team's latest imports, without their (large) parsed rows and errors."""
    return ImportJob.objects.for_team(team).defer("rows", "errors").order_by("-created_at")[:limit]


@dataclass(frozen=True)
class ImportProgress:
    """Where an import stands from upload to its last message: rows imported, candidates
    invited, and their messages sent, failed, waiting to retry, or still to go."""

    total: int
    imported: int
    invited: int
    invite_failed: int
    channels: int
    sent: int
    # Texts the console SMS provider printed: finished, but never "sent" (no phone got them).
    logged: int
    failed: int
    retrying: int
    pending: int
    # Texts and reminders waiting for the candidate's quiet hours to end.
    held: int = 0

    @property
    def expected(self) -> int:
        """Messages to send: the invited candidates' and those of the rows still to import."""
        return (self.invited + self.total - self.imported) * self.channels

    @property
    def percent(self) -> int:
        """One bar for both halves: rows imported and messages finished (sent or failed, or
        held for quiet hours: nothing more happens until the candidate's morning)."""
        units = self.total + self.expected
        finished = self.sent + self.logged + self.failed + self.held
        done = self.imported + min(finished, self.expected)
        return 100 if not units else min(100, 100 * done // units)

    @property
    def sending(self) -> bool:
        return bool(self.pending or self.retrying)


def import_job_progress(*, job: ImportJob) -> ImportProgress:
    """The import's progress: the job's counts, and its deliveries counted by status in one
    grouped query (``invitedelivery_import_status``)."""
    invite_failed = sum(1 for e in job.errors if e["field"] == "invite")
    by_status: dict[str, int] = {}
    if job.interview_id:
        counts = (
            InviteDelivery.objects.filter(import_job=job)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        by_status = dict(counts)
    Status = InviteDelivery.Status
    return ImportProgress(
        total=job.total,
        imported=job.processed,
        invited=job.processed - invite_failed if job.interview_id else 0,
        invite_failed=invite_failed,
        channels=len(job.delivery_types) if job.interview_id else 0,
        sent=by_status.get(Status.SENT, 0),
        logged=by_status.get(Status.LOGGED, 0),
        failed=by_status.get(Status.FAILED, 0),
        retrying=by_status.get(Status.RETRYING, 0),
        pending=by_status.get(Status.QUEUED, 0) + by_status.get(Status.SENDING, 0),
        held=by_status.get(Status.HELD, 0),
    )


# --- what a member may see: the interviews rule (``interviews.selectors``) applied to invites


def invites_visible(*, membership: Membership) -> TeamScopedQuerySet[CandidateInterview]:
    """The team's candidate interviews that the member may see (see ``interviews_visible``)."""
    qs = CandidateInterview.objects.for_team(membership.team)
    if sees_all_interviews(membership):
        return qs
    return qs.filter(interview__reviewers=membership.user_id)


def candidates_visible(*, membership: Membership) -> TeamScopedQuerySet[Candidate]:
    """The team's candidates the member may see: hiring managers see a candidate only through
    an invite to an interview shared with them."""
    qs = Candidate.objects.for_team(membership.team)
    if sees_all_interviews(membership):
        return qs
    return qs.filter(
        Exists(invites_visible(membership=membership).filter(candidate=OuterRef("pk")))
    )


def restrict_invites(
    invites: QuerySet[CandidateInterview], *, membership: Membership
) -> QuerySet[CandidateInterview]:
    """``invites`` narrowed to those the member may see (unchanged for who sees everything)."""
    if sees_all_interviews(membership):
        return invites
    return invites.filter(interview__in=interviews_visible(membership=membership))


# --- share links


def share_link_list(*, interview: Interview) -> QuerySet[ShareLink]:
    """The interview's share links, newest first, with who made them and whom they show."""
    return (
        ShareLink.objects.filter(interview=interview)
        .select_related("created_by")
        .prefetch_related(
            Prefetch(
                "candidate_interviews",
                queryset=CandidateInterview.objects.select_related("candidate").order_by(
                    "candidate__last_name", "candidate__first_name"
                ),
            )
        )
        .order_by("-created_at")
    )


def share_link_invites(*, link: ShareLink) -> QuerySet[CandidateInterview]:
    """The shortlist behind a link, each with ``answered`` (questions with a submitted answer)."""
    return (
        link.candidate_interviews.select_related("candidate")
        .annotate(
            answered=Count(
                "answers__interview_question",
                filter=Q(answers__submitted_at__isnull=False),
                distinct=True,
            )
        )
        .order_by("candidate__last_name", "candidate__first_name")
    )


def share_answers(*, invite: CandidateInterview) -> list[Answer]:
    """The invite's submitted answers in question order (latest attempt per question), each with
    its question, survey choices and current AI evaluation loaded."""
    answers = (
        Answer.objects.filter(candidate_interview=invite, submitted_at__isnull=False)
        .select_related(
            "interview_question__audio_question",
            "interview_question__survey_question",
            "interview_question__ai_text_question",
        )
        .prefetch_related(
            "selected_options",
            Prefetch(
                "evaluations",
                queryset=Evaluation.objects.filter(
                    is_current=True, status=Evaluation.Status.COMPLETED
                ).prefetch_related("scores"),
                to_attr="current_evaluations",
            ),
        )
        .order_by("interview_question__ordinal", "-attempt")
    )
    latest: dict[Any, Answer] = {}
    for answer in answers:
        latest.setdefault(answer.interview_question_id or answer.pk, answer)
    return list(latest.values())


def share_overall_evaluation(*, invite: CandidateInterview) -> Evaluation | None:
    """The invite's current whole-interview AI evaluation, if one completed."""
    return (
        Evaluation.objects.filter(
            candidate_interview=invite,
            answer__isnull=True,
            is_current=True,
            status=Evaluation.Status.COMPLETED,
        )
        .prefetch_related("scores")
        .order_by("-version")
        .first()
    )


def scorecard_aggregate(*, invite: CandidateInterview) -> dict[str, Any]:
    """The submitted scorecards of an invite, summed up without naming the reviewers:
    ``scores`` (``candidates.scores.Scores``: the reviewer and AI figures every page shows),
    ``count``, ``criteria`` (name, average, ratings) and ``recommendations`` (label, count)."""
    scorecards = Scorecard.objects.filter(candidate_interview=invite, submitted_at__isnull=False)
    criteria = (
        Rating.objects.filter(scorecard__in=scorecards)
        .values("criterion__name", "criterion__ordinal")
        .annotate(average=Avg("score"), ratings=Count("pk"))
        .order_by("criterion__ordinal", "criterion__name")
    )
    recommendations = (
        scorecards.exclude(recommendation="")
        .values("recommendation")
        .annotate(n=Count("pk"))
        .order_by("recommendation")
    )
    labels = dict(Scorecard.Recommendation.choices)
    return {
        "scores": candidate_scores([invite])[invite.pk],
        "count": scorecards.count(),
        "criteria": [
            {"name": c["criterion__name"], "average": c["average"], "ratings": c["ratings"]}
            for c in criteria
        ],
        "recommendations": [
            (labels.get(r["recommendation"], r["recommendation"]), r["n"]) for r in recommendations
        ],
    }


def alternative_requests_open(*, membership: Membership) -> QuerySet[CandidateInterview]:
    """Invites whose candidate asked for an alternative process that nobody handled yet:
    a task for recruiters, oldest first."""
    return (
        invites_visible(membership=membership)
        .filter(alternative_requested_at__isnull=False, alternative_resolved_at__isnull=True)
        .select_related("candidate", "interview")
        .order_by("alternative_requested_at")
    )


ATTENTION_EXPIRED_DAYS = 30


def invites_needing_attention(*, membership: Membership, limit: int = 10) -> dict[str, list[Any]]:
    """The home page's "Needs attention" lists, each oldest first and at most ``limit`` long:
    candidates who asked for another way to be assessed and are still waiting for an answer,
    invites that expired in the last 30 days without being completed (send a new link or let
    them go), and open invites whose latest delivery failed (fix the address, send again)."""
    from datetime import timedelta

    from django.utils import timezone

    visible = invites_visible(membership=membership).select_related("candidate", "interview")
    since = timezone.now() - timedelta(days=ATTENTION_EXPIRED_DAYS)
    expired = visible.filter(
        status=CandidateInterview.Status.EXPIRED, expires_at__gte=since
    ).order_by("-expires_at")[:limit]
    latest = InviteDelivery.objects.filter(candidate_interview=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    failed = (
        visible.filter(
            status__in=[CandidateInterview.Status.INVITED, CandidateInterview.Status.IN_PROGRESS],
            # Only invites with a failed delivery at all (a small partial index), then the
            # latest one: open invites are most of a big team's.
            pk__in=InviteDelivery.objects.filter(status=InviteDelivery.Status.FAILED).values(
                "candidate_interview_id"
            ),
        )
        .annotate(latest_delivery=Subquery(latest.values("status")[:1]))
        .filter(latest_delivery=InviteDelivery.Status.FAILED)
        .order_by("created_at")[:limit]
    )
    alternative = visible.filter(
        alternative_requested_at__isnull=False, alternative_resolved_at__isnull=True
    ).order_by("alternative_requested_at")[:limit]
    # Requests for an accommodation: for those who may grant them (recruiters and up) only.
    accommodation = (
        visible.filter(
            accommodation_requested_at__isnull=False, accommodation_resolved_at__isnull=True
        ).order_by("accommodation_requested_at")[:limit]
        if membership.can_author
        else []
    )
    return {
        "alternative": list(alternative),
        "accommodation": list(accommodation),
        "expired": list(expired),
        "failed_delivery": list(failed),
    }
