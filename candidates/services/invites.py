"""Writes for invites (candidate interviews): the status machine, create, send, remind, resend
(a new link), extend, cancel, and the periodic expiry and reminders. Delivery itself is in
``delivery.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Team
from candidates.analytics import interview_analytics_changed
from candidates.models import (
    Candidate,
    CandidateInterview,
    ImportJob,
    InvalidTransition,
    InviteDelivery,
)
from candidates.services.sms_consent import API_WORDING, SmsOptIn, not_agreed_error
from candidates.tokens import invite_token, new_invite_link
from interviews.counters import (
    interview_counts_recount,
    invite_counts_apply,
    invite_counts_apply_many,
)
from interviews.models import Interview
from kit import limits
from webhooks.services import (
    candidate_interview_changed,
    candidate_interview_status_changed,
    candidate_interviews_changed,
    candidate_interviews_expired,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.models import User

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
    before = locked.status
    locked.status = to
    fields = ["status", "updated_at"]
    stamp = _TIMESTAMP_FOR.get(Status(to))
    if stamp and (getattr(locked, stamp) is None or to == Status.INVITED):
        setattr(locked, stamp, now)
        fields.append(stamp)
    locked.save(update_fields=fields)
    invite_counts_apply(interview_id=locked.interview_id, before=before, after=to)
    candidate_interview_changed(invite=locked, before=before)
    interview_analytics_changed(interview_id=locked.interview_id)
    if to == Status.COMPLETED:
        from candidates.services.review_notices import review_notices_enqueue

        review_notices_enqueue(invite=locked)
        from candidates.services.candidate_messages import received_message_enqueue

        received_message_enqueue(invite=locked)
    invite.refresh_from_db()
    return invite


# ---------------------------------------------------------------- invites: create, send, resend

OPEN_STATUSES = (Status.INVITED, Status.IN_PROGRESS)
CHANNELS = tuple(InviteDelivery.Channel.values)
# Expiry and reminders scan this many invites per statement, keeping row locks short; a batch
# of new invites is saved this many at a time.
BATCH_SIZE = 500
# Deliveries per batch task: one mail connection, a few statements, well inside its time limit.
DELIVERY_BATCH = 100


def invite_url(token: str) -> str:
    """The candidate's link for ``token`` (the runner serves ``/i/<token>/``)."""
    return f"{settings.SITE_URL}/i/{token}/"


def invite_current_url(invite: CandidateInterview) -> str:
    """The link the candidate was sent, to show or copy again; "" when there is none to show
    (a draft, or a link issued before Panelist kept them: send a new link to get one)."""
    token = invite_token(invite)
    return invite_url(token) if token else ""


class DuplicateInvite(ValidationError):
    """The candidate already has an open invite to this interview; ``existing`` is it."""

    def __init__(self, existing: CandidateInterview) -> None:
        self.existing = existing
        candidate, interview = existing.candidate, existing.interview
        super().__init__(
            {
                "candidate": ValidationError(
                    "%(name)s already has an open invite to %(interview)s (%(status)s); "
                    "remind, extend or cancel that one instead.",
                    code="duplicate",
                    params={
                        "name": candidate.full_name,
                        "interview": interview.title,
                        "status": existing.get_status_display().lower(),
                    },
                )
            }
        )


def _check_interview(team: Team, interview: Interview) -> None:
    if interview.team_id != team.pk:
        raise ValidationError({"interview": "Choose an interview of this team."})
    if interview.status != Interview.Status.ACTIVE:
        raise ValidationError(
            {
                "interview": f"“{interview.title}” is {interview.get_status_display().lower()}; "
                "only active interviews take invites."
            }
        )


def _clean_channels(delivery_types: Iterable[str], *, required: bool) -> list[str]:
    wanted = set(delivery_types)
    if unknown := sorted(wanted - set(CHANNELS)):
        raise ValidationError(
            {"delivery_types": f"Unknown delivery type “{unknown[0]}”: use email or sms."}
        )
    if required and not wanted:
        raise ValidationError(
            {"delivery_types": "Choose how to send the invite: email, SMS or both."}
        )
    return [c for c in CHANNELS if c in wanted]


