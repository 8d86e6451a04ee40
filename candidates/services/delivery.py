"""Delivering invites and reminders by email and SMS.

Each channel of each send is one ``InviteDelivery`` row: queued → sent (or logged, for a text
the console provider only printed), or failed with the reason, passing through retrying while
transient failures are retried. The task's arguments carry the link's hash, never the link:
the link is re-derived here (``candidates.tokens``) and goes only into the message itself. These
functions are called by ``candidates.tasks.invite_deliver``, which owns the retry policy.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from functools import partial
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import timezone

from accounts.branding import team_brand
from candidates.models import CandidateInterview, InviteDelivery
from candidates.services.invites import OPEN_STATUSES, invite_url
from candidates.services.message_templates import TemplateBook, render_message, template_book
from candidates.services.sms_consent import held_until
from candidates.sms import SmsError, get_sms_provider
from candidates.tokens import invite_token, token_hash
from kit import limits
from kit.limits import clip
from kit.mail import BulkEmail

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

logger = logging.getLogger(__name__)

Purpose = InviteDelivery.Purpose
DeliveryStatus = InviteDelivery.Status
FINISHED = (DeliveryStatus.SENT, DeliveryStatus.LOGGED, DeliveryStatus.FAILED)
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class TransientDeliveryError(Exception):
    """The attempt failed for a reason that may pass (a timeout, a busy server): try again."""


class PermanentDeliveryError(Exception):
    """The attempt failed for a reason that another try will not fix."""


def invite_delivery_send(
    *, delivery_id: int, link_hash: str, replaces: str = ""
) -> InviteDelivery | None:
    """Make one attempt at a delivery: mark it sent, or failed for a permanent reason, or raise
    ``TransientDeliveryError`` (the attempt is counted; the caller retries or gives up).

    Idempotent: a delivery already sent or failed is returned untouched, and a missing one is
    None. A link that was replaced since the delivery was queued is not sent, nor is anything
    for an invite that is no longer open.

    ``link_hash`` names the link to send. A reminder normally sends the current link again;
    for an invite whose link could not be shown again (sent before links were kept) it carries
    a new link that ``replaces`` the current one (its hash): the first reminder actually
    delivered swaps it in, so a reminder that never arrives leaves the earlier link working.
    """
    with transaction.atomic():
        delivery = (
            InviteDelivery.objects.select_for_update(of=("self",))
            .select_related("candidate_interview")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (*FINISHED, DeliveryStatus.SENDING):
            # Finished, or a batch run is sending it (``invite_deliveries_send``).
            return delivery
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    invite = (
        CandidateInterview.objects.select_related("candidate", "interview", "team", "created_by")
        .filter(pk=delivery.candidate_interview_id)
        .get()
    )
    digest, token = link_hash, ""
    if not _SHA256_HEX.match(link_hash):
        # A task queued before the upgrade that kept links carries the token itself.
        digest, token = token_hash(link_hash), link_hash
    if reason := _why_not_send(invite, delivery, digest=digest, replaces=replaces):
        return _finish(delivery, status=DeliveryStatus.FAILED, error=reason)
    if until := held_until(invite, delivery, at=timezone.now()):
        if reason := _why_not_hold(invite, until):
            return _finish(delivery, status=DeliveryStatus.FAILED, error=reason)
        return _finish(
            delivery,
            status=DeliveryStatus.HELD,
            # Waiting for the window is not an attempt.
            attempts=max(0, delivery.attempts - 1),
            not_before=until,
            link_hash=digest,
            replaces=replaces,
        )
    token = token or _token_for(invite, digest)
    if not token:
        return _finish(
            delivery,
            status=DeliveryStatus.FAILED,
            error="Not sent: this link cannot be made again (was SECRET_KEY changed?); "
            "send a new link.",
        )
    try:
        if delivery.channel == InviteDelivery.Channel.EMAIL:
            message_id, reached = _send_email(invite, delivery, invite_url(token)), True
        else:
            message_id, reached = _send_sms(invite, delivery, invite_url(token))
    except PermanentDeliveryError as exc:
        return _finish(delivery, status=DeliveryStatus.FAILED, error=str(exc))
    except TransientDeliveryError:
        raise
    except Exception as exc:
        # A bug or a misconfiguration must not leave the row "queued" forever.
        logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        return _finish(
            delivery, status=DeliveryStatus.FAILED, error=f"Unexpected error: {exc!r}"[:500]
        )
    if delivery.purpose == Purpose.REMINDER and replaces and invite.token_hash == replaces:
        CandidateInterview.objects.filter(pk=invite.pk, token_hash=replaces).update(
            token_hash=digest
        )
    return _finish(
        delivery,
        # A text printed to the console never reached the candidate: never say "sent".
        status=DeliveryStatus.SENT if reached else DeliveryStatus.LOGGED,
        provider_message_id=message_id[:200],
        sent_at=timezone.now(),
    )


@dataclass
class BatchOutcome:
    """What a batch run did with its deliveries, by id: sent (or logged), failed for good, or
    to be retried alone (marked retrying, with the link hash to retry it with)."""

    sent: dict[int, tuple[str, str]] = field(default_factory=dict)  # id: (status, message id)
    failed: dict[int, str] = field(default_factory=dict)  # id: reason
    retry: dict[int, tuple[str, str]] = field(default_factory=dict)  # id: (error, link hash)
    held: dict[int, tuple[datetime, str]] = field(default_factory=dict)  # id: (until, link hash)

    def finished(self, delivery_id: int) -> bool:
        return any(delivery_id in done for done in (self.sent, self.failed, self.retry, self.held))


def invite_deliveries_send(*, items: Sequence[Sequence[Any]], claim: str) -> BatchOutcome:
    """Send a batch of new invites' deliveries (``[(delivery id, link hash), ...]``, as
    ``invites._queue_delivery_batches`` queues them): emails over one mail connection, texts one
    by one through the SMS provider. ``claim`` names this run (the task's id, which a retry of
    the task keeps).

    Idempotent: the deliveries are claimed first with one conditional UPDATE (queued → sending,
    or sending already claimed by ``claim``: a retry of a run that died mid-way), so a delivery
    sent, failed, retrying alone, or claimed by another run is skipped. Then the invites are
    read in one query, the messages sent, and the outcomes written in a few UPDATEs. A delivery
    whose attempt failed for a reason that may pass is marked retrying and returned in
    ``retry`` for ``invite_deliver`` to retry alone. When the mail server cannot be reached at
    all, or the run is stopped (its soft time limit), the deliveries not attempted yet are
    given back (queued) and the exception propagates, for the caller to retry the batch.
    """
    link_hashes = {int(delivery_id): str(link_hash) for delivery_id, link_hash in items}
    claimable = Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.SENDING, claimed_by=claim)
    outcome = BatchOutcome()
    claimed = InviteDelivery.objects.filter(claimable, pk__in=list(link_hashes)).update(
        status=DeliveryStatus.SENDING, claimed_by=claim, attempts=F("attempts") + 1
    )
    if not claimed:
        return outcome
    deliveries = list(
        InviteDelivery.objects.filter(
            pk__in=list(link_hashes), status=DeliveryStatus.SENDING, claimed_by=claim
        )
        .select_related(
            "candidate_interview__candidate",
            "candidate_interview__interview",
            "candidate_interview__team",
            "candidate_interview__created_by",
        )
        .order_by("pk")
    )
    try:
        _send_batch(deliveries, link_hashes, outcome)
    except BaseException:
        # The batch is retried whole: the deliveries meant to be retried alone go back with it.
        outcome.retry.clear()
        raise
    finally:
        _record_batch(deliveries, outcome, claim)
    return outcome


def _send_batch(
    deliveries: list[InviteDelivery], link_hashes: dict[int, str], outcome: BatchOutcome
) -> None:
    emails: list[tuple[InviteDelivery, BulkEmail, str]] = []
    # The teams' own wordings, read once for the batch, not once per message.
    book = template_book(team_ids={d.candidate_interview.team_id for d in deliveries})
    now = timezone.now()
    for delivery in deliveries:
        invite = delivery.candidate_interview
        digest = link_hashes[delivery.pk]
        if reason := _why_not_send(invite, delivery, digest=digest, replaces=""):
            outcome.failed[delivery.pk] = reason
            continue
        if until := held_until(invite, delivery, at=now):
            if reason := _why_not_hold(invite, until):
                outcome.failed[delivery.pk] = reason
            else:
                outcome.held[delivery.pk] = (until, digest)
            continue
        if not (token := _token_for(invite, digest)):
            outcome.failed[delivery.pk] = (
                "Not sent: this link cannot be made again (was SECRET_KEY changed?); "
                "send a new link."
            )
            continue
        url = invite_url(token)
        with _attempt(delivery, digest, outcome):
            if delivery.channel == InviteDelivery.Channel.EMAIL:
                message, message_id = _email_message(invite, delivery, url, book=book)
                emails.append((delivery, message, message_id))
            else:
                message_id, reached = _send_sms(invite, delivery, url, book=book)
                status = DeliveryStatus.SENT if reached else DeliveryStatus.LOGGED
                outcome.sent[delivery.pk] = (status, message_id)
    if not emails:
        return
    # Opening the connection is the one failure that concerns the whole batch: it propagates
    # (the caller retries the batch) and the deliveries not attempted yet are given back.
    with _smtp_errors(), mailers.default as connection:
        for delivery, message, message_id in emails:
            with _attempt(delivery, link_hashes[delivery.pk], outcome):
                with _smtp_errors():
                    connection.send_messages([message])
                outcome.sent[delivery.pk] = (DeliveryStatus.SENT, message_id)
            if delivery.pk in outcome.retry:
                # The connection may be what failed: the next message gets a fresh one.
                connection.close()
                connection.open()


@contextmanager
def _attempt(delivery: InviteDelivery, digest: str, outcome: BatchOutcome) -> Iterator[None]:
    """One message of a batch: its failure is its own, classified as in
    ``invite_delivery_send``; only the run being stopped propagates."""
    try:
        yield
    except PermanentDeliveryError as exc:
        outcome.failed[delivery.pk] = str(exc)
    except TransientDeliveryError as exc:
        outcome.retry[delivery.pk] = (str(exc), digest)
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        # A bug or a misconfiguration must not leave the row "sending" forever.
        logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        outcome.failed[delivery.pk] = f"Unexpected error: {exc!r}"[:500]


def _record_batch(deliveries: list[InviteDelivery], outcome: BatchOutcome, claim: str) -> None:
    """Write a batch's outcomes, a few UPDATEs whatever its size, each only on the rows this
    run still holds; the rows it did not get to are given back (queued)."""
    mine = InviteDelivery.objects.filter(status=DeliveryStatus.SENDING, claimed_by=claim)
    released = {"claimed_by": ""}
    if outcome.sent:
        ids = list(outcome.sent)
        statuses = {status for status, _id in outcome.sent.values()}
        mine.filter(pk__in=ids).update(
            status=Value(statuses.pop())
            if len(statuses) == 1
            else Case(
                *(When(pk=pk, then=Value(status)) for pk, (status, _id) in outcome.sent.items())
            ),
            provider_message_id=Case(
                *(
                    When(pk=pk, then=Value(message_id[:200]))
                    for pk, (_status, message_id) in outcome.sent.items()
                )
            ),
            sent_at=timezone.now(),
            error="",
            **released,
        )
    failed: dict[str, list[int]] = defaultdict(list)
    for pk, reason in outcome.failed.items():
        failed[clip(reason, limits.REASON)].append(pk)
    for reason, ids in failed.items():
        mine.filter(pk__in=ids).update(status=DeliveryStatus.FAILED, error=reason, **released)
    retrying: dict[str, list[int]] = defaultdict(list)
    for pk, (error, _digest) in outcome.retry.items():
        retrying[clip(error, limits.REASON)].append(pk)
    for error, ids in retrying.items():
        mine.filter(pk__in=ids).update(status=DeliveryStatus.RETRYING, error=error, **released)
    if outcome.held:
        # One UPDATE for every held row of the batch (a night's import holds them all).
        mine.filter(pk__in=list(outcome.held)).update(
            status=DeliveryStatus.HELD,
            attempts=F("attempts") - 1,
            not_before=Case(
                *(
                    When(pk=pk, then=Value(until, output_field=DateTimeField()))
                    for pk, (until, _digest) in outcome.held.items()
                )
            ),
            link_hash=Case(
                *(When(pk=pk, then=Value(digest)) for pk, (_until, digest) in outcome.held.items())
            ),
            **released,
        )
    if untried := [d.pk for d in deliveries if not outcome.finished(d.pk)]:
        mine.filter(pk__in=untried).update(status=DeliveryStatus.QUEUED, **released)


def _token_for(invite: CandidateInterview, digest: str) -> str:
    """The token whose hash is ``digest``: the invite's current link, or the pending link of a
    reminder that replaces it (the same nonce, not yet swapped in)."""
    pending = CandidateInterview(link_nonce=invite.link_nonce, token_hash=digest)
    return invite_token(pending) or ""


def _why_not_hold(invite: CandidateInterview, until: datetime) -> str:
    """Why a delivery held until ``until`` would never go: the invite expires first."""
    if invite.expires_at is not None and invite.expires_at <= until:
        return (
            "Not sent: quiet hours in the candidate's time zone last until after the invite "
            "expires."
        )
    return ""


def invite_deliveries_release_held(*, limit: int = 500) -> int:
    """Queue the held deliveries whose window has opened (the beat task
    ``invite_deliver_held``); returns how many.

    Each row goes held → queued under a row lock taken with SKIP LOCKED, and its task is queued
    once that commits, so two runs at once never queue one delivery twice. A delivery released
    is checked again when it is sent (the invite may have closed, or the window shut again).
    """
    from candidates.tasks import invite_deliver

    with transaction.atomic():
        due = list(
            InviteDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.HELD, not_before__lte=timezone.now())
            .order_by("not_before", "pk")
            .values_list("pk", "link_hash", "replaces")[:limit]
        )
        if not due:
            return 0
        InviteDelivery.objects.filter(
            pk__in=[pk for pk, _h, _r in due], status=DeliveryStatus.HELD
        ).update(status=DeliveryStatus.QUEUED)
        for pk, link_hash, replaces in due:
            transaction.on_commit(partial(invite_deliver.delay, pk, link_hash, replaces))
    return len(due)


def invite_delivery_retrying(*, delivery_id: int, error: str) -> None:
    """Record a transient failure that will be retried."""
    InviteDelivery.objects.filter(
        pk=delivery_id, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING]
    ).update(status=DeliveryStatus.RETRYING, error=clip(error, limits.REASON))


def invite_delivery_fail(*, delivery_id: int, error: str) -> InviteDelivery | None:
    """Give up on a delivery, keeping the reason for the delivery log."""
    InviteDelivery.objects.filter(
        pk=delivery_id, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING]
    ).update(status=DeliveryStatus.FAILED, error=clip(error, limits.REASON))
    return InviteDelivery.objects.filter(pk=delivery_id).first()


def _finish(delivery: InviteDelivery, **values: Any) -> InviteDelivery:
    values["error"] = clip(values.get("error", ""), limits.REASON)
    for name, value in values.items():
        setattr(delivery, name, value)
    delivery.save(update_fields=list(values))
    return delivery


def _why_not_send(
    invite: CandidateInterview, delivery: InviteDelivery, *, digest: str, replaces: str
) -> str:
    if invite.status not in OPEN_STATUSES:
        return f"Not sent: the invite is {invite.get_status_display().lower()}."
    if invite.expires_at is not None and invite.expires_at <= timezone.now():
        return "Not sent: the invite has expired."
    current = invite.token_hash
    pending_reminder = delivery.purpose == Purpose.REMINDER and replaces and current == replaces
    if current != digest and not pending_reminder:
        return "Not sent: a newer link was issued since; this one no longer works."
    if delivery.channel == InviteDelivery.Channel.EMAIL and not invite.candidate.email:
        return "Not sent: the candidate has no email address."
    if delivery.channel == InviteDelivery.Channel.SMS and not invite.candidate.phone:
        return "Not sent: the candidate has no phone number."
    if delivery.channel == InviteDelivery.Channel.SMS and invite.sms_opt_in is not True:
        return "Not sent: the candidate has not agreed to receive text messages."
    return ""


def _context(invite: CandidateInterview, url: str) -> dict[str, Any]:
    team = invite.team
    brand = team_brand(team)
    expires_at: datetime | None = invite.expires_at
    return {
        "invite": invite,
        "team_name": team.name,
        "brand_color": brand.color,
        # White or black, whichever reads on the brand colour (4.5:1 at least).
        "brand_text": brand.text,
        # Links in the body are brand-coloured only if that reads on white.
        "link_color": brand.color if brand.on_white else "#1f4fd1",
        "logo_url": f"{settings.SITE_URL}{brand.logo_url}" if brand.logo_url else "",
        "first_name": invite.candidate.first_name,
        "interview_name": invite.interview.name_for_candidates,
        "expires_at": expires_at,
        "url": url,
        "recruiter_name": invite.created_by.get_full_name() if invite.created_by else "",
        "personal_note": invite.personal_note,
    }


def _language(invite: CandidateInterview) -> str:
    return invite.page_language


def _send_email(invite: CandidateInterview, delivery: InviteDelivery, url: str) -> str:
    """Send the email; return its Message-ID, which is what a mail server can be asked about."""
    message, message_id = _email_message(invite, delivery, url)
    with _smtp_errors():
        message.send()
    return message_id


def _email_message(
    invite: CandidateInterview,
    delivery: InviteDelivery,
    url: str,
    *,
    book: TemplateBook | None = None,
) -> tuple[BulkEmail, str]:
    """The email for ``delivery``, and its Message-ID."""
    context = _context(invite, url)
    team_name = context["team_name"]
    # The team's own wording when it has one for this language, else the translated default.
    rendered = render_message(
        team=invite.team,
        kind="reminder" if delivery.purpose == Purpose.REMINDER else "invite",
        channel="email",
        language=_language(invite),
        context=context,
        book=book,
    )
    text, html, subject = rendered.text, rendered.html, rendered.subject
    # The team's name on the sender, the configured address underneath.
    _label, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2] or "panelist.local"
    # Derived from the delivery, not random: when a worker dies after the server took the mail
    # but before its "250", the retry carries the same Message-ID, so mail systems (and people)
    # can tell it is one message, as webhook receivers do with webhook-id.
    message_id = f"<invite-delivery-{delivery.pk}.{delivery.created_at:%Y%m%d%H%M%S}@{domain}>"
    # Written directly, not through the email package's header registry: most of a bulk
    # invite's cost per candidate was that (kit.mail).
    message = BulkEmail(
        subject=subject,
        body=text,
        from_email=formataddr((f"{team_name} via Panelist", address)),
        to=[invite.candidate.email],
        reply_to=[invite.created_by.email] if invite.created_by else [],
        headers={"Message-ID": message_id},
    )
    message.attach_alternative(html, "text/html")
    return message, message_id


@contextmanager
def _smtp_errors() -> Iterator[None]:
    """A mail server's refusals as ``PermanentDeliveryError`` (5xx) or
    ``TransientDeliveryError`` (4xx, a dropped or refused connection)."""
    try:
        yield
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        error = f"The mail server refused the address: {_smtp_reason(exc.recipients)}"
        if all(400 <= code < 500 for code in codes):
            raise TransientDeliveryError(error) from exc
        raise PermanentDeliveryError(error) from exc
    except smtplib.SMTPResponseException as exc:
        error = f"The mail server answered {exc.smtp_code}: {_decode(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            raise TransientDeliveryError(error) from exc
        raise PermanentDeliveryError(error) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientDeliveryError(f"Could not talk to the mail server: {exc}") from exc


def _send_sms(
    invite: CandidateInterview,
    delivery: InviteDelivery,
    url: str,
    *,
    book: TemplateBook | None = None,
) -> tuple[str, bool]:
    """Send the text; return the provider's message id and whether it left for the phone
    (False: the console provider only printed it to the log)."""
    body = render_message(
        team=invite.team,
        kind="reminder" if delivery.purpose == Purpose.REMINDER else "invite",
        channel="sms",
        language=_language(invite),
        context=_context(invite, url),
        book=book,
    ).text
    provider = get_sms_provider()
    try:
        return provider.send(to=invite.candidate.phone, body=body), provider.delivers
    except SmsError as exc:
        if exc.transient:
            raise TransientDeliveryError(str(exc)) from exc
        raise PermanentDeliveryError(str(exc)) from exc


def _decode(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _smtp_reason(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{code} {_decode(msg)}" for code, msg in recipients.values())
