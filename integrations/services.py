"""Writes for ATS connectors: enable, disable, rotate the key, configure how to reach the ATS,
log a call, and orders (``ats_order_create``: an invite made through the one invite service, for
Greenhouse and Ashby alike; ``ats_order_cancel``). ``order_status`` is the one read every
adapter answers a status request with; ``ats_orders_notify`` tells each ATS what changed.

Connector keys are ``pg_<prefix>_<secret>``, like API keys (``api/keys.py``): the prefix finds
the row and the SHA-256 of the whole key is compared in constant time. They are 59 characters,
well under Greenhouse's limit of 170. Unlike an API key, the key is also kept encrypted
(``key_seal``, Fernet with a key derived from ``SECRET_KEY``), because Greenhouse's completion
PATCH must be signed with the same key. The customer's Ashby API key (``ats_key_sealed``) is
sealed the same way. Nothing but ``ats_orders_notify`` decrypts either."""

from __future__ import annotations

import base64
import json
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
from django.db.models import F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Team
from accounts.selectors import manages_team
from candidates.models import CandidateInterview
from candidates.scores import candidate_scores, round_score
from candidates.services.candidates import candidate_get_or_create_by_email
from candidates.services.invites import DuplicateInvite, invite_cancel, invite_create
from integrations.models import (
    ATS_KEY_MAX,
    CALLBACK_URL_MAX,
    ERROR_MAX,
    PATH_MAX,
    REQUEST_LOG_KEEP,
    AtsOrder,
    Connector,
    ConnectorRequest,
)
from interviews.models import Interview
from kit.keys import key_matches, key_new, key_prefix, secret_digest
from kit.sealing import seal, unseal

if TYPE_CHECKING:
    from accounts.models import User

Status = CandidateInterview.Status

logger = logging.getLogger(__name__)

KEY_SCHEME = "pg"
# list_tests answers with at most this many interviews (newest first).
PACKAGES_MAX = 500


_SEAL_PURPOSE = "panelist.ats"


def key_seal(raw: str) -> str:
    return seal(raw, purpose=_SEAL_PURPOSE)


def key_unseal(sealed: str) -> str:
    return unseal(sealed, purpose=_SEAL_PURPOSE)


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


# Where Panelist may tell Ashby (``Connector.ats_url``): any https URL unless this setting lists
# the allowed prefixes (the tests list their local server).
ASHBY_UPDATE_URL = "https://api.ashbyhq.com/assessment.update"


def ats_url_allowed(url: str) -> bool:
    prefixes = getattr(settings, "ASHBY_UPDATE_URL_PREFIXES", None) or ("https://",)
    return any(url.startswith(prefix) for prefix in prefixes)


@transaction.atomic
def connector_ats_configure(
    *, connector: Connector, ats_url: str, ats_key: str, by: User
) -> list[str]:
    """Set where and with which of the customer's keys Panelist tells the ATS (Ashby: the
    assessment.update URL and an Ashby API key). A blank ``ats_key`` keeps the current one.
    Returns the names of the fields that changed (audited; the key itself never is)."""
    _check_manages(by, connector.team)
    ats_url, ats_key = ats_url.strip(), ats_key.strip()
    errors: dict[str, str] = {}
    if len(ats_url) > CALLBACK_URL_MAX:
        errors["ats_url"] = f"Use at most {CALLBACK_URL_MAX} characters."
    elif ats_url and not ats_url_allowed(ats_url):
        errors["ats_url"] = "Use an https:// URL (Ashby's is " + ASHBY_UPDATE_URL + ")."
    if len(ats_key) > ATS_KEY_MAX:
        errors["ats_key"] = f"Use at most {ATS_KEY_MAX} characters."
    elif any(c.isspace() or c == ":" for c in ats_key):
        errors["ats_key"] = "An API key has no spaces or colons: copy it again from Ashby."
    if errors:
        raise ValidationError(errors)
    changed = []
    if ats_url != connector.ats_url:
        connector.ats_url = ats_url
        changed.append("ats_url")
    if ats_key:
        connector.ats_key_sealed = key_seal(ats_key)
        connector.ats_key_set_at = timezone.now()
        changed.append("ats_key")
    if changed:
        connector.save(update_fields=["ats_url", "ats_key_sealed", "ats_key_set_at", "updated_at"])
        audit_record(
            action="connector.configured",
            actor=by,
            team=connector.team,
            obj=connector,
            data={"kind": connector.kind, "changed": changed},
        )
    return changed


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
                "package_id": f"“{package_id}” is not an active interview of this team; "
                "list the tests again for the ids that are."
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


