"""What the candidate runner writes: consent, the fixed question order, survey and written
answers, completion. Recorded answers arrive through the upload endpoint (uploads app)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.analytics import interview_analytics_changed
from candidates.models import Answer, CandidateInterview, SelfIdentification
from candidates.notices import notice_version
from candidates.services.integrity import integrity_noted
from candidates.services.invites import candidate_interview_transition
from candidates.services.processing import (
    answer_process_enqueue,
    candidate_interview_process_enqueue,
)
from interviews.models import InterviewQuestion, SurveyOption, SurveyQuestion
from interviews.selectors import interview_items
from kit import limits

if TYPE_CHECKING:
    from collections.abc import Sequence

Status = CandidateInterview.Status
SurveyType = SurveyQuestion.SurveyType

# An answer counts once every byte is on the server (recorded) or it was saved (typed).
DONE_STATUSES = (Answer.Status.SUBMITTED, Answer.Status.PROCESSING, Answer.Status.PROCESSED)


class RunnerClosed(Exception):
    """The invite no longer accepts answers; ``reason`` names why (for the friendly page)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def runner_check_open(invite: CandidateInterview) -> None:
    """Raise ``RunnerClosed`` unless the candidate may still answer (moves a lapsed invite
    to EXPIRED on the way)."""
    if invite.status == Status.COMPLETED:
        raise RunnerClosed("completed")
    if invite.status == Status.CANCELLED:
        raise RunnerClosed("cancelled")
    if invite.status == Status.EXPIRED:
        raise RunnerClosed("expired")
    if invite.status == Status.DRAFT:
        raise RunnerClosed("draft")
    if invite.is_expired:
        candidate_interview_transition(invite=invite, to=Status.EXPIRED)
        raise RunnerClosed("expired")
    if not invite.interview.accepts_answers:
        raise RunnerClosed("paused")


@transaction.atomic
def runner_question_order(*, invite: CandidateInterview) -> list[InterviewQuestion]:
    """The invite's questions in the order it gets them, fixed on first use: every question by
    ordinal, or the interview's random subset (kept in that ordinal order)."""
    items = interview_items(interview=invite.interview)
    by_id = {str(i.pk): i for i in items}
    if not invite.question_order:
        chosen = items
        count = invite.interview.random_question_count
        if count and count < len(items):
            picked = set(random.sample([str(i.pk) for i in items], count))
            chosen = [i for i in items if str(i.pk) in picked]
        invite.question_order = [str(i.pk) for i in chosen]
        CandidateInterview.objects.filter(pk=invite.pk).update(question_order=invite.question_order)
    # A question removed from the interview since is skipped; the rest keep their place.
    return [by_id[pk] for pk in invite.question_order if pk in by_id]


def runner_answers(*, invite: CandidateInterview) -> dict[str, Answer]:
    """This attempt's answers by InterviewQuestion id."""
    attempt = max(invite.attempts_used, 1)
    return {
        str(a.interview_question_id): a
        for a in Answer.objects.filter(candidate_interview=invite, attempt=attempt)
    }


@dataclass(frozen=True)
class Progress:
    items: Sequence[InterviewQuestion]
    answered: int
    current: InterviewQuestion | None
    # The questions still without an answer, in order (``current`` is the first).
    remaining: Sequence[InterviewQuestion] = ()

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def number(self) -> int:
        return min(self.answered + 1, self.total)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100

    @property
    def has_recordings(self) -> bool:
        return any(i.kind == InterviewQuestion.Kind.AUDIO for i in self.items)

    @property
    def recordings_left(self) -> bool:
        """Whether a recorded question still waits for its answer: only then does the candidate
        need a camera or microphone (and so the device check and the practice recording)."""
        return self.has_recordings and any(
            i.kind == InterviewQuestion.Kind.AUDIO for i in self.remaining
        )


def runner_progress(*, invite: CandidateInterview) -> Progress:
    items = runner_question_order(invite=invite)
    answers = runner_answers(invite=invite)
    done = [i for i in items if (a := answers.get(str(i.pk))) and a.status in DONE_STATUSES]
    remaining = [i for i in items if i not in done]
    return Progress(
        items=items,
        answered=len(done),
        current=remaining[0] if remaining else None,
        remaining=remaining,
    )


@transaction.atomic
def runner_consent(*, invite: CandidateInterview, ip: str | None) -> CandidateInterview:
    """Record the candidate's consent and start the interview (INVITED → IN_PROGRESS)."""
    locked = CandidateInterview.objects.select_for_update().get(pk=invite.pk)
    if locked.consented_at is None:
        locked.consented_at = timezone.now()
        locked.consent_ip = ip
        locked.consent_version = notice_version(team=locked.team)
        # The consent page showed the integrity notice: facts may be noted from now on.
        told = integrity_noted(locked.interview)
        locked.integrity_told_at = locked.consented_at if told else None
        locked.save(
            update_fields=[
                "consented_at",
                "consent_ip",
                "consent_version",
                "integrity_told_at",
                "updated_at",
            ]
        )
    if locked.status == Status.INVITED:
        candidate_interview_transition(invite=locked, to=Status.IN_PROGRESS)
    if locked.attempts_used == 0:
        CandidateInterview.objects.filter(pk=locked.pk).update(attempts_used=1)
    locked.refresh_from_db()
    return locked


