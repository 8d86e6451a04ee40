"""Reviewing a candidate interview: scorecards, comments with @mentions, the recruiter's
decision, and a reviewer's override of an AI criterion score.

Mentions: ``@`` followed by a team member's email (``@jane@acme.test``) or by their full name
in lower case with dots for spaces (``@jane.doe`` for "Jane Doe"). Only members who can see the
interview are matched; each is emailed a link to the review page once the comment is saved.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Membership, Role, User
from candidates.analytics import interview_analytics_changed
from candidates.models import (
    Answer,
    CandidateInterview,
    Comment,
    CriterionScore,
    Rating,
    Scorecard,
)
from candidates.services.candidate_messages import decision_message_schedule
from interviews.models import ScorecardTemplate
from interviews.selectors import interview_scorecard_template
from kit import limits
from webhooks.services import (
    candidate_interview_decided,
    evaluation_overridden,
    scorecard_submitted,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_NOTE = limits.COMMENT
MAX_COMMENT = limits.COMMENT
_MENTION = re.compile(
    r"(?<![\w@.])@([A-Za-z0-9._%+'-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)", re.UNICODE
)


def _template_of(invite: CandidateInterview) -> ScorecardTemplate | None:
    return interview_scorecard_template(invite.interview)


@transaction.atomic
def scorecard_save(
    *,
    invite: CandidateInterview,
    reviewer: User,
    ratings: Iterable[dict[str, Any]],
    recommendation: str,
    notes: str,
    submit: bool,
) -> Scorecard:
    """Save the reviewer's scorecard for ``invite`` (one per reviewer), as a draft or submitted.

    ``ratings``: ``{"criterion": <ScorecardCriterion id>, "score": 1-5 or None, "note": str}``.
    Errors name the form field: ``score_<criterion id>``, ``note_<criterion id>``,
    ``recommendation``, ``notes``. Submitting needs every criterion rated and a
    recommendation; a draft may be partial. Nothing is saved when anything is invalid.
    """
    template = _template_of(invite)
    if template is None:
        raise ValidationError({"ratings": "This interview has no scorecard to rate."})
    criteria = {str(c.pk): c for c in template.criteria.all()}
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[int | None, str]] = {}
    for row in ratings:
        key = str(row.get("criterion", ""))
        if key not in criteria:
            errors[f"score_{key}"] = (
                f"score_{key}: not a criterion of this interview's scorecard "
                "(reload the page: the scorecard may have changed)."
            )
            continue
        raw = row.get("score")
        score: int | None
        if raw in (None, ""):
            score = None
        else:
            try:
                score = int(raw)
            except (TypeError, ValueError):
                score = 0
            if not 1 <= score <= 5:
                errors[f"score_{key}"] = (
                    f"{criteria[key].name}: choose a score from 1 to 5 (got {raw})."
                )
                continue
        note = str(row.get("note") or "").strip()
        if len(note) > MAX_NOTE:
            errors[f"note_{key}"] = f"{criteria[key].name}: at most {MAX_NOTE} characters."
            continue
        cleaned[key] = (score, note)
    if recommendation and recommendation not in Scorecard.Recommendation.values:
        errors["recommendation"] = "Choose strong yes, yes, no or strong no."
    notes = notes.strip()
    if len(notes) > MAX_NOTE:
        errors["notes"] = f"At most {MAX_NOTE} characters."
    if submit and not errors:
        for key, criterion in criteria.items():
            if cleaned.get(key, (None, ""))[0] is None:
                errors[f"score_{key}"] = f"{criterion.name}: rate it from 1 to 5 to submit."
        if not recommendation:
            errors["recommendation"] = "Choose a recommendation to submit."
    if errors:
        raise ValidationError(errors)

    scorecard, _ = Scorecard.objects.select_for_update().get_or_create(
        candidate_interview=invite, reviewer=reviewer, defaults={"template": template}
    )
    scorecard.template = template
    scorecard.recommendation = recommendation
    scorecard.notes = notes
    newly_submitted = submit and scorecard.submitted_at is None
    if newly_submitted:
        scorecard.submitted_at = timezone.now()
    scorecard.save()
    existing = {str(r.criterion_id): r for r in scorecard.ratings.all()}
    for key, (score, note) in cleaned.items():
        rating = existing.get(key)
        if score is None:
            if rating is not None:
                rating.delete()
            continue
        if rating is None:
            Rating.objects.create(
                scorecard=scorecard, criterion=criteria[key], score=score, note=note
            )
        elif (rating.score, rating.note) != (score, note):
            rating.score, rating.note = score, note
            rating.save(update_fields=["score", "note"])
    if newly_submitted:
        audit_record(
            action="scorecard.submitted",
            actor=reviewer,
            team=invite.team,
            obj=invite,
            data={"recommendation": recommendation},
        )
        scorecard_submitted(scorecard=scorecard)
    interview_analytics_changed(interview_id=invite.interview_id)
    return scorecard


@transaction.atomic
def criterion_score_override(
    *, score: CriterionScore, value: int, reason: str, by: User
) -> CriterionScore:
    """A reviewer's score for an AI criterion score, with the reason. The AI's stays in
    ``score``; both are shown."""
    errors = {}
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        errors["value"] = "Choose a score from 1 to 5."
    reason = " ".join(reason.split())
    if not reason:
        errors["reason"] = "Say why you change the AI's score."
    elif len(reason) > limits.OVERRIDE_REASON:
        errors["reason"] = f"At most {limits.OVERRIDE_REASON} characters."
    if errors:
        raise ValidationError(errors)
    before = score.override_score
    score.override_score = value
    score.override_reason = reason
    score.overridden_by = by
    score.overridden_at = timezone.now()
    score.save(
        update_fields=["override_score", "override_reason", "overridden_by", "overridden_at"]
    )
    invite = score.evaluation.candidate_interview
    audit_record(
        action="evaluation.score_overridden",
        actor=by,
        team=invite.team,
        obj=invite,
        data={
            "criterion": score.criterion_name,
            "ai_score": score.score,
            "previous_override": before,
            "override": value,
            "reason": reason,
        },
    )
    evaluation_overridden(score=score, previous=before)
    return score


@transaction.atomic
def candidate_interview_decide(
    *, invite: CandidateInterview, decision: str, by: User
) -> CandidateInterview:
    """Record the recruiter's decision (advance, hold, reject). Never set automatically."""
    if decision not in CandidateInterview.Decision.values:
        raise ValidationError({"decision": "Choose advance, hold or reject."})
    if invite.status != CandidateInterview.Status.COMPLETED:
        raise ValidationError(
            {"decision": "Decide once the candidate has completed the interview."}
        )
    previous = invite.decision
    invite.decision = decision
    invite.decided_at = timezone.now()
    invite.decided_by = by
    invite.save(update_fields=["decision", "decided_at", "decided_by", "updated_at"])
    audit_record(
        action="invite.decided",
        actor=by,
        team=invite.team,
        obj=invite,
        data={"decision": decision, "previous": previous},
    )
    candidate_interview_decided(invite=invite, previous=previous, by=by)
    decision_message_schedule(invite=invite)
    interview_analytics_changed(interview_id=invite.interview_id)
    return invite


