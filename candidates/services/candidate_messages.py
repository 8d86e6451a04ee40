"""Telling candidates: that their answers were received, and (when the team turns it on) the
decision, each by email in the candidate's language (``CandidateInterview.page_language``).

Each message is one ``CandidateMessage`` row, written in the transaction that hands in or
decides, and sent after it commits by ``candidates.tasks.candidate_message_send_task``:

- received: one per invite (a named constraint), so a retried task or a second completion path
  sends nothing twice;
- decision: advance or reject waits ``Team.decision_message_delay_minutes``; a change of
  decision in that window cancels it (and a new one waits again); hold sends nothing and
  cancels what was waiting. At send time the decision must still be the one recorded and the
  setting still on.

Only the candidate's own email address is ever used; an erased candidate's rows are gone with
the invite, so nothing is sent for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.branding import team_brand
from accounts.models import Team, User
from candidates.models import CandidateInterview, CandidateMessage
from candidates.services.decision_files import decision_file_url
from candidates.services.message_templates import render_message

Kind = CandidateMessage.Kind
MessageStatus = CandidateMessage.Status
Decision = CandidateInterview.Decision
# The decisions a candidate is told; "hold" means no decision yet, so nothing is sent.
TOLD_DECISIONS = (Decision.ADVANCE, Decision.REJECT)


def _enqueue(message: CandidateMessage) -> None:
    from candidates.tasks import candidate_message_send_task

    message_id, eta = message.pk, message.send_after
    transaction.on_commit(lambda: candidate_message_send_task.apply_async((message_id,), eta=eta))


def received_message_enqueue(*, invite: CandidateInterview) -> CandidateMessage | None:
    """Queue the "we received your answers" email for a completed invite: once per invite,
    and only when the candidate has an email address. Call inside the completing transaction."""
    if not invite.candidate.email:
        return None
    try:
        with transaction.atomic():
            message = CandidateMessage.objects.create(
                candidate_interview=invite, kind=Kind.RECEIVED
            )
    except IntegrityError:
        return None
    _enqueue(message)
    return message


def decision_message_schedule(
    *, invite: CandidateInterview, now: datetime | None = None
) -> CandidateMessage | None:
    """After a decision is recorded: cancel the decision email still waiting, and (when the
    team tells candidates) queue one for advance or reject after the team's delay."""
    now = now or timezone.now()
    CandidateMessage.objects.filter(
        candidate_interview=invite, kind=Kind.DECISION, status=MessageStatus.PENDING
    ).update(status=MessageStatus.CANCELLED, note="The decision changed before it was sent.")
    team = invite.team
    if not team.tell_candidates_decision or invite.decision not in TOLD_DECISIONS:
        return None
    if not invite.candidate.email:
        return None
    already = CandidateMessage.objects.filter(
        candidate_interview=invite, kind=Kind.DECISION, status=MessageStatus.SENT
    ).first()
    if already is not None and already.decision == invite.decision:
        return None  # told this very decision already: changing back and forth sends nothing
    message = CandidateMessage.objects.create(
        candidate_interview=invite,
        kind=Kind.DECISION,
        decision=invite.decision,
        send_after=now + timedelta(minutes=team.decision_message_delay_minutes),
    )
    _enqueue(message)
    return message


def _why_not(message: CandidateMessage) -> str:
    invite = message.candidate_interview
    if not invite.candidate.email:
        return "The candidate has no email address."
    if message.kind == Kind.DECISION:
        if not invite.team.tell_candidates_decision:
            return "The team stopped telling candidates the decision."
        if invite.decision != message.decision:
            return "The decision changed before it was sent."
    return ""


def candidate_message_send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one waiting message if it is due; return its status ("missing" when gone, "early"
    when not due yet). Idempotent: the row is locked and a message not pending is left alone.
    A mail failure raises (the row stays pending; the task retries)."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            CandidateMessage.objects.select_for_update(of=("self",))
            .select_related(
                "candidate_interview__candidate",
                "candidate_interview__interview",
                "candidate_interview__team",
            )
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return "missing"
        if message.status != MessageStatus.PENDING:
            return str(message.status)
        if message.send_after > now:
            return "early"
        if reason := _why_not(message):
            status = (
                MessageStatus.CANCELLED if message.kind == Kind.DECISION else MessageStatus.SKIPPED
            )
            message.status, message.note = status, reason
            message.save(update_fields=["status", "note"])
            return str(status)
        _email(message).send()
        message.status, message.sent_at = MessageStatus.SENT, now
        message.save(update_fields=["status", "sent_at"])
        return str(message.status)


def candidate_messages_due(*, now: datetime | None = None) -> list[int]:
    """Pending messages whose time has come (a safety net for a lost task: beat re-queues them)."""
    now = now or timezone.now()
    return list(
        CandidateMessage.objects.filter(status=MessageStatus.PENDING, send_after__lte=now)
        .order_by("send_after")
        .values_list("pk", flat=True)[:500]
    )


def _email(message: CandidateMessage) -> EmailMultiAlternatives:
    invite = message.candidate_interview
    team = invite.team
    brand = team_brand(team)
    context = {
        "first_name": invite.candidate.first_name,
        "interview_name": invite.interview.name_for_candidates,
        "team_name": team.name,
        "brand_color": brand.color,
        "brand_text": brand.text,
        # Where the candidate asks for their decision file (candidates.services.decision_files).
        "decision_file_url": decision_file_url(invite),
    }
    # The team's own wording when it has one for this language, else the translated default.
    rendered = render_message(
        team=team,
        kind=Kind.RECEIVED if message.kind == Kind.RECEIVED else message.decision,
        channel="email",
        language=invite.page_language,
        context=context,
    )
    text, html, subject = rendered.text, rendered.html, rendered.subject
    _label, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2] or "panelist.local"
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((f"{team.name} via Panelist", address)),
        to=[invite.candidate.email],
        # Stable per message: a retry after a lost "250" is recognisably the same email.
        headers={"Message-ID": f"<candidate-message-{message.pk}@{domain}>"},
    )
    email.attach_alternative(html, "text/html")
    return email


# --- the team's settings

MESSAGE_SETTINGS = (
    "tell_candidates_decision",
    "decision_message_delay_minutes",
    "quiet_hours_start",
    "quiet_hours_end",
)


@transaction.atomic
def team_messages_update(
    *, team: Team, by: User | None, ip: str | None = None, **values: Any
) -> Team:
    """Change what candidates are told; audited
    (``team.messages_updated``, the names of the fields changed)."""
    unknown = set(values) - set(MESSAGE_SETTINGS)
    if unknown:
        raise TypeError(f"Unknown team message settings: {sorted(unknown)}")
    team = Team.objects.select_for_update().get(pk=team.pk)
    changed = [name for name, value in values.items() if getattr(team, name) != value]
    for name in changed:
        setattr(team, name, values[name])
    team.full_clean(exclude=["organization", "slug", "name"])
    if changed:
        team.save(update_fields=changed)
        audit_record(
            action="team.messages_updated",
            actor=by,
            team=team,
            obj=team,
            ip=ip,
            data={"fields": sorted(changed)},
        )
    return team
