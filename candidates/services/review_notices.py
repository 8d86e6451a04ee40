"""Telling reviewers about completed candidates: an email for each (``each``), one email a day
listing them (``daily``), or nothing (``none``: the home page's "Waiting for your scorecard"
lists them anyway). Each reviewer hears of a completion once, whichever way: a
``ReviewNotice`` row is written with the email, so a retried task or a second digest sends
nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from accounts.permissions import Perm, role_can
from candidates.models import CandidateInterview, ReviewNotice, Scorecard

if TYPE_CHECKING:
    from collections.abc import Iterable

Status = CandidateInterview.Status
DIGEST_WINDOW = timedelta(days=7)  # a digest looks back this far for completions not yet told
DIGEST_MAX_LINES = 50  # candidates named in one digest; the rest are counted


def _reviewing_roles() -> list[str]:
    return [role for role in Membership.Role.values if role_can(role, Perm.REVIEW)]


def reviewers_to_tell(*, invite: CandidateInterview, mode: str) -> list[User]:
    """The interview's reviewers who chose ``mode``, are active, still members of its team with
    a role that reviews, have not been told of ``invite`` and have not rated it yet."""
    members = Membership.objects.filter(
        team_id=invite.team_id, role__in=_reviewing_roles(), user=OuterRef("pk")
    )
    told = ReviewNotice.objects.filter(user=OuterRef("pk"), candidate_interview=invite)
    rated = Scorecard.objects.filter(
        reviewer=OuterRef("pk"), candidate_interview=invite, submitted_at__isnull=False
    )
    return list(
        invite.interview.reviewers.filter(is_active=True, review_emails=mode)
        .filter(Exists(members))
        .exclude(Exists(told))
        .exclude(Exists(rated))
        .order_by("email")
    )


def _queue_url() -> str:
    return settings.SITE_URL + reverse("dashboard:home")


def _review_url(invite: CandidateInterview) -> str:
    return settings.SITE_URL + reverse("candidates:invite_review", args=[invite.pk]) + "?queue=mine"


def _told(user: User, invite: CandidateInterview, kind: str) -> bool:
    """Record that ``user`` is told of ``invite``; False when they already were."""
    try:
        with transaction.atomic():
            ReviewNotice.objects.create(user=user, candidate_interview=invite, kind=kind)
    except IntegrityError:
        return False
    return True


def review_notify_completed(*, invite_id: str) -> int:
    """Email each reviewer who chose ``each`` that the invite's candidate completed. Returns how
    many were emailed (0 when the invite is gone, not completed, or everyone was told)."""
    invite = (
        CandidateInterview.objects.select_related("candidate", "interview", "team")
        .filter(pk=invite_id, status=Status.COMPLETED)
        .first()
    )
    if invite is None:
        return 0
    sent = 0
    for user in reviewers_to_tell(invite=invite, mode=User.ReviewEmails.EACH):
        with transaction.atomic():
            if not _told(user, invite, ReviewNotice.Kind.EACH):
                continue
            context = {
                "user": user,
                "candidate": invite.candidate.full_name,
                "interview": invite.interview.title,
                "team": invite.team.name,
                "url": _review_url(invite),
                "queue_url": _queue_url(),
                "settings_url": settings.SITE_URL + reverse("accounts:notifications"),
            }
            # Raises on a mail failure: the notice rolls back and the task retries.
            send_mail(
                f"{context['candidate']} completed {context['interview']}: ready for your review",
                render_to_string("emails/review_completed.txt", context),
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
        sent += 1
    return sent


def _digest_candidates(user: User, since: datetime) -> list[CandidateInterview]:
    """Completed invites of the interviews ``user`` reviews (in teams where they still review)
    since ``since``, not yet told to them and not yet rated by them, oldest first."""
    teams = Membership.objects.filter(user=user, role__in=_reviewing_roles()).values("team_id")
    told = ReviewNotice.objects.filter(user=user, candidate_interview=OuterRef("pk"))
    rated = Scorecard.objects.filter(
        reviewer=user, candidate_interview=OuterRef("pk"), submitted_at__isnull=False
    )
    return list(
        CandidateInterview.objects.filter(
            Q(status=Status.COMPLETED) & Q(completed_at__gte=since),
            team_id__in=teams,
            interview__reviewers=user,
        )
        .exclude(Exists(told))
        .exclude(Exists(rated))
        .select_related("candidate", "interview", "team")
        .order_by("completed_at", "pk")
    )


def review_digest_send(*, now: datetime | None = None, users: Iterable[User] | None = None) -> int:
    """One email to each reviewer who chose ``daily``, listing the candidates completed in the
    last week in interviews they review that they were not told of yet (nothing when there are
    none). Returns how many emails were sent."""
    now = now or timezone.now()
    since = now - DIGEST_WINDOW
    people = (
        users
        if users is not None
        else User.objects.filter(is_active=True, review_emails=User.ReviewEmails.DAILY).order_by(
            "email"
        )
    )
    sent = 0
    for user in people:
        invites = _digest_candidates(user, since)
        if not invites:
            continue
        with transaction.atomic():
            fresh = [i for i in invites if _told(user, i, ReviewNotice.Kind.DIGEST)]
            if not fresh:
                continue
            lines = [
                {
                    "candidate": i.candidate.full_name,
                    "interview": i.interview.title,
                    "team": i.team.name,
                    "completed_at": i.completed_at,
                    "url": _review_url(i),
                }
                for i in fresh[:DIGEST_MAX_LINES]
            ]
            context = {
                "user": user,
                "lines": lines,
                "more": max(0, len(fresh) - DIGEST_MAX_LINES),
                "count": len(fresh),
                "queue_url": _queue_url(),
                "settings_url": settings.SITE_URL + reverse("accounts:notifications"),
            }
            plural = "s" if len(fresh) != 1 else ""
            send_mail(
                f"{len(fresh)} candidate{plural} waiting for your scorecard",
                render_to_string("emails/review_digest.txt", context),
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
        sent += 1
    return sent


def review_notices_enqueue(*, invite: CandidateInterview) -> None:
    """After the completion commits, email the reviewers who want each completion."""
    from candidates.tasks import review_notify_completed_task

    invite_id = str(invite.pk)
    transaction.on_commit(lambda: review_notify_completed_task.delay(invite_id))
