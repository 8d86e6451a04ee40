"""Writes for ATS connectors: enable, disable, rotate the key, log a call, and the Greenhouse
order (an invite made through the one invite service). ``order_status`` is the one read every
adapter answers a status request with.

Connector keys are ``pg_<prefix>_<secret>``, like API keys (``api/keys.py``): the prefix finds
the row and the SHA-256 of the whole key is compared in constant time. They are 59 characters,
well under Greenhouse's limit of 170. Unlike an API key, the key is also kept encrypted
(``key_seal``, Fernet with a key derived from ``SECRET_KEY``), because Greenhouse's completion
PATCH must be signed with the same key; nothing but ``ats_orders_notify`` decrypts it."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Team
from accounts.selectors import manages_team
from candidates.models import CandidateInterview
from candidates.scores import candidate_scores, round_score
from candidates.services.candidates import candidate_get_or_create_by_email
from candidates.services.invites import DuplicateInvite, invite_create
from integrations.models import (
    ERROR_MAX,
    PATH_MAX,
    REQUEST_LOG_KEEP,
    AtsOrder,
    Connector,
    ConnectorRequest,
)
from interviews.models import Interview
from kit.keys import key_matches, key_new, key_prefix, secret_digest

if TYPE_CHECKING:
    from accounts.models import User

Status = CandidateInterview.Status

logger = logging.getLogger(__name__)

KEY_SCHEME = "pg"
# list_tests answers with at most this many interviews (newest first).
PACKAGES_MAX = 500


def _fernet() -> Any:
    from cryptography.fernet import Fernet, MultiFernet

    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"panelist.ats:{k}".encode()).digest()))
            for k in keys
        ]
    )


def key_seal(raw: str) -> str:
    return str(_fernet().encrypt(raw.encode()).decode())


def key_unseal(sealed: str) -> str:
    return str(_fernet().decrypt(sealed.encode()).decode())


def _check_manages(by: User, team: Team) -> None:
    manages = (
        Team.objects.filter(pk=team.pk).filter(manages_team(user=by, team=OuterRef("pk"))).exists()
    )
    if not manages:
        raise PermissionDenied("Only the team's owners and admins can manage its integrations.")


def _audit(connector: Connector, action: str, by: User) -> None:
    audit_record(
        action=action,
        actor=by,
        team=connector.team,
        obj=connector,
        data={"kind": connector.kind, "key_prefix": connector.key_prefix},
    )


# ---------------------------------------------------------------- connectors


@transaction.atomic
def connector_enable(*, team: Team, kind: str, by: User) -> tuple[Connector, str]:
    """Turn the team's ``kind`` connector on; the first time, create it with a key.

    Returns the connector and its new key ("" when it already had one: enabling again keeps the
    key the ATS holds; rotate it to get a new one)."""
    if kind not in Connector.Kind.values:
        raise ValidationError({"kind": f"Unknown integration “{kind}”."})
    _check_manages(by, team)
    connector = Connector.objects.select_for_update().filter(team=team, kind=kind).first()
    raw = ""
    if connector is None:
        prefix, raw = key_new(KEY_SCHEME)
        connector = Connector.objects.create(
            team=team,
            kind=kind,
            key_prefix=prefix,
            key_hash=secret_digest(raw),
            key_sealed=key_seal(raw),
            created_by=by,
        )
    elif connector.enabled:
        return connector, ""
    else:
        connector.enabled = True
        connector.save(update_fields=["enabled", "updated_at"])
    _audit(connector, "connector.enabled", by)
    return connector, raw


@transaction.atomic
def connector_disable(*, connector: Connector, by: User) -> Connector:
    """Turn the connector off: the ATS's calls get 403 until it is enabled again. Invites
    already sent carry on."""
    _check_manages(by, connector.team)
    if connector.enabled:
        connector.enabled = False
        connector.save(update_fields=["enabled", "updated_at"])
        _audit(connector, "connector.disabled", by)
    return connector


@transaction.atomic
def connector_key_rotate(*, connector: Connector, by: User) -> tuple[Connector, str]:
    """A new key for the connector; the old one stops working at once."""
    _check_manages(by, connector.team)
    prefix, raw = key_new(KEY_SCHEME)
    connector.key_prefix, connector.key_hash = prefix, secret_digest(raw)
    connector.key_sealed = key_seal(raw)
    connector.key_rotated_at = timezone.now()
    connector.save(
        update_fields=["key_prefix", "key_hash", "key_sealed", "key_rotated_at", "updated_at"]
    )
    _audit(connector, "connector.key_rotated", by)
    return connector, raw


def connector_for_key(*, kind: str, raw: str) -> Connector | None:
    """The ``kind`` connector whose key is ``raw`` (enabled or not), or None. Never says which
    part was wrong."""
    prefix = key_prefix(raw, KEY_SCHEME)
    if prefix is None:
        return None
    connector = (
        Connector.objects.select_related("team").filter(kind=kind, key_prefix=prefix).first()
    )
    if connector is None or not key_matches(connector.key_hash, raw):
        return None
    return connector


def connector_request_log(
    *, connector: Connector, method: str, path: str, status_code: int, error: str, duration_ms: int
) -> ConnectorRequest:
    """Log one call, and drop the connector's calls beyond the newest ``REQUEST_LOG_KEEP``."""
    entry = ConnectorRequest.objects.create(
        connector=connector,
        method=method[:8],
        path=path[:PATH_MAX],
        status_code=status_code,
        error=error[:ERROR_MAX],
        duration_ms=max(0, duration_ms),
    )
    mine = ConnectorRequest.objects.filter(connector=connector)
    oldest_kept = mine.order_by("-id").values_list("id", flat=True)[REQUEST_LOG_KEEP - 1 :][:1]
    if (cutoff := next(iter(oldest_kept), None)) is not None:
        mine.filter(id__lt=cutoff).delete()
    return entry