class OrderTaken(ValidationError):
    """The candidate already has an open invite to that interview, ordered otherwise (by hand,
    or for another application): ``existing`` is that invite."""

    def __init__(self, existing: CandidateInterview) -> None:
        super().__init__(
            {
                "package_id": f"The candidate already has an open invite ({existing.pk}) to this "
                "interview; cancel it in Panelist first to send a new one."
            }
        )
        self.existing = existing


@transaction.atomic
def ats_order_create(
    *,
    connector: Connector,
    package_id: str,
    first_name: str,
    last_name: str,
    email: str,
    external_candidate_id: str = "",
    application_id: str = "",
    callback_url: str = "",
) -> AtsOrder:
    """An ATS orders interview ``package_id`` for a candidate (Greenhouse's send_test, Ashby's
    assessment.start): the candidate (found by email in the team, as the CSV import does, or
    created), an invite emailed to them through ``invite_create``, and its order.

    The ATS ordering the same application's interview again while the invite is open gets the
    same order back (a retry must not email a second link); any other open invite of the
    candidate to that interview raises ``OrderTaken``."""
    team = connector.team
    interview = _package(connector, package_id)
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
            raise OrderTaken(exc.existing) from exc
        return same
    return AtsOrder.objects.create(
        connector=connector,
        invite=invite,
        external_candidate_id=external_candidate_id,
        application_id=application_id,
        callback_url=callback_url,
    )


def _order(connector: Connector, invite_id: str) -> AtsOrder | None:
    try:
        pk = UUID(str(invite_id))
    except ValueError:
        return None
    return (
        AtsOrder.objects.select_related("invite", "connector")
        .filter(connector=connector, invite_id=pk)
        .first()
    )


@transaction.atomic
def ats_order_cancel(*, connector: Connector, invite_id: str) -> AtsOrder | None:
    """The ATS cancels its order (Ashby's assessment.cancel): the invite is cancelled through
    ``invite_cancel``, so its link stops working. None when the connector has no such order.

    Idempotent: an order already cancelled or expired is left as it is. The ATS is not told
    back what it did itself. A completed invite cannot be cancelled (``ValidationError``)."""
    order = _order(connector, invite_id)
    if order is None:
        return None
    invite = order.invite
    if invite.status not in (Status.CANCELLED, Status.EXPIRED):
        order.invite = invite = invite_cancel(invite=invite, by=None)
    AtsOrder.objects.filter(pk=order.pk).update(pushed_status=invite.status)
    order.pushed_status = invite.status
    return order


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
    # When a cancelled or expired invite ended (the cancel, or the expiring update).
    ended_at: datetime | None = None


def order_status(*, connector: Connector, invite_id: str) -> OrderStatus | None:
    """The status of the connector's order for invite ``invite_id``; None when the connector has
    no such order (another team's id, a malformed id). Reads only."""
    order = _order(connector, invite_id)
    return None if order is None else order_status_of(order)


def order_status_of(order: AtsOrder) -> OrderStatus:
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
        ended_at=invite.cancelled_at or invite.updated_at,
    )


# ---------------------------------------------------------------- telling the ATS