def _channels_for(invite: CandidateInterview) -> list[str]:
    """The invite's delivery types; for one that has none (self-started from a public link),
    the candidate's email, else their phone."""
    if invite.delivery_types:
        return list(invite.delivery_types)
    candidate = invite.candidate
    return ["email"] if candidate.email else ["sms"] if candidate.phone else []


SMS_WORDING_MAX = 500


def _clean_personal_note(note: str) -> str:
    note = note.strip()
    if len(note) > limits.PERSONAL_NOTE:
        raise ValidationError(
            {
                "personal_note": f"Keep the personal note to {limits.PERSONAL_NOTE} characters "
                f"(it has {len(note)})."
            }
        )
    return note


def _check_reachable(candidate: Candidate, channels: list[str]) -> None:
    if "email" in channels and not candidate.email:
        raise ValidationError(
            {
                "delivery_types": f"{candidate.full_name} has no email address: "
                "send by SMS, or add an email first."
            }
        )
    if "sms" in channels and not candidate.phone:
        raise ValidationError(
            {
                "delivery_types": f"{candidate.full_name} has no phone number: "
                "send by email, or add a number first."
            }
        )


def _check_expiry(expires_at: datetime, now: datetime, field: str = "expires_at") -> None:
    if expires_at <= now:
        raise ValidationError({field: "The expiry must be in the future."})


EXPIRY_DAYS_MAX = 365
REDIRECT_MAX, TIME_ZONE_MAX = 2000, 64


def _clean_redirect(uri: str) -> str:
    """An absolute http(s) URL, or "" (no page to go on to)."""
    uri = uri.strip()
    if not uri:
        return ""
    if len(uri) > REDIRECT_MAX:
        raise ValidationError({"external_redirect_uri": f"Use at most {REDIRECT_MAX} characters."})
    try:
        URLValidator(schemes=["http", "https"])(uri)
    except ValidationError as exc:
        raise ValidationError(
            {"external_redirect_uri": "Use an absolute http:// or https:// URL."}
        ) from exc
    return uri


def _clean_time_zone(name: str) -> str:
    name = name.strip()
    if name and (len(name) > TIME_ZONE_MAX or name not in available_timezones()):
        raise ValidationError(
            {"time_zone": "Use an IANA time zone name, such as Europe/Paris or America/New_York."}
        )
    return name


def _check_no_open_invite(
    candidate: Candidate, interview: Interview, *, exclude: CandidateInterview | None = None
) -> None:
    """One open invite per candidate and interview, or ``DuplicateInvite`` naming it.

    The one rule behind the dashboard, the CSV import and the API: a second link would split
    the candidate's answers. Open: invited or started, and not past its expiry (one past it is
    as good as expired; the beat just has not marked it yet). A draft has no link, so it does
    not count until it is sent, and sending it is checked against this rule.
    """
    # Locking the candidate serialises concurrent invites of the same person, so two requests
    # cannot both pass this check.
    list(Candidate.objects.select_for_update().filter(pk=candidate.pk).values_list("pk"))
    existing = CandidateInterview.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
        candidate=candidate,
        interview=interview,
        status__in=OPEN_STATUSES,
    ).select_related("candidate", "interview")
    if exclude is not None:
        existing = existing.exclude(pk=exclude.pk)
    if (found := existing.order_by("-created_at").first()) is not None:
        raise DuplicateInvite(found)


def _locked(invite: CandidateInterview) -> CandidateInterview:
    return (
        CandidateInterview.objects.select_for_update(of=("self",))
        .select_related("candidate", "interview", "team")
        .get(pk=invite.pk)
    )


