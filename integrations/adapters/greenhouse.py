"""Greenhouse's Assessment Partner API (https://developers.greenhouse.io/assessment.html), as the
partner: Greenhouse calls ``list_tests``, ``send_test``, ``test_status`` and ``response_error``
with HTTP Basic (the connector's key as the user name, a blank password).

- A *test* is an active interview of the team: ``partner_test_id`` is its id, the name its
  title.
- ``send_test`` makes the invite (emailed by Panelist) and answers ``partner_interview_id``:
  the invite's id.
- ``test_status``: ``partner_status`` is "complete" once the candidate has handed in (the only
  value Greenhouse acts on; it polls until then, for up to 8 weeks); before that the invite's
  status in lower case ("invited", "in_progress"), and "cancelled" / "expired" for an invite
  that will not complete. A complete test carries ``partner_profile_url`` (the review page),
  ``partner_score`` when there is one (Panelist's 1-5 scale, one decimal: the reviewers' score,
  else the AI's) and flat ``metadata``.
- On completion ``services.ats_orders_notify`` (a beat task) PATCHes the ``url`` sent with
  ``send_test`` (``notify``), so Greenhouse asks ``test_status`` at once instead of on its next
  poll. Only Greenhouse's own hosts are called (``GREENHOUSE_CALLBACK_PREFIXES``).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db.models import Q
from django.utils import formats

from candidates.models import CandidateInterview
from candidates.services.candidates import EMAIL_MAX, EXTERNAL_ID_MAX, NAME_MAX
from integrations import services
from integrations.adapters import (
    JSON,
    Adapter,
    Call,
    Endpoint,
    PartnerError,
    Reply,
    object_field,
    text_field,
)
from integrations.models import CALLBACK_URL_MAX, Connector

Status = CandidateInterview.Status

PROFILE_URL_MAX = 500
_STATUS = {
    Status.DRAFT: "invited",
    Status.INVITED: "invited",
    Status.IN_PROGRESS: "in_progress",
    Status.COMPLETED: "complete",
    Status.CANCELLED: "cancelled",
    Status.EXPIRED: "expired",
}


def list_tests(call: Call) -> Reply:
    packages = services.connector_packages(connector=call.connector)
    return Reply([{"partner_test_id": str(i.pk), "partner_test_name": i.title} for i in packages])


def _send_test_order(call: Call) -> services.AtsOrder:
    body = call.body
    if not isinstance(body, dict):
        raise PartnerError(400, "The body must be a JSON object.")
    test_id = text_field(body, "partner_test_id", limit=64, required=True, where="")
    candidate = object_field(body, "candidate")
    where = "candidate."
    first = text_field(candidate, "first_name", limit=NAME_MAX, required=True, where=where)
    last = text_field(candidate, "last_name", limit=NAME_MAX, required=True, where=where)
    email = text_field(candidate, "email", limit=EMAIL_MAX, required=True, where=where)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise PartnerError(400, f"candidate.email “{email}” is not an email address.") from exc
    profile = text_field(
        candidate, "greenhouse_profile_url", limit=PROFILE_URL_MAX, required=False, where=where
    )
    candidate_id, application_id = services.greenhouse_profile_ids(profile)
    candidate_id = candidate_id or text_field(
        candidate, "id", limit=EXTERNAL_ID_MAX, required=False, where=where
    )
    if not application_id and isinstance(body.get("application"), dict):
        application_id = text_field(
            body["application"], "id", limit=EXTERNAL_ID_MAX, required=False, where="application."
        )
    callback = text_field(body, "url", limit=CALLBACK_URL_MAX, required=False, where="")
    if callback:
        try:
            URLValidator(schemes=["http", "https"])(callback)
        except ValidationError as exc:
            raise PartnerError(400, f"url “{callback}” is not a URL.") from exc
    try:
        return services.ats_order_create(
            connector=call.connector,
            package_id=test_id,
            first_name=first,
            last_name=last,
            email=email,
            external_candidate_id=candidate_id,
            application_id=application_id,
            callback_url=callback,
        )
    except ValidationError as exc:
        raise PartnerError(400, " ".join(exc.messages)) from exc


def send_test(call: Call) -> Reply:
    order = _send_test_order(call)
    return Reply({"partner_interview_id": str(order.invite_id)})


def _when(value: datetime | None) -> str:
    return formats.date_format(value, "DATETIME_FORMAT") if value else ""


def test_status(call: Call) -> Reply:
    invite_id = call.query.get("partner_interview_id", "").strip()
    if not invite_id:
        raise PartnerError(400, "partner_interview_id is required.")
    status = services.order_status(connector=call.connector, invite_id=invite_id)
    if status is None:
        raise PartnerError(404, f"No test {invite_id} was sent through this connector.")
    partner_status = _STATUS[Status(status.status)]
    answer: dict[str, JSON] = {"partner_status": partner_status}
    metadata: dict[str, JSON] = {}
    if status.started_at:
        metadata["Started At"] = _when(status.started_at)
    if partner_status == "complete":
        answer["partner_profile_url"] = status.review_url
        metadata["Completed At"] = _when(status.completed_at)
        if status.score is not None:
            answer["partner_score"] = float(status.score)
            metadata["Score"] = f"{status.score} of 5 ({status.score_from})"
        else:
            metadata["Score"] = "Not scored yet: see the review page"
    if metadata:
        answer["metadata"] = metadata
    return Reply(answer)


def response_error(call: Call) -> Reply:
    """Greenhouse reports a response of ours it could not read; the connector's log keeps it."""
    body = call.body
    if not isinstance(body, dict):
        raise PartnerError(400, "The body must be a JSON object.")
    errors = body.get("errors")
    reported = "; ".join(str(e) for e in errors) if isinstance(errors, list) else str(errors or "")
    about = ", ".join(
        f"{key}={body[key]}"
        for key in ("partner_test_id", "partner_interview_id")
        if body.get(key) not in (None, "")
    )
    note = f"Greenhouse could not read our {body.get('api_call', '?')} answer: {reported} {about}"
    return Reply({}, note=note.strip())