# Greenhouse stops waiting for a test after 8 weeks; Panelist stops telling any ATS then.
NOTIFY_FOR = timedelta(weeks=8)
NOTIFY_BATCH = 100
NOTIFY_TIMEOUT_SECONDS = 10
# An invite in these states has nothing to tell yet.
_NOT_YET = (Status.DRAFT, Status.INVITED)


@dataclass(frozen=True)
class Push:
    """One call telling an ATS about an order, as its adapter's ``notify`` builds it: ``method``
    to ``url`` with HTTP Basic (``key`` as the user name, a blank password) and ``body`` as
    JSON. With ``refused`` set nothing is sent: it says why (logged, tried again next run)."""

    method: str
    url: str
    key: str = ""
    body: Any = None
    refused: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect is answered as it came (a 3xx, logged, tried again): following it would carry
    # the key to a URL nobody checked.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _send(push: Push) -> tuple[int, str]:
    """Make the call; (HTTP status, what went wrong) with status 0 when no answer came."""
    if urlsplit(push.url).scheme not in ("http", "https"):
        return 0, f"Not called: {push.url} is not an http(s) URL."
    token = base64.b64encode(f"{push.key}:".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
    data = None
    if push.body is not None:
        data = json.dumps(push.body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(  # noqa: S310  (http(s) only, checked above)
        push.url, data=data, method=push.method, headers=headers
    )
    try:
        with _OPENER.open(request, timeout=NOTIFY_TIMEOUT_SECONDS) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), f"The ATS answered {exc.code}."
    except (OSError, ValueError) as exc:
        return 0, f"No answer: {exc}"


def ats_orders_notify(*, now: datetime | None = None) -> int:
    """Tell each ATS what changed about its orders: for every order of an enabled connector
    whose invite moved past "invited" since the ATS was last told (``pushed_status``), its
    adapter's ``notify`` builds the call (Greenhouse: PATCH the callback URL on completion;
    Ashby: POST assessment.update on start, completion, cancel and expiry), or None when that
    ATS has nothing to hear about this change. Returns how many calls were answered 2xx.

    Each call is logged on the connector. A failed or refused call is tried again on the next
    run, for up to 8 weeks after the order. Idempotent: each change is told once."""
    # The adapters build on this module, so they are looked up when the task runs.
    from integrations.adapters import ADAPTERS

    now = now or timezone.now()
    ready = Q(pk__in=[])
    for kind, adapter in ADAPTERS.items():
        if adapter.notify is not None:
            ready |= Q(connector__kind=kind) & adapter.notify_ready
    due = (
        AtsOrder.objects.select_related("connector", "invite")
        .filter(ready, connector__enabled=True, created_at__gte=now - NOTIFY_FOR)
        .exclude(invite__status__in=_NOT_YET)
        .exclude(pushed_status=F("invite__status"))
        .order_by("id")[:NOTIFY_BATCH]
    )
    told = 0
    for order in due:
        connector = order.connector
        notify = ADAPTERS[connector.kind].notify
        assert notify is not None  # only such kinds are due
        status = order_status_of(order)
        push = notify(order, status)
        # Conditional on what was read: a run that overlaps this one tells nothing twice.
        unchanged = AtsOrder.objects.filter(pk=order.pk, pushed_status=order.pushed_status)
        if push is None:
            unchanged.update(pushed_status=status.status)
            continue
        duration = 0
        if push.refused:
            code, error = 0, push.refused
        else:
            started = time.monotonic()
            code, error = _send(push)
            duration = round((time.monotonic() - started) * 1000)
        if 200 <= code < 300:
            unchanged.update(pushed_status=status.status, notified_at=now)
            told += 1
        connector_request_log(
            connector=connector,
            method=push.method,
            path=push.url,
            status_code=code,
            error=error,
            duration_ms=duration,
        )
        if error:
            logger.warning("ATS order %s: %s", order.pk, error)
    return told
