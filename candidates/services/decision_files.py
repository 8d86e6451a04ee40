"""Decision files: a candidate asks, from the link in their received or decision email, for a
plain-language record of their process; the team reviews it and sends it.

- The link is signed (``django.core.signing``, a salt of its own) and names the invite and the
  candidate's language; it works for ``LINK_DAYS`` and needs no sign-in. It lets whoever holds
  it ask, nothing more: the file only ever goes to the candidate's own email address.
- Asking while a request is open changes nothing (one open request per invite, a named
  constraint); asking is rate-limited per address and per invite; it is audited
  (``decision_file.requested``, actor "candidate").
- The team reviews the composed file (``candidates.selectors_decision_files``), may add a short
  note, and sends it: the email carries the file as composed at that moment, in the language
  the candidate asked in, and the text as sent is kept. Sending twice sends once. Saving the
  note, sending and closing without sending are audited.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from accounts.audit import audit_record
from accounts.branding import team_brand
from candidates.models import PAGE_LANGUAGES, CandidateInterview, DecisionFileRequest
from candidates.ratelimit import RateLimit, rate_limit_hit
from candidates.selectors_decision_files import (
    decision_file_compose,
    decision_file_html,
    decision_file_text,
)
from kit import limits
from kit.limits import clip

if TYPE_CHECKING:
    from accounts.models import User

Status = DecisionFileRequest.Status
_SALT = "panelist.candidates.decision-file"
LINK_DAYS = 180
PER_ADDRESS = RateLimit(scope="decision-file-address", limit=10, window_seconds=3600)
PER_INVITE = RateLimit(scope="decision-file-invite", limit=5, window_seconds=24 * 3600)
CLOSED_REASON_MAX = 300


# ---------------------------------------------------------------- the link


def decision_file_token(invite: CandidateInterview) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{invite.pk.hex}.{invite.page_language}")


def decision_file_url(invite: CandidateInterview) -> str:
    """The absolute link the received and decision emails carry."""
    path = reverse("candidates:decision_file_ask", args=[decision_file_token(invite)])
    return f"{settings.SITE_URL}{path}"


@dataclass(frozen=True)
class LinkState:
    """What a link opens: ``state`` is "ok", "expired", "erased" (the invite is gone: erased
    or past the team's retention) or "invalid" (not a link Panelist made)."""

    state: str
    language: str = "en"
    invite: CandidateInterview | None = None


def decision_file_link_read(token: str, *, now: datetime | None = None) -> LinkState:
    signer = signing.TimestampSigner(salt=_SALT)
    if not token or len(token) > 200:
        return LinkState("invalid")
    try:
        value = signer.unsign(token)
    except signing.BadSignature:
        return LinkState("invalid")
    invite_hex, _, language = value.partition(".")
    language = language if language in PAGE_LANGUAGES else "en"
    try:
        signer.unsign(token, max_age=timedelta(days=LINK_DAYS))
    except signing.SignatureExpired:
        return LinkState("expired", language)
    invite = (
        CandidateInterview.objects.select_related("candidate", "interview", "team")
        .filter(pk=invite_hex)
        .first()
        if len(invite_hex) == 32
        else None
    )
    if invite is None:
        return LinkState("erased", language)
    return LinkState("ok", language, invite)


# ---------------------------------------------------------------- the candidate asks


class DecisionFileRefused(Exception):
    """Asked too often: try again later."""


def decision_file_request(
    *, invite: CandidateInterview, language: str = "", ip: str | None = None
) -> tuple[DecisionFileRequest, bool]:
    """The candidate asks for their file: (the open request, whether it is new). While one is
    open, asking again returns it and records nothing. Raises ``DecisionFileRefused`` over the
    rate limits and ``ValidationError`` when there is no address to send it to."""
    if not invite.candidate.email:
        raise ValidationError(
            translation.gettext(
                "We have no email address for you, so we cannot send you a file. "
                "Contact the team directly."
            )
        )
    for rule, key in ((PER_ADDRESS, ip or "-"), (PER_INVITE, str(invite.pk))):
        if not rate_limit_hit(rule, key).allowed:
            raise DecisionFileRefused(rule.scope)
    with transaction.atomic():
        locked = CandidateInterview.objects.select_for_update().get(pk=invite.pk)
        existing = DecisionFileRequest.objects.filter(
            candidate_interview=locked, status=Status.REQUESTED
        ).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                created = DecisionFileRequest.objects.create(
                    team_id=locked.team_id,
                    candidate_interview=locked,
                    language=language if language in PAGE_LANGUAGES else locked.page_language,
                )
        except IntegrityError:  # asked twice at the same moment
            return DecisionFileRequest.objects.get(
                candidate_interview=locked, status=Status.REQUESTED
            ), False
        audit_record(
            action="decision_file.requested",
            team=locked.team,
            obj=locked,
            ip=ip,
            data={"request": str(created.pk), "language": created.language},
            actor_label="candidate",
        )
    return created, True


# ---------------------------------------------------------------- the team


def _locked(file_request: DecisionFileRequest) -> DecisionFileRequest:
    return (
        DecisionFileRequest.objects.select_for_update(of=("self",))
        .select_related("candidate_interview__candidate", "candidate_interview__team")
        .get(pk=file_request.pk)
    )


def _check_note(note: str) -> str:
    note = note.strip()
    if len(note) > limits.DECISION_FILE_NOTE:
        raise ValidationError(
            {
                "note": f"Keep the note to {limits.DECISION_FILE_NOTE} characters or fewer "
                f"(it has {len(note)})."
            }
        )
    return note


@transaction.atomic
def decision_file_prepare(
    *, file_request: DecisionFileRequest, note: str, by: User | None, ip: str | None = None
) -> DecisionFileRequest:
    """Save the reviewer's note to the candidate (sent with the file); audited
    (``decision_file.prepared``). Only while the request is open."""
    note = _check_note(note)
    locked = _locked(file_request)
    if not locked.is_open:
        raise ValidationError({"note": "This request is closed: the note can no longer change."})
    locked.note, locked.prepared_by, locked.prepared_at = note, by, timezone.now()
    locked.save(update_fields=["note", "prepared_by", "prepared_at"])
    audit_record(
        action="decision_file.prepared",
        actor=by,
        team=locked.team,
        obj=locked.candidate_interview,
        ip=ip,
        data={"request": str(locked.pk), "note": bool(note)},
    )
    return locked


def _email(
    file_request: DecisionFileRequest, record_text: str, record_html: str
) -> tuple[EmailMultiAlternatives, str]:
    invite = file_request.candidate_interview
    team = invite.team
    brand = team_brand(team)
    context = {
        "first_name": invite.candidate.first_name,
        "interview_name": invite.interview.name_for_candidates,
        "team_name": team.name,
        "brand_color": brand.color,
        "brand_text": brand.text,
        "record_text": record_text,
        "record_html": mark_safe(record_html),  # noqa: S308 (rendered by the template engine)
    }
    language = file_request.language or invite.page_language
    with translation.override(language):
        subject = translation.gettext("Your decision file: %(interview)s") % {
            "interview": context["interview_name"]
        }
        text = render_to_string("emails/decision_file.txt", context)
        html = render_to_string("emails/decision_file.html", context)
    _label, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2] or "panelist.local"
    email = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],
        body=text,
        from_email=formataddr((f"{team.name} via Panelist", address)),
        to=[invite.candidate.email],
        # Stable per request: a retry after a lost "250" is recognisably the same email.
        headers={"Message-ID": f"<decision-file-{file_request.pk}@{domain}>"},
    )
    email.attach_alternative(html, "text/html")
    return email, text