def _queue_deliveries(
    invite: CandidateInterview,
    *,
    channels: list[str],
    link_hash: str,
    purpose: str,
    replaces: str = "",
) -> list[InviteDelivery]:
    """One delivery row per channel, each sent by a task once this transaction commits.

    The task gets the link's hash, not the link: the worker re-derives the link, so it never
    sits in the broker, a task result or a worker's log line.
    """
    from candidates.tasks import invite_deliver

    deliveries = [
        InviteDelivery.objects.create(candidate_interview=invite, channel=channel, purpose=purpose)
        for channel in channels
    ]
    for delivery in deliveries:
        transaction.on_commit(partial(invite_deliver.delay, delivery.pk, link_hash, replaces))
    return deliveries


def _audit(invite: CandidateInterview, action: str, by: User | None) -> None:
    from accounts.audit import audit_record

    audit_record(
        action=action,
        actor=by,
        team=invite.team,
        obj=invite,
        actor_label="" if by else "API or system",
        data={"channels": list(invite.delivery_types or [])},
    )


def _issue_link_and_deliver(invite: CandidateInterview, *, to: str | None) -> str:
    """A new link (the previous one stops working), optionally a status change, and deliveries."""
    nonce, token, digest = new_invite_link()
    invite.link_nonce, invite.token_hash = nonce, digest
    invite.reminded_at = None
    invite.save(
        update_fields=[
            "link_nonce",
            "token_hash",
            "reminded_at",
            "expires_at",
            "delivery_types",
            "updated_at",
        ]
    )
    if to is not None:
        candidate_interview_transition(invite=invite, to=to)
    _queue_deliveries(
        invite,
        channels=invite.delivery_types,
        link_hash=digest,
        purpose=InviteDelivery.Purpose.INVITE,
    )
    return token


def _queue_reminder(invite: CandidateInterview, channels: list[str]) -> None:
    """Reminder deliveries carrying the candidate's current link.

    An invite sent before links were kept has none to show again: its reminder carries a new
    link that replaces the current one only once a reminder is actually delivered (see
    ``delivery.invite_delivery_send``), so a reminder that fails leaves the first link working.
    """
    if invite_token(invite) is not None:
        link_hash, replaces = invite.token_hash or "", ""
    else:
        nonce, _token, link_hash = new_invite_link()
        replaces = invite.token_hash or ""
        CandidateInterview.objects.filter(pk=invite.pk).update(link_nonce=nonce)
        invite.link_nonce = nonce
    _queue_deliveries(
        invite,
        channels=channels,
        link_hash=link_hash,
        purpose=InviteDelivery.Purpose.REMINDER,
        replaces=replaces,
    )


