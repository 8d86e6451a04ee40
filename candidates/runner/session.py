"""The candidate's session: an invite link (or a public start) signs the browser in to one
invite; the runner pages and the upload endpoint read it from the session, never the URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from candidates.models import CandidateInterview

if TYPE_CHECKING:
    from django.http import HttpRequest

SESSION_KEY = "invite_id"


def runner_login(request: HttpRequest, invite: CandidateInterview) -> None:
    """Bind this browser to ``invite``. The session key is rotated (no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = str(invite.pk)
    CandidateInterview.objects.filter(pk=invite.pk).update(last_seen_at=timezone.now())


def runner_invite(request: HttpRequest) -> CandidateInterview | None:
    """The invite this browser is signed in to, or None."""
    invite_id = request.session.get(SESSION_KEY)
    if not invite_id:
        return None
    return (
        CandidateInterview.objects.select_related("candidate", "interview", "team")
        .filter(pk=invite_id)
        .first()
    )