def _clean_survey(question: SurveyQuestion, data: dict[str, Any]) -> tuple[str, list[SurveyOption]]:
    kind = question.survey_type
    if kind == SurveyType.FREE_TEXT:
        text = str(data.get("text", "")).strip()
        if not text:
            raise ValidationError({"answer": _("Write an answer before you continue.")})
        own = question.max_character_length
        limit = min(own or limits.FREE_TEXT_ANSWER, limits.FREE_TEXT_ANSWER)
        if len(text) > limit:
            raise ValidationError(
                {
                    "answer": _("Your answer is %(n)s characters long; the limit is %(limit)s.")
                    % {"n": len(text), "limit": limit}
                }
            )
        return text, []
    if kind == SurveyType.YES_NO:
        choice = str(data.get("choice", "")).upper()
        if choice not in ("YES", "NO"):
            raise ValidationError({"answer": _("Choose Yes or No.")})
        return choice, []
    options = {str(o.pk): o for o in question.options.all()}
    chosen_ids = [str(v) for v in data.get("options", [])]
    chosen = [options[i] for i in chosen_ids if i in options]
    if len(chosen) != len(chosen_ids) or not chosen:
        raise ValidationError({"answer": _("Choose an answer.")})
    if kind != SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER and len(chosen) != 1:
        raise ValidationError({"answer": _("Choose one answer.")})
    return "", chosen


@transaction.atomic
def runner_answer_typed(
    *, invite: CandidateInterview, item: InterviewQuestion, data: dict[str, Any]
) -> Answer:
    """Save the answer to a survey or written question, replacing an earlier one of this attempt."""
    runner_check_open(invite)
    if invite.consented_at is None:
        raise ValidationError(
            {"answer": _("Read and accept the privacy notice before you answer.")}
        )
    progress = runner_progress(invite=invite)
    if item not in progress.items:
        raise ValidationError({"answer": _("That question is not part of your interview.")})
    if item.kind == InterviewQuestion.Kind.AUDIO:
        raise ValidationError({"answer": _("This question is answered by recording.")})
    options: list[SurveyOption] = []
    if item.kind == InterviewQuestion.Kind.SURVEY:
        assert item.survey_question is not None
        text, options = _clean_survey(item.survey_question, data)
    else:
        assert item.ai_text_question is not None
        text = str(data.get("text", "")).strip()
        limit = min(item.ai_text_question.max_answer_length, limits.WRITTEN_ANSWER)
        if len(text) < 2:
            raise ValidationError({"answer": _("Write an answer before you continue.")})
        if len(text) > limit:
            raise ValidationError(
                {
                    "answer": _("Your answer is %(n)s characters long; the limit is %(limit)s.")
                    % {"n": len(text), "limit": limit}
                }
            )
    answer, _created = Answer.objects.update_or_create(
        candidate_interview=invite,
        interview_question=item,
        attempt=max(invite.attempts_used, 1),
        defaults={"text": text, "status": Answer.Status.SUBMITTED, "submitted_at": timezone.now()},
    )
    answer.selected_options.set(options)
    CandidateInterview.objects.filter(pk=invite.pk).update(last_seen_at=timezone.now())
    interview_analytics_changed(interview_id=invite.interview_id)
    answer_process_enqueue(answer=answer)
    return answer


def runner_retakes_left(*, invite: CandidateInterview, item_id: Any, attempt: int) -> bool:
    """May the question be recorded (again) in this attempt? Yes until a recording is on the
    server and every retake the interview (and the invite's accommodation) allows is used."""
    answer = (
        Answer.objects.filter(candidate_interview=invite, interview_question_id=item_id)
        .filter(attempt=attempt)
        .exclude(media="")
        .only("retakes_used")
        .first()
    )
    if answer is None:
        return True
    from candidates.services.accommodations import accommodated_limits

    return answer.retakes_used < accommodated_limits(invite=invite).retakes


