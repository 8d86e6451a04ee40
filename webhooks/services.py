"""Writes for webhooks: endpoints, recording events, delivering them, and redelivery.

An event is recorded inside the transaction of the change it describes, together with one
pending delivery per endpoint that wants it; the delivery task is enqueued only once that
transaction commits. A rolled-back change therefore records nothing, and a committed one
always leaves pending rows behind that the periodic sweep sends even if the task was lost.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from standardwebhooks import Webhook

from accounts.models import Membership, Role, Team
from webhooks.models import RESPONSE_EXCERPT_BYTES, Delivery, Endpoint, Event, EventType

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from accounts.models import User
    from candidates.models import CandidateInterview, CriterionScore, Scorecard
    from interviews.models import AudioQuestion, Interview

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
# A retry due within this many seconds is enqueued with a countdown; later ones (and tasks
# that were lost) are picked up by the periodic sweep.
COUNTDOWN_LIMIT = 120
# The sweep leaves a just-due delivery to the task already queued for it.
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 500
EDITABLE_FIELDS = ("url", "description", "event_types", "enabled")


def _new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


# --- endpoints -------------------------------------------------------------------------------


def _clean_url(url: str) -> str:
    """A full http(s) URL whose host resolves, now, to addresses the sender may reach: an
    endpoint the sender would refuse is refused here, not retried for days. With
    WEBHOOK_ALLOW_PRIVATE (development) any host is taken: a local receiver may not be up yet."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError({"url": "Enter a full http:// or https:// URL."}) from exc
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        try:
            _resolve_checked(url)
        except RefusedAddress as exc:
            raise ValidationError({"url": str(exc)}) from exc
    return url


def _clean_event_types(event_types: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(event_types or []))
    unknown = [t for t in wanted if t not in EventType.values]
    if unknown:
        raise ValidationError({"event_types": f"Unknown event type(s): {', '.join(unknown)}."})
    if not wanted:
        raise ValidationError({"event_types": "Choose at least one event type."})
    return [t for t in EventType.values if t in wanted]


