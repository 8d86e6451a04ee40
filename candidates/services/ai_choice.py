"""The human-only lane: where the team allows it, a candidate may decline AI evaluation.

A declined candidate's recordings are still transcribed (reviewers read them) and survey
answers still scored by their fixed rules, but no answer is ever AI-evaluated and no AI report
or summary is made: not by the pipeline, not by a recruiter's re-run, not through the API.
Nothing else about their process changes (same questions, same reviewers, same decision).

The choice is made on the consent page, before the first answer, and is **final**: a candidate
cannot take it back, even before hand-in, so nobody is AI-scored after once saying no (and no
one can talk them out of it mid-interview). It is recorded with its time and the notice version
the candidate saw, and audited. A team that later stops offering the choice does not undo past
ones: the invite's own ``ai_declined_at`` is what every check reads
(``CandidateInterview.ai_evaluation_declined``, the one predicate).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from candidates.models import CandidateInterview, Evaluation, EvaluationRun
from candidates.notices import notice_version, uses_ai_evaluation
from kit import limits
from kit.limits import clip

Status = CandidateInterview.Status

# What re-runs and the API answer for a declined candidate (an error about the invite's state).
DECLINED_FIELD = "ai_evaluation"
DECLINED_MESSAGE = (
    "The candidate declined AI evaluation: their answers are reviewed by people only and are "
    "never AI-scored or summarised."
)


def ai_decline_offered(*, invite: CandidateInterview) -> bool:
    """Whether the consent page offers ``invite``'s candidate to decline AI evaluation: the
    team allows it, the interview uses AI evaluation, and the interview is not handed in."""
    return (
        invite.team.ai_decline_allowed
        and not invite.ai_evaluation_declined
        and invite.status in (Status.INVITED, Status.IN_PROGRESS)
        and uses_ai_evaluation(invite.interview)
    )


def ai_evaluation_refuse(invite: CandidateInterview) -> None:
    """Raise ValidationError (``ai_evaluation``) when ``invite`` must not be AI-evaluated: the
    guard of every AI evaluation, report and re-run."""
    if invite.ai_evaluation_declined:
        raise ValidationError({DECLINED_FIELD: DECLINED_MESSAGE})


@transaction.atomic
def ai_evaluation_decline(*, invite: CandidateInterview, ip: str | None) -> CandidateInterview:
    """The candidate declines AI evaluation of their answers. Idempotent (a second decline
    changes nothing). Only while the team allows it and before hand-in (ValidationError
    ``ai_decline`` otherwise). Evaluations made before the choice (possible only when it is
    made after an answer) are deleted and pending re-runs given up: the candidate's "no"
    covers the whole interview."""
    locked = (
        CandidateInterview.objects.select_for_update()
        .select_related("team", "interview")
        .get(pk=invite.pk)
    )
    if locked.ai_evaluation_declined:
        return locked
    if not locked.team.ai_decline_allowed:
        raise ValidationError(
            {"ai_decline": _("This team does not offer an interview without AI.")}
        )
    if locked.status not in (Status.INVITED, Status.IN_PROGRESS):
        raise ValidationError(
            {"ai_decline": _("This interview is already handed in or closed; it cannot change.")}
        )
    locked.ai_declined_at = timezone.now()
    locked.ai_declined_notice_version = notice_version(team=locked.team)
    locked.save(update_fields=["ai_declined_at", "ai_declined_notice_version", "updated_at"])
    EvaluationRun.objects.filter(
        candidate_interview=locked, status__in=EvaluationRun.PENDING
    ).update(
        status=EvaluationRun.Status.FAILED,
        error=clip(DECLINED_MESSAGE, limits.REASON),
        finished_at=locked.ai_declined_at,
    )
    _total, by_model = Evaluation.objects.filter(candidate_interview=locked).delete()
    audit_record(
        action="invite.ai_declined",
        team=locked.team,
        obj=locked,
        ip=ip,
        actor_label="candidate",
        data={
            "notice_version": locked.ai_declined_notice_version,
            "evaluations_removed": by_model.get(Evaluation._meta.label, 0),
        },
    )
    return locked
