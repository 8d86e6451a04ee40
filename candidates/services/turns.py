"""Writes for the turns of an AI voice interview, and its finalisation.

The voice agent records each exchange as it happens: a turn is created (perhaps empty, while the
candidate is still speaking) and later updated with the final transcript and its evaluation.
A completed interview is final, so it takes no more turns and no more edits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from candidates.models import CandidateInterview, Turn
from candidates.services.invites import candidate_interview_transition
from candidates.services.processing import candidate_interview_process_enqueue

Status = CandidateInterview.Status
_OPEN = (Status.INVITED, Status.IN_PROGRESS)
# The agent's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)


class TurnConflict(Exception):
    """The invite's state, or an existing turn, forbids this write."""


def _lock_open(invite: CandidateInterview) -> CandidateInterview:
    locked = CandidateInterview.objects.select_for_update().get(pk=invite.pk)
    if locked.status == Status.COMPLETED:
        raise TurnConflict(
            "This interview is completed, and completed is final: it takes no more turns. "
            "Invite the candidate again for a new interview."
        )
    if locked.status not in _OPEN:
        raise TurnConflict(
            f"This interview is {locked.get_status_display().lower()}; turns are recorded only "
            "while it is invited or in progress."
        )
    return locked


def _check_evaluation(evaluation: Any) -> None:
    if evaluation is not None and not isinstance(evaluation, dict):
        raise ValidationError({"evaluation": "The evaluation must be an object."})


@transaction.atomic
def turn_create(
    *,
    invite: CandidateInterview,
    turn_number: int,
    role: str,
    content: str = "",
    audio_url: str = "",
    is_pending_question: bool = False,
    evaluation: dict[str, Any] | None = None,
) -> Turn:
    """Record a turn; the first one starts the interview (INVITED → IN_PROGRESS)."""
    locked = _lock_open(invite)
    if turn_number < 1:
        raise ValidationError({"turn_number": "Turns are numbered from 1."})
    _check_evaluation(evaluation)
    if Turn.objects.filter(candidate_interview=locked, turn_number=turn_number).exists():
        raise TurnConflict(f"Turn {turn_number} already exists; update it instead.")
    turn = Turn(
        candidate_interview=locked,
        turn_number=turn_number,
        role=role,
        content=content,
        audio_url=audio_url,
        is_pending_question=is_pending_question,
        evaluation=evaluation,
    )
    turn.full_clean(exclude=["candidate_interview", "answer"], validate_unique=False)
    if locked.status == Status.INVITED:
        candidate_interview_transition(invite=locked, to=Status.IN_PROGRESS)
    turn.save()
    invite.refresh_from_db()
    return turn


@transaction.atomic
def turn_update(
    *,
    invite: CandidateInterview,
    turn_number: int,
    content: str | None = None,
    audio_url: str | None = None,
    is_pending_question: bool | None = None,
    evaluation: dict[str, Any] | None = None,
) -> Turn:
    """Change the given fields of turn ``turn_number`` (``None`` leaves a field as it is).

    Raises ``Turn.DoesNotExist`` when the interview has no such turn.
    """
    locked = _lock_open(invite)
    turn = Turn.objects.select_for_update().get(candidate_interview=locked, turn_number=turn_number)
    _check_evaluation(evaluation)
    changes = {
        "content": content,
        "audio_url": audio_url,
        "is_pending_question": is_pending_question,
        "evaluation": evaluation,
    }
    changed = [name for name, value in changes.items() if value is not None]
    for name in changed:
        setattr(turn, name, changes[name])
    turn.full_clean(exclude=["candidate_interview", "answer"], validate_unique=False)
    if changed:
        turn.save(update_fields=changed)
    return turn


@transaction.atomic
def candidate_interview_finalize(
    *, invite: CandidateInterview, ended_at: datetime | None = None, generate_report: bool = True
) -> CandidateInterview:
    """Close an AI interview (→ COMPLETED, through IN_PROGRESS if it never started).

    ``ended_at`` is when the conversation really ended; now if not given. With
    ``generate_report`` the AI report (an evaluation of the candidate's turns) is made in the
    background once this commits; an empty transcript gets a refused report, saying why.
    """
    locked = _lock_open(invite)
    now = timezone.now()
    at = ended_at or now
    if at > now + CLOCK_SKEW:
        raise ValidationError({"ended_at": "The end of the interview cannot be in the future."})
    at = min(at, now)
    if locked.started_at is not None and at < locked.started_at:
        raise ValidationError({"ended_at": "The interview cannot end before it started."})
    if locked.status == Status.INVITED:
        candidate_interview_transition(invite=locked, to=Status.IN_PROGRESS, at=at)
    candidate_interview_transition(invite=locked, to=Status.COMPLETED, at=at)
    if generate_report:
        candidate_interview_process_enqueue(invite=locked)
    invite.refresh_from_db()
    return invite