def decision_file_send(
    *,
    file_request: DecisionFileRequest,
    by: User | None,
    note: str | None = None,
    ip: str | None = None,
) -> tuple[DecisionFileRequest, bool]:
    """Email the file, as composed now, to the candidate: (the request, whether this call sent
    it). Idempotent: a request already sent is returned unchanged. ``note`` (when given)
    replaces the saved note first. Audited (``decision_file.sent``). A mail failure sends
    nothing and changes nothing (``ValidationError``)."""
    if note is not None:
        note = _check_note(note)
    with transaction.atomic():
        locked = _locked(file_request)
        if locked.status == Status.SENT:
            return locked, False
        if locked.status != Status.REQUESTED:
            raise ValidationError({"status": "This request was closed without sending."})
        invite = locked.candidate_interview
        if not invite.candidate.email:
            raise ValidationError(
                {"status": "The candidate has no email address to send the file to."}
            )
        now = timezone.now()
        if note is not None and note != locked.note:
            locked.note, locked.prepared_by, locked.prepared_at = note, by, now
        record = decision_file_compose(
            invite=invite, note=locked.note, language=locked.language, now=now
        )
        email, text = _email(locked, decision_file_text(record), decision_file_html(record))
        try:
            email.send()
        except (OSError, smtplib.SMTPException) as exc:
            raise ValidationError(
                "The email could not be sent; nothing was recorded. Try again in a moment."
            ) from exc
        locked.status, locked.sent_by, locked.sent_at = Status.SENT, by, now
        locked.sent_text = clip(text, limits.DECISION_FILE)
        locked.save(
            update_fields=[
                "status",
                "sent_by",
                "sent_at",
                "sent_text",
                "note",
                "prepared_by",
                "prepared_at",
            ]
        )
        audit_record(
            action="decision_file.sent",
            actor=by,
            team=invite.team,
            obj=invite,
            ip=ip,
            data={"request": str(locked.pk), "language": record.language},
        )
    return locked, True


@transaction.atomic
def decision_file_close(
    *, file_request: DecisionFileRequest, reason: str, by: User | None, ip: str | None = None
) -> DecisionFileRequest:
    """Close an open request without sending (say why: it is kept and audited as
    ``decision_file.closed``). The candidate may ask again."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say why the file is not sent."})
    if len(reason) > CLOSED_REASON_MAX:
        raise ValidationError(
            {"reason": f"Keep the reason to {CLOSED_REASON_MAX} characters or fewer."}
        )
    locked = _locked(file_request)
    if not locked.is_open:
        raise ValidationError({"reason": "This request is not open."})
    locked.status, locked.closed_reason = Status.CANCELLED, reason
    locked.save(update_fields=["status", "closed_reason"])
    audit_record(
        action="decision_file.closed",
        actor=by,
        team=locked.team,
        obj=locked.candidate_interview,
        ip=ip,
        data={"request": str(locked.pk), "reason": reason},
    )
    return locked