# Only these URL prefixes are ever called back: the URL comes from Greenhouse's request, and a
# callback elsewhere would make Panelist send the key to whoever wrote it.
GREENHOUSE_CALLBACK_PREFIXES = ("https://app.greenhouse.io/", "https://app.eu.greenhouse.io/")


def _callback_allowed(url: str) -> bool:
    prefixes = getattr(settings, "GREENHOUSE_CALLBACK_PREFIXES", GREENHOUSE_CALLBACK_PREFIXES)
    return any(url.startswith(prefix) for prefix in prefixes)


def notify(order: services.AtsOrder, status: services.OrderStatus) -> services.Push | None:
    """PATCH the callback URL, empty, once the test is complete; Greenhouse then asks
    ``test_status``. Nothing else is worth a call to Greenhouse."""
    if status.status != Status.COMPLETED:
        return None
    url = order.callback_url
    if not _callback_allowed(url) or not order.connector.key_sealed:
        return services.Push(
            "PATCH", url, refused="Not called: the callback URL is not Greenhouse's."
        )
    return services.Push("PATCH", url, key=services.key_unseal(order.connector.key_sealed))


ADAPTER = Adapter(
    kind=Connector.Kind.GREENHOUSE,
    label="Greenhouse",
    endpoints=(
        Endpoint("list_tests", "GET", list_tests),
        Endpoint("send_test", "POST", send_test),
        Endpoint("test_status", "GET", test_status),
        Endpoint("response_error", "POST", response_error),
    ),
    realm="Panelist Greenhouse",
    notify=notify,
    notify_ready=~Q(callback_url=""),
    setup_note="Send the key and these four URLs to partners@greenhouse.io (or your Greenhouse "
    "account manager); Greenhouse enters them for your organization.",
)