BULK_DECIDE_MAX = 100


@transaction.atomic
def invite_decide_bulk(
    *, invites: list[CandidateInterview], decision: str, by: User
) -> list[CandidateInterview]:
    """Record one decision for several candidates at once, all or none: each goes through
    ``candidate_interview_decide`` (one ``invite.decided`` audit event each)."""
    if not invites:
        raise ValidationError({"ids": "Select at least one candidate."})
    if len(invites) > BULK_DECIDE_MAX:
        raise ValidationError(
            {"ids": f"Decide for at most {BULK_DECIDE_MAX} candidates at a time."}
        )
    if decision not in CandidateInterview.Decision.values:
        raise ValidationError({"decision": "Choose advance, hold or reject."})
    pending = [i for i in invites if i.status != CandidateInterview.Status.COMPLETED]
    if pending:
        names = ", ".join(i.candidate.full_name for i in pending)
        raise ValidationError(
            {"ids": f"Decide once the candidates have completed the interview (not yet: {names})."}
        )
    return [candidate_interview_decide(invite=i, decision=decision, by=by) for i in invites]


# --- comments


def _members_who_see(invite: CandidateInterview) -> list[User]:
    memberships = Membership.objects.filter(team_id=invite.team_id).select_related("user")
    reviewers = set(invite.interview.reviewers.values_list("pk", flat=True))
    return [
        m.user
        for m in memberships
        if m.user.is_active and (m.role != Role.HIRING_MANAGER or m.user.pk in reviewers)
    ]


def mention_handle(user: User) -> str:
    """The ``@first.last`` handle of a member (their email when they have no name)."""
    name = ".".join(user.full_name.lower().split())
    return name or user.email.lower()


def mentions_in(body: str, members: list[User]) -> list[User]:
    """The members ``body`` mentions, in order of first mention."""
    by_handle: dict[str, User] = {}
    for user in members:
        by_handle[user.email.lower()] = user
        by_handle.setdefault(mention_handle(user), user)
    found: list[User] = []
    for match in _MENTION.finditer(body):
        handle = match.group(1).lower().rstrip(".'-")
        member = by_handle.get(handle)
        if member is not None and member not in found:
            found.append(member)
    return found


def review_url(invite: CandidateInterview) -> str:
    return settings.SITE_URL + reverse("candidates:invite_review", args=[invite.pk])


def _email_mention(comment: Comment, user: User, url: str) -> None:
    from accounts.tasks import send_email

    invite = comment.candidate_interview
    context = {
        "comment": comment,
        "author": comment.author.display_name if comment.author else "A teammate",
        "candidate": invite.candidate.full_name,
        "interview": invite.interview.title,
        "question": comment.answer.interview_question if comment.answer else None,
        "url": url,
    }
    subject = f"{context['author']} mentioned you about {context['candidate']}"
    send_email.delay(
        subject,
        render_to_string("emails/mention.txt", context),
        [user.email],
        render_to_string("emails/mention.html", context),
    )


@transaction.atomic
def comment_create(
    *, invite: CandidateInterview, answer: Answer | None, author: User, body: str
) -> Comment:
    """A comment on an answer (or on the whole interview when ``answer`` is None). Mentioned
    members are emailed a link to the review page after the comment is committed."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write a comment first."})
    if len(body) > MAX_COMMENT:
        raise ValidationError({"body": f"At most {MAX_COMMENT} characters."})
    if answer is not None and answer.candidate_interview_id != invite.pk:
        raise ValidationError({"answer": "That answer belongs to another candidate interview."})
    comment = Comment.objects.create(
        candidate_interview=invite, answer=answer, author=author, body=body
    )
    mentioned = [u for u in mentions_in(body, _members_who_see(invite)) if u.pk != author.pk]
    if mentioned:
        comment.mentions.set(mentioned)
        url = review_url(invite) + (f"#answer-{answer.pk}" if answer else "#comments")
        for user in mentioned:
            transaction.on_commit(
                lambda user=user: _email_mention(comment, user, url)  # type: ignore[misc]
            )
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, by: User) -> None:
    """Delete a comment; only its author may."""
    if comment.author_id != by.pk:
        raise PermissionDenied("You can delete only your own comments.")
    comment.delete()