@transaction.atomic
def invite_create(
    *,
    team: Team,
    by: User | None,
    candidate: Candidate,
    interview: Interview,
    delivery_types: Iterable[str] = ("email",),
    expires_at: datetime | None = None,
    send: bool = True,
    language: str = "",
    expiry_days: int | None = None,
    external_redirect_uri: str = "",
    sms_opt_in: bool | None = None,
    time_zone: str = "",
    personal_note: str = "",
    sms_opt_in_wording: str = "",
) -> tuple[CandidateInterview, str]:
    """Invite ``candidate`` to ``interview``: a DRAFT, or with ``send`` an INVITED invite whose
    link is emailed and/or texted once the transaction commits.

    ``expiry_days`` (1 to ``EXPIRY_DAYS_MAX``) sets the expiry from now instead of
    ``expires_at``. ``sms_opt_in``: True records that the candidate agreed to texts, under
    ``sms_opt_in_wording`` (``sms_consent.API_WORDING`` if not given); SMS is refused without
    it. ``external_redirect_uri`` (http or https) is offered on the thank-you page;
    ``time_zone`` is an IANA name. ``personal_note``: the recruiter's own words, quoted in the
    invite's messages (at most ``limits.PERSONAL_NOTE`` characters).

    Returns the invite and its link's token ("" for a draft, which has no link until sent). The
    token is never stored, only its hash.
    """
    now = timezone.now()
    if candidate.team_id != team.pk:
        raise ValidationError({"candidate": "Choose a candidate of this team."})
    _check_interview(team, interview)
    channels = _clean_channels(delivery_types, required=send)
    _check_reachable(candidate, channels)
    if sms_opt_in is not True and "sms" in channels:
        raise ValidationError({"sms_opt_in": not_agreed_error(candidate.full_name)})
    sms_opt_in_wording = (sms_opt_in_wording.strip() or API_WORDING) if sms_opt_in else ""
    if len(sms_opt_in_wording) > SMS_WORDING_MAX:
        raise ValidationError(
            {"sms_opt_in_wording": f"Keep the wording to {SMS_WORDING_MAX} characters."}
        )
    if expiry_days is not None:
        if expires_at is not None:
            raise ValidationError({"expiry_days": "Give an expiry date or a number of days."})
        if not 1 <= expiry_days <= EXPIRY_DAYS_MAX:
            raise ValidationError(
                {"expiry_days": f"Use a number of days from 1 to {EXPIRY_DAYS_MAX}."}
            )
        expires_at = now + timedelta(days=expiry_days)
    if expires_at is None:
        expires_at = now + timedelta(days=team.invite_expiry_days)
    _check_expiry(expires_at, now)
    language = language.strip()
    if len(language) > 16:
        raise ValidationError({"language": "Use a language code such as en or pt-BR."})
    external_redirect_uri = _clean_redirect(external_redirect_uri)
    time_zone = _clean_time_zone(time_zone)
    personal_note = _clean_personal_note(personal_note)
    _check_no_open_invite(candidate, interview)
    invite = CandidateInterview.objects.create(
        team=team,
        candidate=candidate,
        interview=interview,
        status=Status.DRAFT,
        delivery_types=channels,
        expires_at=expires_at,
        language=language,
        external_redirect_uri=external_redirect_uri,
        sms_opt_in=sms_opt_in,
        sms_opt_in_wording=sms_opt_in_wording,
        sms_opt_in_at=now if sms_opt_in else None,
        time_zone=time_zone,
        personal_note=personal_note,
        created_by=by,
    )
    invite_counts_apply(interview_id=interview.pk, before=None, after=Status.DRAFT)
    token = _issue_link_and_deliver(invite, to=Status.INVITED) if send else ""
    _audit(invite, "invite.sent" if send else "invite.drafted", by)
    return invite, token


@dataclass
class InviteFailure:
    """A candidate who was not invited, and why (field name → messages)."""

    candidate: Candidate
    errors: dict[str, list[str]]
    # The open invite that made this one a duplicate, if that was the reason.
    existing: CandidateInterview | None = None

    @property
    def message(self) -> str:
        return " ".join(m for messages in self.errors.values() for m in messages)


@dataclass
class InviteBatch:
    created: list[CandidateInterview] = field(default_factory=list)
    failed: list[InviteFailure] = field(default_factory=list)


def invite_create_many(
    *,
    team: Team,
    by: User | None,
    candidates: Iterable[Candidate],
    interview: Interview,
    delivery_types: Iterable[str],
    expires_at: datetime | None = None,
    send: bool = True,
    import_job: ImportJob | None = None,
    personal_note: str = "",
    sms_opt_in: SmsOptIn | None = None,
) -> InviteBatch:
    """Invite several candidates to one interview: the same invites, deliveries, audit events
    and webhook events as ``invite_create`` for each in turn, in a fixed number of queries per
    ``BATCH_SIZE`` candidates, and their messages sent by batch tasks of ``DELIVERY_BATCH``.

    What concerns them all (the interview, the expiry, the delivery types) is checked first
    and raises ``ValidationError``. After that one candidate's problem (no phone for SMS, an
    open invite already, or the same candidate twice) does not stop the others: it is reported
    in ``failed``, in the order given. Each ``BATCH_SIZE`` candidates are saved in one (nested)
    transaction, so nothing is half-saved. ``import_job``: the CSV import they come from, whose
    progress counts their deliveries.
    """
    now = timezone.now()
    _check_interview(team, interview)
    channels = _clean_channels(delivery_types, required=send)
    if expires_at is None:
        expires_at = now + timedelta(days=team.invite_expiry_days)
    _check_expiry(expires_at, now)
    personal_note = _clean_personal_note(personal_note)
    if "sms" in channels and sms_opt_in is None:
        raise ValidationError(
            {
                "sms_opt_in": "Texts need the candidates' agreement: confirm that they agreed "
                "to text messages, or send by email."
            }
        )
    batch = InviteBatch()
    pending = list(candidates)
    for start in range(0, len(pending), BATCH_SIZE):
        chunk = _invite_chunk(
            pending[start : start + BATCH_SIZE],
            team=team,
            by=by,
            interview=interview,
            channels=channels,
            expires_at=expires_at,
            send=send,
            import_job=import_job,
            personal_note=personal_note,
            sms_opt_in=sms_opt_in,
        )
        batch.created += chunk.created
        batch.failed += chunk.failed
    return batch