# ---------------------------------------------------------------- packages and orders


def connector_packages(*, connector: Connector) -> list[Interview]:
    """What the ATS may order: the team's active interviews, newest first."""
    return list(
        Interview.objects.for_team(connector.team)
        .filter(status=Interview.Status.ACTIVE)
        .only("id", "title")
        .order_by("-created_at")[:PACKAGES_MAX]
    )


def _package(connector: Connector, package_id: str) -> Interview:
    try:
        return Interview.objects.for_team(connector.team).get(
            pk=UUID(package_id), status=Interview.Status.ACTIVE
        )
    except (ValueError, Interview.DoesNotExist) as exc:
        raise ValidationError(
            {
                "partner_test_id": f"“{package_id}” is not an active interview of this team; "
                "list_tests gives the ids that are."
            }
        ) from exc


_PEOPLE = re.compile(r"/people/(\d+)")


def greenhouse_profile_ids(profile_url: str) -> tuple[str, str]:
    """(candidate id, application id) from a Greenhouse profile URL such as
    ``https://app.greenhouse.io/people/17681532?application_id=26234709``; "" where absent."""
    parts = urlsplit(profile_url)
    found = _PEOPLE.search(parts.path)
    application = parse_qs(parts.query).get("application_id", [""])[0]
    return (found.group(1) if found else ""), (application if application.isdigit() else "")


@transaction.atomic
def greenhouse_send_test(
    *,
    connector: Connector,
    partner_test_id: str,
    first_name: str,
    last_name: str,
    email: str,
    external_candidate_id: str = "",
    application_id: str = "",
    callback_url: str = "",
) -> AtsOrder:
    """Greenhouse's send_test: the candidate (found by email in the team, as the CSV import
    does, or created), an invite emailed to them through ``invite_create``, and its order.

    Greenhouse sending the same application's test again while the invite is open gets the same
    order back (a retry must not email a second link)."""
    team = connector.team
    interview = _package(connector, partner_test_id)
    candidate, _created = candidate_get_or_create_by_email(
        team=team,
        by=None,
        email=email,
        first_name=first_name,
        last_name=last_name,
        external_id=external_candidate_id,
    )
    try:
        invite, _token = invite_create(
            team=team, by=None, candidate=candidate, interview=interview, delivery_types=("email",)
        )
    except DuplicateInvite as exc:
        same = AtsOrder.objects.filter(
            connector=connector, invite=exc.existing, application_id=application_id
        ).first()
        if same is None:
            raise
        return same
    return AtsOrder.objects.create(
        connector=connector,
        invite=invite,
        external_candidate_id=external_candidate_id,
        application_id=application_id,
        callback_url=callback_url,
    )


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class OrderStatus:
    """What an ATS is told about an order. ``score`` is on Panelist's 1-5 scale, one decimal:
    the reviewers' score when there is one, else the AI's (advice); ``score_from`` says which."""

    status: str
    review_url: str
    score: Decimal | None = None
    score_from: str = ""
    started_at: datetime | None = None
    completed_at: datetime | None = None