@transaction.atomic
def endpoint_create(
    *,
    team: Team,
    url: str,
    event_types: Iterable[str],
    description: str = "",
    by: User | None = None,
) -> Endpoint:
    """A new enabled endpoint with a fresh ``whsec_`` secret (shown to the team once)."""
    return Endpoint.objects.create(
        team=team,
        url=_clean_url(url),
        event_types=_clean_event_types(event_types),
        description=description.strip(),
        secret=_new_secret(),
        created_by=by,
    )


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, **fields: Any) -> Endpoint:
    """Change ``url``, ``description``, ``event_types`` or ``enabled``. Enabling an endpoint
    clears the reason it was disabled and its failure streak."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"endpoint_update() got unknown fields: {', '.join(sorted(unknown))}")
    # An unchanged URL is not looked up again: a DNS hiccup must not block editing the rest.
    if "url" in fields and (fields["url"] or "").strip() != endpoint.url:
        endpoint.url = _clean_url(fields["url"])
    if "description" in fields:
        endpoint.description = (fields["description"] or "").strip()
    if "event_types" in fields:
        endpoint.event_types = _clean_event_types(fields["event_types"])
    if "enabled" in fields:
        enabled = bool(fields["enabled"])
        if enabled and not endpoint.enabled:
            endpoint.disabled_reason = ""
            endpoint.failing_since = None
        elif not enabled and endpoint.enabled:
            endpoint.disabled_reason = "Disabled by the team."
        endpoint.enabled = enabled
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint) -> None:
    """Delete the endpoint and its delivery log; the events stay for other endpoints."""
    endpoint.delete()


# --- events ----------------------------------------------------------------------------------


def _enqueue(delivery_id: int, *, countdown: float = 0) -> None:
    from webhooks.tasks import webhook_deliver

    def send() -> None:
        if countdown > 0:
            webhook_deliver.apply_async(args=[delivery_id], countdown=countdown)
        else:
            webhook_deliver.delay(delivery_id)

    transaction.on_commit(send)


def _record(*, team_id: Any, type: str, payload: dict[str, Any]) -> Event | None:
    endpoints = [e for e in Endpoint.objects.filter(team_id=team_id, enabled=True) if e.wants(type)]
    if not endpoints:
        # No one listens: nothing to send, so nothing is stored.
        return None
    event = Event.objects.create(team_id=team_id, type=type, payload=payload)
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [Delivery(endpoint=e, event=event, next_attempt_at=now) for e in endpoints]
    )
    for delivery in deliveries:
        _enqueue(delivery.pk)
    return event


def _record_many(items: Iterable[tuple[Any, str, dict[str, Any]]]) -> int:
    """``_record`` for many ``(team_id, type, payload)`` at once: the endpoints are read once,
    and the events and their deliveries are inserted in one statement each. Returns how many
    events were recorded."""
    items = list(items)
    if not items:
        return 0
    endpoints = list(
        Endpoint.objects.filter(team_id__in={team_id for team_id, _, _ in items}, enabled=True)
    )
    now = timezone.now()
    events: list[Event] = []
    deliveries: list[Delivery] = []
    for team_id, event_type, payload in items:
        wanting = [e for e in endpoints if e.team_id == team_id and e.wants(event_type)]
        if not wanting:
            continue
        event = Event(team_id=team_id, type=event_type, payload=payload)
        events.append(event)
        deliveries += [Delivery(endpoint=e, event=event, next_attempt_at=now) for e in wanting]
    Event.objects.bulk_create(events)
    for delivery in Delivery.objects.bulk_create(deliveries):
        _enqueue(delivery.pk)
    return len(events)


def event_record(*, team: Team, type: str, payload: dict[str, Any]) -> Event | None:
    """Record that ``type`` happened in ``team``; call it inside the change's transaction.

    ``payload`` becomes the ``data`` of the POSTed body. Returns the event, or None when no
    enabled endpoint of the team subscribes to ``type`` (then nothing is stored).
    """
    if type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {type!r}.")
    return _record(team_id=team.pk, type=type, payload=payload)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


_INVITE_EVENTS = {
    "INVITED": EventType.INVITED,
    "IN_PROGRESS": EventType.STARTED,
    "COMPLETED": EventType.COMPLETED,
    "CANCELLED": EventType.CANCELLED,
    "EXPIRED": EventType.EXPIRED,
}


def candidate_interview_data(invite: CandidateInterview) -> dict[str, Any]:
    return {
        "id": str(invite.pk),
        "candidateId": str(invite.candidate_id),
        "interviewId": str(invite.interview_id),
        "teamId": str(invite.team_id),
        "status": invite.status,
        "source": invite.source,
        "expiresAt": _iso(invite.expires_at),
        "invitedAt": _iso(invite.invited_at),
        "startedAt": _iso(invite.started_at),
        "completedAt": _iso(invite.completed_at),
        "cancelledAt": _iso(invite.cancelled_at),
    }


def status_change_data(invite: CandidateInterview, *, before: str) -> dict[str, Any]:
    return {
        "id": str(invite.pk),
        "candidateId": str(invite.candidate_id),
        "interviewId": str(invite.interview_id),
        "teamId": str(invite.team_id),
        "from": before,
        "to": invite.status,
        "at": _iso(invite.updated_at),
    }


def candidate_interview_status_changed(*, invite: CandidateInterview, before: str) -> Event | None:
    """``candidate_interview.status_changed`` for an invite that just left status ``before``
    (nothing when its status is still ``before``)."""
    if before == invite.status:
        return None
    return _record(
        team_id=invite.team_id,
        type=EventType.STATUS_CHANGED,
        payload=status_change_data(invite, before=before),
    )


def candidate_interview_changed(
    *, invite: CandidateInterview, before: str | None = None
) -> Event | None:
    """The ``candidate_interview.*`` event for the invite's new status (none for a draft),
    and then, given its previous status ``before``, ``candidate_interview.status_changed``
    (the order the batches use too)."""
    event_type = _INVITE_EVENTS.get(invite.status)
    event = None
    if event_type is not None:
        event = _record(
            team_id=invite.team_id, type=event_type, payload=candidate_interview_data(invite)
        )
    if before is not None:
        candidate_interview_status_changed(invite=invite, before=before)
    return event


def candidate_interviews_changed(*, invites: Iterable[CandidateInterview]) -> int:
    """``candidate_interview_changed`` for many invites at once (a batch of new invites): the
    endpoints are read once, and the events and their deliveries are inserted in one statement
    each. A new invite that is not a draft also gets ``candidate_interview.status_changed`` from
    ``draft``, as one created and then sent does. Returns how many events were recorded."""
    from candidates.models import CandidateInterview

    draft = CandidateInterview.Status.DRAFT
    items: list[tuple[Any, str, dict[str, Any]]] = []
    for invite in invites:
        if (kind := _INVITE_EVENTS.get(invite.status)) is not None:
            items.append((invite.team_id, kind, candidate_interview_data(invite)))
            changed = status_change_data(invite, before=draft)
            items.append((invite.team_id, EventType.STATUS_CHANGED, changed))
    return _record_many(items)


def candidate_interviews_expired(
    *, ids: Iterable[Any], at: datetime, before: Mapping[Any, str] | None = None
) -> int:
    """``candidate_interview.expired`` for the invites among ``ids`` that the batched expiry
    just moved (status EXPIRED, updated at ``at``), and ``candidate_interview.status_changed``
    for those whose previous status is in ``before`` (by id), written in bulk. Returns how many
    events were recorded."""
    from candidates.models import CandidateInterview

    team_ids = set(
        Endpoint.objects.filter(enabled=True).values_list("team_id", flat=True).distinct()
    )
    if not team_ids:
        return 0
    invites = CandidateInterview.objects.filter(
        pk__in=list(ids),
        team_id__in=team_ids,
        status=CandidateInterview.Status.EXPIRED,
        updated_at=at,
    ).order_by("pk")
    before = before or {}
    items: list[tuple[Any, str, dict[str, Any]]] = []
    for invite in invites:
        items.append((invite.team_id, EventType.EXPIRED, candidate_interview_data(invite)))
        if (previous := before.get(invite.pk)) is not None:
            items.append(
                (
                    invite.team_id,
                    EventType.STATUS_CHANGED,
                    status_change_data(invite, before=previous),
                )
            )
    return _record_many(items)


def _question_data(question: AudioQuestion) -> dict[str, Any]:
    return {
        "id": str(question.pk),
        "teamId": str(question.team_id),
        "title": question.title,
        "language": question.language,
        "transcriptionStatus": question.transcription_status,
    }


def question_audio_generated(*, question: AudioQuestion) -> Event | None:
    return _record(
        team_id=question.team_id,
        type=EventType.QUESTION_AUDIO_GENERATED,
        payload={**_question_data(question), "audioFile": question.audio_file.name or None},
    )


def interview_updated(*, interview: Interview) -> Event | None:
    return _record(
        team_id=interview.team_id,
        type=EventType.INTERVIEW_UPDATED,
        payload=_interview_data(interview),
    )


def _interview_data(interview: Interview) -> dict[str, Any]:
    return {
        "id": str(interview.pk),
        "teamId": str(interview.team_id),
        "title": interview.title,
        "status": interview.status,
        "interviewType": interview.interview_type,
        "language": interview.language,
        "updatedAt": _iso(interview.updated_at),
    }


def interview_created(*, interview: Interview, by: User | None) -> Event | None:
    return _record(
        team_id=interview.team_id,
        type=EventType.INTERVIEW_CREATED,
        payload={**_interview_data(interview), **_user_data("createdBy", by)},
    )


def interview_archived(*, interview: Interview) -> Event | None:
    return _record(
        team_id=interview.team_id,
        type=EventType.INTERVIEW_ARCHIVED,
        payload={**_interview_data(interview), "archivedAt": _iso(interview.archived_at)},
    )


def interviews_changed(*, interviews: Iterable[Interview], archived: bool) -> int:
    """``interview.updated`` for each of ``interviews``, and ``interview.archived`` for each
    when ``archived`` (it has just been archived), written in bulk. Returns how many events."""
    items: list[tuple[Any, str, dict[str, Any]]] = []
    for interview in interviews:
        data = _interview_data(interview)
        items.append((interview.team_id, EventType.INTERVIEW_UPDATED, data))
        if archived:
            archived_data = {**data, "archivedAt": _iso(interview.archived_at)}
            items.append((interview.team_id, EventType.INTERVIEW_ARCHIVED, archived_data))
    return _record_many(items)


def question_audio_failed(*, question: AudioQuestion) -> Event | None:
    return _record(
        team_id=question.team_id,
        type=EventType.QUESTION_AUDIO_FAILED,
        payload={**_question_data(question), "failureReason": question.failure_reason},
    )


def _user_data(prefix: str, user: User | None) -> dict[str, Any]:
    """``{prefix}Id`` and ``{prefix}Email`` of the team member who acted (None for the API or
    the system)."""
    return {
        f"{prefix}Id": str(user.pk) if user else None,
        f"{prefix}Email": user.email if user else None,
    }


def _invite_ids(invite: CandidateInterview) -> dict[str, Any]:
    return {
        "candidateInterviewId": str(invite.pk),
        "candidateId": str(invite.candidate_id),
        "interviewId": str(invite.interview_id),
        "teamId": str(invite.team_id),
    }


def candidate_interview_decided(
    *, invite: CandidateInterview, previous: str, by: User | None
) -> Event | None:
    return _record(
        team_id=invite.team_id,
        type=EventType.DECIDED,
        payload={
            "id": str(invite.pk),
            "candidateId": str(invite.candidate_id),
            "interviewId": str(invite.interview_id),
            "teamId": str(invite.team_id),
            "decision": invite.decision,
            "previousDecision": previous or None,
            "reason": None,
            "decidedAt": _iso(invite.decided_at),
            **_user_data("decidedBy", by),
        },
    )


def scorecard_submitted(*, scorecard: Scorecard) -> Event | None:
    invite = scorecard.candidate_interview
    return _record(
        team_id=invite.team_id,
        type=EventType.SCORECARD_SUBMITTED,
        payload={
            "id": str(scorecard.pk),
            **_invite_ids(invite),
            "recommendation": scorecard.recommendation,
            "ratings": [
                {"criterionId": str(r.criterion_id), "score": r.score}
                for r in scorecard.ratings.order_by("criterion__ordinal", "pk")
            ],
            "submittedAt": _iso(scorecard.submitted_at),
            **_user_data("reviewer", scorecard.reviewer),
        },
    )


def evaluation_overridden(*, score: CriterionScore, previous: int | None) -> Event | None:
    evaluation = score.evaluation
    invite = evaluation.candidate_interview
    return _record(
        team_id=invite.team_id,
        type=EventType.EVALUATION_OVERRIDDEN,
        payload={
            "id": str(evaluation.pk),
            **_invite_ids(invite),
            "answerId": str(evaluation.answer_id) if evaluation.answer_id else None,
            "criterionScoreId": str(score.pk),
            "criterionId": str(score.criterion_id) if score.criterion_id else None,
            "criterionName": score.criterion_name,
            "score": score.score,
            "previousOverride": previous,
            "override": score.override_score,
            "reason": score.override_reason,
            "overriddenAt": _iso(score.overridden_at),
            **_user_data("overriddenBy", score.overridden_by),
        },
    )


def candidate_erased(
    *, team: Team, candidate_id: str, invite_ids: Iterable[Any], reason: str
) -> Event | None:
    """``candidate.erased``: ids only, no personal data. ``reason`` is "erasure" (a request)
    or "retention" (the schedule). Record it after the candidate's other events are deleted:
    it names the candidate by ``id``, not ``candidateId``, so it survives that deletion."""
    return _record(
        team_id=team.pk,
        type=EventType.CANDIDATE_ERASED,
        payload={
            "id": candidate_id,
            "teamId": str(team.pk),
            "candidateInterviewIds": [str(i) for i in invite_ids],
            "reason": reason,
            "erasedAt": _iso(timezone.now()),
        },
    )


# --- delivery --------------------------------------------------------------------------------


class RefusedAddress(Exception):
    """The receiver resolves to an address webhooks may not reach."""


def _resolve_checked(url: str) -> str:
    """Resolve the receiver's host once and return the address to connect to.

    Every address is checked (a client may connect to any of them) and the connection is then
    pinned to the checked one, so a DNS answer that changes between the check and the connection
    (DNS rebinding) cannot steer the request to a private address.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise RefusedAddress(f"Cannot resolve {host} ({reason}): check the host name.") from exc
    if not infos:
        raise RefusedAddress(f"Cannot resolve {host}: check the host name.")
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            mapped = getattr(address, "ipv4_mapped", None)
            if mapped is not None:
                address = mapped
            if not address.is_global or address.is_multicast:
                raise RefusedAddress(
                    f"{host} resolves to {address}, a private, loopback or link-local address; "
                    "webhooks may only reach public addresses."
                )
    return str(infos[0][4][0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to a fixed address; the Host header still names the receiver's host."""

    def __init__(self, host: str, *, address: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.pinned_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a fixed address, with the certificate checked against the receiver's host name."""

    def __init__(self, host: str, *, address: str, **kwargs: Any) -> None:
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self.pinned_address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _send(url: str, address: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST ``body`` to ``url`` through a connection pinned to ``address``. A redirect is
    answered, not followed (following it could reach a refused address)."""
    parts = urlsplit(url)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(
        parts.hostname or "", port=parts.port, address=address, timeout=settings.WEBHOOK_TIMEOUT
    )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(RESPONSE_EXCERPT_BYTES)
    finally:
        connection.close()


@dataclass
class _Result:
    response_status: int | None = None
    excerpt: str = ""
    duration_ms: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


def signed_request(endpoint: Endpoint, event: Event) -> tuple[bytes, dict[str, str]]:
    """The body and Standard Webhooks headers for sending ``event`` to ``endpoint``.

    ``webhook-id`` is the event's id on every attempt, so receivers can drop duplicates.
    """
    body = json.dumps(event.body(), separators=(",", ":"))
    now = timezone.now()
    signature = Webhook(endpoint.secret).sign(str(event.pk), now, body)
    return body.encode(), {
        "Content-Type": "application/json",
        "User-Agent": "Panelist-Webhooks/1.0",
        "webhook-id": str(event.pk),
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def _post(endpoint: Endpoint, event: Event) -> _Result:
    result = _Result()
    started = time.monotonic()
    try:
        address = _resolve_checked(endpoint.url)
        body, headers = signed_request(endpoint, event)
        result.response_status, raw = _send(endpoint.url, address, body, headers)
        result.excerpt = raw.decode("utf-8", errors="replace")[:RESPONSE_EXCERPT_BYTES]
        if not result.ok:
            result.error = f"The receiver answered HTTP {result.response_status}."
    except RefusedAddress as exc:
        result.error = str(exc)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        result.error = f"Could not deliver: {exc}"
    result.duration_ms = int((time.monotonic() - started) * 1000)
    result.error = result.error[:500]
    return result


def _claim(delivery_id: Any, now: datetime) -> Delivery | None:
    """Take a due pending delivery for this worker: its ``next_attempt_at`` moves past the
    request's timeout, so a duplicate task or the sweep leaves it alone, yet a worker that
    dies mid-request does not lose it."""
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT + 60)
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=lease)
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("endpoint", "event").get(pk=delivery_id)


def _disable_after() -> timedelta:
    return timedelta(days=settings.WEBHOOK_DISABLE_AFTER_DAYS)


def delivery_attempt(*, delivery_id: Any, now: datetime | None = None) -> Delivery | None:
    """Send one pending delivery and record the outcome. Idempotent: a delivery that is not
    pending and due is left alone (returns None).

    A failure schedules the next attempt per ``WEBHOOK_RETRY_SCHEDULE`` (a redelivery is not
    retried); an endpoint failing without a success for ``WEBHOOK_DISABLE_AFTER_DAYS`` is
    disabled and the team's owners and admins are emailed. ``now`` is for tests.
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.enabled and not delivery.is_redelivery:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED,
            error="Not sent: the endpoint is disabled.",
            next_attempt_at=None,
        )
        delivery.refresh_from_db()
        return delivery
    result = _post(endpoint, delivery.event)
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        delivery.response_status = result.response_status
        delivery.response_excerpt = result.excerpt
        delivery.duration_ms = result.duration_ms
        delivery.error = result.error
        delivery.next_attempt_at = None
        if result.ok:
            delivery.status = Delivery.Status.SUCCEEDED
            if endpoint.failing_since is not None:
                endpoint.failing_since = None
                endpoint.save(update_fields=["failing_since"])
        else:
            delivery.status = _after_failure(delivery, endpoint, now)
        delivery.save(
            update_fields=[
                "status",
                "response_status",
                "response_excerpt",
                "duration_ms",
                "error",
                "next_attempt_at",
            ]
        )
    return delivery


def _after_failure(delivery: Delivery, endpoint: Endpoint, now: datetime) -> str:
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since"])
    if endpoint.enabled and now - endpoint.failing_since >= _disable_after():
        _disable(endpoint)
        return Delivery.Status.FAILED
    schedule: list[int] = list(settings.WEBHOOK_RETRY_SCHEDULE)
    if delivery.is_redelivery or delivery.attempt > len(schedule) or not endpoint.enabled:
        return Delivery.Status.FAILED
    delay = schedule[delivery.attempt - 1]
    retry = Delivery.objects.create(
        endpoint=endpoint,
        event=delivery.event,
        attempt=delivery.attempt + 1,
        next_attempt_at=now + timedelta(seconds=delay),
    )
    if delay <= COUNTDOWN_LIMIT:
        _enqueue(retry.pk, countdown=delay)
    return Delivery.Status.RETRYING


def _disable(endpoint: Endpoint) -> None:
    days = settings.WEBHOOK_DISABLE_AFTER_DAYS
    endpoint.enabled = False
    endpoint.disabled_reason = f"Every delivery failed for {days} days."
    endpoint.save(update_fields=["enabled", "disabled_reason"])
    Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED, error="Not sent: the endpoint was disabled."
    )
    recipients = list(
        Membership.objects.filter(team_id=endpoint.team_id, role__in=[Role.OWNER, Role.ADMIN])
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )
    team = Team.objects.get(pk=endpoint.team_id)
    subject = f"Webhook endpoint disabled in {team.name}"
    message = (
        f"Panelist has disabled the webhook endpoint\n\n    {endpoint.url}\n\n"
        f"of the team {team.name}: every delivery to it has failed for {days} days.\n"
        "Fix the receiver, then enable the endpoint again in Team settings → Webhooks;\n"
        "failed deliveries can be redelivered from the endpoint's page.\n\n"
        f"{settings.SITE_URL}/settings/webhooks/{endpoint.pk}/\n"
    )

    def email() -> None:
        try:
            send_mail(subject, message, None, recipients)
        except Exception:
            # The endpoint stays disabled either way; the page shows why.
            logger.exception("Could not email %s about disabled webhook %s", team, endpoint.pk)

    if recipients:
        transaction.on_commit(email)
    logger.warning("Webhook endpoint %s disabled after %s days of failures", endpoint.pk, days)


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send ``delivery``'s event to its endpoint again, as a new attempt (not retried)."""
    attempts = Delivery.objects.filter(endpoint=delivery.endpoint_id, event=delivery.event_id)
    last = attempts.aggregate(Max("attempt"))["attempt__max"]
    retry = Delivery.objects.create(
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        attempt=(last or 0) + 1,
        is_redelivery=True,
        next_attempt_at=timezone.now(),
    )
    _enqueue(retry.pk)
    return retry


def deliveries_enqueue_due(*, now: datetime | None = None) -> int:
    """Enqueue pending deliveries that are due: retries scheduled too far ahead for a
    countdown, and attempts whose task was lost. Returns how many."""
    from webhooks.tasks import webhook_deliver

    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now - SWEEP_GRACE
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in ids:
        webhook_deliver.delay(pk)
    return len(ids)