def _failure(candidate: Candidate, exc: ValidationError) -> InviteFailure:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    existing = exc.existing if isinstance(exc, DuplicateInvite) else None
    return InviteFailure(candidate=candidate, errors=errors, existing=existing)


def _open_invites(
    candidates: list[Candidate], interview: Interview
) -> dict[Any, CandidateInterview]:
    """``_check_no_open_invite`` for many candidates: each one's open invite, if any, by id."""
    ids = sorted({c.pk for c in candidates})
    if not ids:
        return {}
    # The same candidate locks as one at a time, taken in one order so two batches cannot
    # deadlock.
    list(Candidate.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    existing = (
        CandidateInterview.objects.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
            candidate_id__in=ids,
            interview=interview,
            status__in=OPEN_STATUSES,
        )
        .select_related("candidate", "interview")
        .order_by("-created_at")
    )
    found: dict[Any, CandidateInterview] = {}
    for invite in existing:
        found.setdefault(invite.candidate_id, invite)
    return found


@transaction.atomic
def _invite_chunk(
    candidates: list[Candidate],
    *,
    team: Team,
    by: User | None,
    interview: Interview,
    channels: list[str],
    expires_at: datetime,
    send: bool,
    import_job: ImportJob | None,
    personal_note: str,
    sms_opt_in: SmsOptIn | None,
) -> InviteBatch:
    """One transaction of ``invite_create_many``: the checks, then one INSERT each for the
    invites (INVITED with their links, or drafts), their deliveries and their audit events, and
    the webhook events; the deliveries are queued in batches once it commits."""
    now = timezone.now()
    failed: dict[int, InviteFailure] = {}
    for index, candidate in enumerate(candidates):
        try:
            if candidate.team_id != team.pk:
                raise ValidationError({"candidate": "Choose a candidate of this team."})
            _check_reachable(candidate, channels)
            if "sms" in channels and not (sms_opt_in and sms_opt_in.covers(candidate.pk)):
                raise ValidationError({"sms_opt_in": not_agreed_error(candidate.full_name)})
        except ValidationError as exc:
            failed[index] = _failure(candidate, exc)
    open_invites = _open_invites(
        [c for index, c in enumerate(candidates) if index not in failed], interview
    )
    invites: list[CandidateInterview] = []
    for index, candidate in enumerate(candidates):
        if index in failed:
            continue
        if (existing := open_invites.get(candidate.pk)) is not None:
            failed[index] = _failure(candidate, DuplicateInvite(existing))
            continue
        invite = CandidateInterview(
            team=team,
            candidate=candidate,
            interview=interview,
            status=Status.INVITED if send else Status.DRAFT,
            delivery_types=channels,
            expires_at=expires_at,
            personal_note=personal_note,
            created_by=by,
        )
        if sms_opt_in is not None and sms_opt_in.covers(candidate.pk):
            invite.sms_opt_in, invite.sms_opt_in_at = True, now
            invite.sms_opt_in_wording = sms_opt_in.wording
        if send:
            invite.link_nonce, _token, invite.token_hash = new_invite_link()
            invite.invited_at = now
            # The same candidate again in this batch is a duplicate of this invite.
            open_invites[candidate.pk] = invite
        invites.append(invite)
    CandidateInterview.objects.bulk_create(invites)
    if invites:
        _created_many(invites, interview=interview, by=by, send=send, import_job=import_job)
    return InviteBatch(created=invites, failed=[failed[i] for i in sorted(failed)])