def runner_answer_recorded(
    *,
    invite_id: Any,
    item_id: Any,
    attempt: int,
    media_name: str,
    media_type: str,
    duration_seconds: float | None,
) -> Answer:
    """Store a verified recording as the invite's answer to the question in ``attempt`` (the
    hand-off from ``uploads``): a new take of an answer already on the server counts a retake
    and the earlier file is deleted once this commits. Queues transcription and evaluation."""
    from django.core.files.storage import default_storage
    from django.db import IntegrityError

    with transaction.atomic():
        key = {
            "candidate_interview_id": invite_id,
            "interview_question_id": item_id,
            "attempt": attempt,
        }
        answer = Answer.objects.select_for_update().filter(**key).first()
        if answer is None:
            try:
                with transaction.atomic():
                    answer = Answer.objects.create(**key, status=Answer.Status.DRAFT)
            except IntegrityError:
                answer = Answer.objects.select_for_update().get(**key)
        replaced = answer.media.name or ""
        if replaced:
            answer.retakes_used += 1  # a new take of an answer already on the server
        answer.media.name = media_name
        answer.media_type = media_type
        answer.duration_seconds = duration_seconds
        answer.status = Answer.Status.SUBMITTED
        answer.submitted_at = timezone.now()
        answer.save()
        interview_analytics_changed(interview_id=answer.candidate_interview.interview_id)
        answer_process_enqueue(answer=answer)  # transcribe, spot keywords, evaluate
        if replaced and replaced != media_name:
            transaction.on_commit(lambda: default_storage.delete(replaced))
    return answer


@transaction.atomic
def runner_finish(*, invite: CandidateInterview) -> CandidateInterview:
    """Hand the interview in once every question has its answer (IN_PROGRESS → COMPLETED)."""
    runner_check_open(invite)
    progress = runner_progress(invite=invite)
    if progress.current is not None:
        raise ValidationError(
            {
                "answer": _("Question %(n)s of %(total)s still needs an answer.")
                % {"n": progress.number, "total": progress.total}
            }
        )
    invite = candidate_interview_transition(invite=invite, to=Status.COMPLETED)
    candidate_interview_process_enqueue(invite=invite)
    return invite


# --- the alternative process and the voluntary self-identification survey


def _alternative_contacts(invite: CandidateInterview) -> list[str]:
    from accounts.models import Membership

    team = invite.team
    if team.alternative_contact_email:
        return [team.alternative_contact_email]
    return sorted(
        set(
            Membership.objects.filter(team=team, role__in=["owner", "admin"])
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


@transaction.atomic
def runner_request_alternative(
    *, invite: CandidateInterview, note: str, ip: str | None
) -> CandidateInterview:
    """The candidate asks to be assessed another way: recorded on the invite, shown to the
    recruiters as a task, and emailed to whoever handles such requests. Asking twice is one
    request (the note is updated)."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.urls import reverse

    from accounts.audit import audit_record
    from accounts.tasks import send_email

    runner_check_open(invite)
    note = note.strip()
    if len(note) > limits.ALTERNATIVE_NOTE:  # the message below says 2,000: keep them equal
        raise ValidationError({"note": _("Keep your message under 2,000 characters.")})
    locked = CandidateInterview.objects.select_for_update().get(pk=invite.pk)
    first = locked.alternative_requested_at is None
    if first:
        locked.alternative_requested_at = timezone.now()
    locked.alternative_note = note
    locked.save(update_fields=["alternative_requested_at", "alternative_note", "updated_at"])
    audit_record(
        action="invite.alternative_requested",
        team=locked.team,
        obj=locked,
        ip=ip,
        actor_label="candidate",
    )
    contacts = _alternative_contacts(locked)
    if first and contacts:
        context = {
            "candidate": locked.candidate.full_name,
            "interview": locked.interview.title,
            "note": note,
            "url": settings.SITE_URL + reverse("candidates:invite_detail", args=[locked.pk]),
        }
        transaction.on_commit(
            lambda: send_email.delay(
                f"{context['candidate']} asked for an alternative to the interview",
                render_to_string("emails/alternative_requested.txt", context),
                contacts,
            )
        )
    return locked


def self_id_offered(invite: CandidateInterview) -> bool:
    """Whether to offer the voluntary survey now: the team turned it on, the interview is
    handed in, and the candidate has not answered it yet."""
    return (
        invite.team.self_id_survey_enabled
        and invite.status == Status.COMPLETED
        and not SelfIdentification.objects.filter(candidate_interview=invite).exists()
    )


@transaction.atomic
def self_identification_record(
    *, invite: CandidateInterview, sex: str, race_ethnicity: str
) -> SelfIdentification:
    """Store the candidate's voluntary answers, apart from their interview answers. An empty
    answer means "prefer not to say"."""
    if not invite.team.self_id_survey_enabled:
        raise ValidationError({"sex": _("This survey is not offered.")})
    if invite.status != Status.COMPLETED:
        raise ValidationError({"sex": _("Hand in your interview first.")})
    sex = sex or SelfIdentification.Sex.DECLINED
    race_ethnicity = race_ethnicity or SelfIdentification.RaceEthnicity.DECLINED
    if sex not in SelfIdentification.Sex.values:
        raise ValidationError({"sex": _("Choose one of the options.")})
    if race_ethnicity not in SelfIdentification.RaceEthnicity.values:
        raise ValidationError({"race_ethnicity": _("Choose one of the options.")})
    record, _created = SelfIdentification.objects.update_or_create(
        candidate_interview=invite,
        defaults={"team": invite.team, "sex": sex, "race_ethnicity": race_ethnicity},
    )
    return record
