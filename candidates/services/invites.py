"""Writes for candidates and invites."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from candidates.models import CandidateInterview, InvalidTransition

if TYPE_CHECKING:
    from datetime import datetime

Status = CandidateInterview.Status

_TIMESTAMP_FOR = {
    Status.INVITED: "invited_at",
    Status.IN_PROGRESS: "started_at",
    Status.COMPLETED: "completed_at",
    Status.CANCELLED: "cancelled_at",
}


@transaction.atomic
def candidate_interview_transition(
    *, invite: CandidateInterview, to: str, at: datetime | None = None
) -> CandidateInterview:
    """Move an invite to status ``to``, or raise ``InvalidTransition`` naming the rule.

    The row is locked and re-read, so two requests racing cannot both move it.
    """
    locked = CandidateInterview.objects.select_for_update().get(pk=invite.pk)
    if not locked.can_transition_to(to):
        raise InvalidTransition(locked.status, to)
    now = at or timezone.now()
    locked.status = to
    fields = ["status", "updated_at"]
    stamp = _TIMESTAMP_FOR.get(Status(to))
    if stamp and (getattr(locked, stamp) is None or to == Status.INVITED):
        setattr(locked, stamp, now)
        fields.append(stamp)
    locked.save(update_fields=fields)
    invite.refresh_from_db()
    return invite