def _created_many(
    invites: list[CandidateInterview],
    *,
    interview: Interview,
    by: User | None,
    send: bool,
    import_job: ImportJob | None,
) -> None:
    """What ``invite_create`` does after saving each invite, for a batch of new invites."""
    from accounts.audit import audit_record_many

    if send:
        candidate_interviews_changed(invites=invites)
        interview_analytics_changed(interview_id=interview.pk)
        _queue_delivery_batches(invites, import_job=import_job)
    audit_record_many(
        action="invite.sent" if send else "invite.drafted",
        actor=by,
        team=invites[0].team,
        objs=invites,
        actor_label="" if by else "API or system",
        data=lambda invite: {"channels": list(invite.delivery_types or [])},
    )
    # Last: it locks the interview row until the transaction ends.
    status = Status.INVITED if send else Status.DRAFT
    invite_counts_apply(interview_id=interview.pk, before=None, after=status, n=len(invites))


def _queue_delivery_batches(
    invites: list[CandidateInterview], *, import_job: ImportJob | None
) -> list[InviteDelivery]:
    """``_queue_deliveries`` for a batch of new invites: one INSERT, then one task per
    ``DELIVERY_BATCH`` deliveries once this transaction commits (``invite_deliver_batch``; a
    delivery that fails for a reason that may pass is retried alone by ``invite_deliver``)."""
    from candidates.tasks import invite_deliver_batch

    deliveries = InviteDelivery.objects.bulk_create(
        InviteDelivery(
            candidate_interview=invite,
            channel=channel,
            purpose=InviteDelivery.Purpose.INVITE,
            import_job=import_job,
        )
        for invite in invites
        for channel in invite.delivery_types
    )
    items = [[d.pk, d.candidate_interview.token_hash] for d in deliveries]
    for start in range(0, len(items), DELIVERY_BATCH):
        transaction.on_commit(
            partial(invite_deliver_batch.delay, items[start : start + DELIVERY_BATCH])
        )
    return deliveries


@transaction.atomic
def invite_send(
    *, invite: CandidateInterview, by: User | None, delivery_types: Iterable[str] | None = None
) -> tuple[CandidateInterview, str]:
    """Send a draft (DRAFT → INVITED) by its delivery types, or by ``delivery_types``.

    A draft without an expiry gets the team's default, counted from now.
    """
    locked = _locked(invite)
    if locked.status != Status.DRAFT:
        raise ValidationError(
            {
                "status": f"Only a draft can be sent; this invite is "
                f"{locked.get_status_display().lower()}. Resend it instead."
            }
        )
    _check_interview(locked.team, locked.interview)
    channels = _clean_channels(
        _channels_for(locked) if delivery_types is None else delivery_types, required=True
    )
    _check_reachable(locked.candidate, channels)
    now = timezone.now()
    if locked.expires_at is None:
        locked.expires_at = now + timedelta(days=locked.team.invite_expiry_days)
    elif locked.expires_at <= now:
        raise ValidationError(
            {"expires_at": "This draft's expiry has passed: extend it, then send it."}
        )
    _check_no_open_invite(locked.candidate, locked.interview, exclude=locked)
    locked.delivery_types = channels
    token = _issue_link_and_deliver(locked, to=Status.INVITED)
    _audit(locked, "invite.sent", by)
    invite.refresh_from_db()
    return invite, token