def order_status(*, connector: Connector, invite_id: str) -> OrderStatus | None:
    """The status of the connector's order for invite ``invite_id``; None when the connector has
    no such order (another team's id, a malformed id). Reads only."""
    try:
        pk = UUID(str(invite_id))
    except ValueError:
        return None
    order = (
        AtsOrder.objects.select_related("invite").filter(connector=connector, invite_id=pk).first()
    )
    if order is None:
        return None
    invite = order.invite
    review_url = settings.SITE_URL + reverse("candidates:invite_review", args=[invite.pk])
    score: Decimal | None = None
    score_from = ""
    if invite.status == Status.COMPLETED:
        scores = candidate_scores([invite])[invite.pk]
        if scores.human is not None:
            score, score_from = round_score(scores.human), "reviewers"
        elif scores.ai is not None:
            score, score_from = round_score(scores.ai), "AI evaluation (advice)"
    return OrderStatus(
        status=invite.status,
        review_url=review_url,
        score=score,
        score_from=score_from,
        started_at=invite.started_at,
        completed_at=invite.completed_at,
    )


# ---------------------------------------------------------------- telling the ATS

# Greenhouse stops waiting for a test after 8 weeks; so do we.
NOTIFY_FOR = timedelta(weeks=8)
NOTIFY_BATCH = 100
NOTIFY_TIMEOUT_SECONDS = 10
# Only these URL prefixes are ever called back: the URL comes from the ATS's request, and a
# callback elsewhere would make Panelist send the key to whoever wrote it.
GREENHOUSE_CALLBACK_PREFIXES = ("https://app.greenhouse.io/", "https://app.eu.greenhouse.io/")


def _callback_allowed(url: str) -> bool:
    prefixes = getattr(settings, "GREENHOUSE_CALLBACK_PREFIXES", GREENHOUSE_CALLBACK_PREFIXES)
    return any(url.startswith(prefix) for prefix in prefixes)


def _patch(url: str, key: str) -> int:
    """PATCH ``url`` with HTTP Basic (``key``, blank password); the HTTP status, 0 when no
    answer came."""
    token = base64.b64encode(f"{key}:".encode()).decode()
    request = urllib.request.Request(  # noqa: S310  (an allowed https prefix, checked first)
        url, method="PATCH", headers={"Authorization": f"Basic {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=NOTIFY_TIMEOUT_SECONDS) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def ats_orders_notify(*, now: datetime | None = None) -> int:
    """PATCH the callback URL of each Greenhouse order whose invite completed and that was not
    told yet (Greenhouse then asks ``test_status``); returns how many were told. Each call is
    logged on the connector. A failed call is tried again on the next run, for up to 8 weeks
    after the order. Idempotent: an order is told once."""
    now = now or timezone.now()
    due = (
        AtsOrder.objects.select_related("connector")
        .filter(
            notified_at__isnull=True,
            invite__status=Status.COMPLETED,
            connector__enabled=True,
            connector__kind=Connector.Kind.GREENHOUSE,
            created_at__gte=now - NOTIFY_FOR,
        )
        .exclude(callback_url="")
        .order_by("id")[:NOTIFY_BATCH]
    )
    told = 0
    for order in due:
        connector = order.connector
        duration = 0
        if not _callback_allowed(order.callback_url) or not connector.key_sealed:
            status, error = 0, "Not called: the callback URL is not Greenhouse's."
        else:
            started = time.monotonic()
            try:
                status, error = _patch(order.callback_url, key_unseal(connector.key_sealed)), ""
            except (OSError, ValueError) as exc:
                status, error = 0, f"No answer: {exc}"
            duration = round((time.monotonic() - started) * 1000)
        if 200 <= status < 300:
            AtsOrder.objects.filter(pk=order.pk, notified_at__isnull=True).update(notified_at=now)
            told += 1
        elif not error:
            error = f"Greenhouse answered {status}."
        connector_request_log(
            connector=connector,
            method="PATCH",
            path=order.callback_url,
            status_code=status,
            error=error,
            duration_ms=duration,
        )
        if error:
            logger.warning("ATS order %s: %s", order.pk, error)
    return told