@transaction.atomic
def invite_remind(*, invite: CandidateInterview, by: User | None) -> CandidateInterview:
    """Remind the candidate of an open invite: the same link again, by its delivery types.

    The link keeps working; nothing else changes. The reminder counts as this expiry's
    reminder, so the beat does not send another before the expiry moves.
    """
    locked = _locked(invite)
    if locked.status not in OPEN_STATUSES:
        hint = {
            Status.DRAFT: "Send the draft instead.",
            Status.COMPLETED: "Completed is final.",
            Status.CANCELLED: "Invite the candidate again instead.",
            Status.EXPIRED: "Extend it to reopen the same link, or send a new link.",
        }[Status(locked.status)]
        status = locked.get_status_display().lower()
        raise ValidationError({"status": f"A {status} invite cannot be reminded. {hint}"})
    if locked.expires_at is not None and locked.expires_at <= timezone.now():
        raise ValidationError(
            {"status": "This invite's link has expired: extend it first, then remind."}
        )
    _check_interview(locked.team, locked.interview)
    channels = _clean_channels(_channels_for(locked), required=True)
    _check_reachable(locked.candidate, channels)
    locked.reminded_at = timezone.now()
    locked.save(update_fields=["reminded_at", "updated_at"])
    _queue_reminder(locked, channels)
    _audit(locked, "invite.reminded", by)
    invite.refresh_from_db()
    return invite


@transaction.atomic
def invite_resend(*, invite: CandidateInterview, by: User | None) -> tuple[CandidateInterview, str]:
    """Send the candidate a new link; the old one stops working at once ("Send a new link":
    for a link that leaked or was forwarded; ``invite_remind`` resends the same one).

    For INVITED, IN_PROGRESS and EXPIRED invites. An expired one (or one past its expiry that
    the beat has not caught yet) is reopened with a fresh expiry of the team's default length;
    a candidate who had started continues where they left off.
    """
    locked = _locked(invite)
    if locked.status not in (*OPEN_STATUSES, Status.EXPIRED):
        hint = {
            Status.DRAFT: "Send the draft instead.",
            Status.COMPLETED: "Completed is final.",
            Status.CANCELLED: "Invite the candidate again instead.",
        }[Status(locked.status)]
        raise ValidationError(
            {"status": f"A {locked.get_status_display().lower()} invite cannot be resent. " + hint}
        )
    _check_interview(locked.team, locked.interview)
    channels = _clean_channels(_channels_for(locked), required=True)
    _check_reachable(locked.candidate, channels)
    locked.delivery_types = channels
    now = timezone.now()
    to: str | None = None
    if locked.status == Status.EXPIRED or locked.expires_at is None or locked.expires_at <= now:
        locked.expires_at = now + timedelta(days=locked.team.invite_expiry_days)
    if locked.status == Status.EXPIRED:
        _check_no_open_invite(locked.candidate, locked.interview, exclude=locked)
        to = Status.IN_PROGRESS if locked.started_at else Status.INVITED
    token = _issue_link_and_deliver(locked, to=to)
    _audit(locked, "invite.resent", by)
    invite.refresh_from_db()
    return invite, token


@transaction.atomic
def invite_extend(*, invite: CandidateInterview, until: datetime) -> CandidateInterview:
    """Move the expiry to ``until``. An expired invite reopens, and its link works again.

    The reminder is re-armed: the candidate is reminded again before the new expiry.
    """
    locked = _locked(invite)
    if locked.status in (Status.COMPLETED, Status.CANCELLED):
        raise ValidationError(
            {
                "status": f"A {locked.get_status_display().lower()} invite cannot be extended"
                + (
                    " (completed is final)."
                    if locked.status == Status.COMPLETED
                    else "; invite the candidate again instead."
                )
            }
        )
    _check_expiry(until, timezone.now(), field="until")
    invite_status = locked.status
    fields = ["expires_at", "reminded_at", "updated_at"]
    if locked.status == Status.EXPIRED:
        _check_no_open_invite(locked.candidate, locked.interview, exclude=locked)
        # Reopening is not a new invitation: invited_at stays, so the transition service (which
        # stamps it) is not used; the transition table still decides.
        reopened = Status.IN_PROGRESS if locked.started_at else Status.INVITED
        if not locked.can_transition_to(reopened):
            raise InvalidTransition(locked.status, reopened)
        locked.status = reopened
        fields.append("status")
    locked.expires_at = until
    locked.reminded_at = None
    locked.save(update_fields=fields)
    invite_counts_apply(interview_id=locked.interview_id, before=invite_status, after=locked.status)
    candidate_interview_status_changed(invite=locked, before=invite_status)
    invite.refresh_from_db()
    return invite


@transaction.atomic
def invite_cancel(*, invite: CandidateInterview, by: User | None) -> CandidateInterview:
    """Cancel a draft or an open invite: its link stops accepting answers. Deliveries still
    queued are not sent."""
    try:
        cancelled = candidate_interview_transition(invite=invite, to=Status.CANCELLED)
    except InvalidTransition as exc:
        raise ValidationError({"status": str(exc)}) from exc
    _audit(cancelled, "invite.cancelled", by)
    return cancelled


# ---------------------------------------------------------------- beat: expiry and reminders


def invite_expire_due(*, now: datetime | None = None) -> int:
    """Expire every open invite whose expiry has passed; returns how many. Idempotent.

    One UPDATE per batch rather than the per-row transition service: the WHERE clause
    re-checks status and expiry, so an invite completed or extended meanwhile is left alone,
    and INVITED / IN_PROGRESS → EXPIRED are both allowed transitions.
    """
    now = now or timezone.now()
    due = CandidateInterview.objects.filter(status__in=OPEN_STATUSES, expires_at__lte=now)
    total = 0
    while ids := list(due.order_by().values_list("pk", flat=True)[:BATCH_SIZE]):
        with transaction.atomic():
            # Locked first, so the counters move by exactly the rows this UPDATE expires.
            rows = list(
                due.filter(pk__in=ids)
                .select_for_update()
                .order_by("pk")
                .values_list("pk", "interview_id", "status")
            )
            expired = due.filter(pk__in=[pk for pk, _, _ in rows]).update(
                status=Status.EXPIRED, updated_at=now
            )
            if expired == len(rows):
                invite_counts_apply_many(
                    moves=[(interview, before, Status.EXPIRED) for _, interview, before in rows]
                )
            else:  # SQLite takes no row locks: an invite moved meanwhile; count again.
                interview_counts_recount(interview_ids={interview for _, interview, _ in rows})
            total += expired
            candidate_interviews_expired(
                ids=ids, at=now, before={pk: before for pk, _, before in rows}
            )
    return total


def invite_remind_due(*, now: datetime | None = None) -> int:
    """Remind candidates whose open invite expires within their team's reminder window.

    One reminder per expiry: ``reminded_at`` is set when it is queued (extending or resending
    re-arms it). Invites first sent inside the window are skipped, since their invitation is
    itself recent; so are teams with reminders off (0 hours) and inactive interviews.
    Idempotent: claiming an invite is a conditional UPDATE, so two runs never both remind.
    Returns how many reminders were queued.
    """
    now = now or timezone.now()
    windows = (
        Team.objects.filter(reminder_hours_before_expiry__gt=0)
        .order_by()
        .values_list("reminder_hours_before_expiry", flat=True)
        .distinct()
    )
    queued = 0
    for hours in list(windows):
        window = timedelta(hours=hours)
        due = CandidateInterview.objects.filter(
            Q(invited_at__isnull=True) | Q(invited_at__lte=F("expires_at") - window),
            team__reminder_hours_before_expiry=hours,
            status__in=OPEN_STATUSES,
            reminded_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + window,
            interview__status=Interview.Status.ACTIVE,
        )
        ids = list(due.order_by("expires_at").values_list("pk", flat=True))
        queued += sum(_remind_one(pk, now) for pk in ids)
    return queued


@transaction.atomic
def _remind_one(pk: Any, now: datetime) -> bool:
    claimed = CandidateInterview.objects.filter(
        pk=pk, reminded_at__isnull=True, status__in=OPEN_STATUSES
    ).update(reminded_at=now)
    if not claimed:
        return False
    invite = CandidateInterview.objects.select_related("candidate").get(pk=pk)
    channels = _channels_for(invite)
    if not channels or not invite.token_hash:
        return False
    _queue_reminder(invite, channels)
    return True
