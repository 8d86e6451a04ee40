"""Ashby's Assessments Partner API (https://developers.ashbyhq.com/docs/creating-an-assessments-
integration), as the partner: Ashby POSTs JSON to ``assessment.list``, ``assessment.start`` and
``assessment.cancel`` under the base URL it is given (``…/integrations/ashby``), with HTTP Basic
(the connector's key as the user name, a blank password: how Ashby's own API is called, the
documented scheme of these endpoints).

- An *assessment type* is an active interview of the team: ``assessment_type_id`` is its id.
- ``assessment.start`` makes the invite (emailed by Panelist) and answers ``{"success": true,
  "results": {"assessment_id": <the invite's id>, "update_request": …}}``. Ashby's user reads a
  refusal's ``message``: 422 for one they can act on, 409 when the candidate already has an
  open invite to that interview.
- ``assessment.cancel`` cancels the invite (idempotent); an id not started through this
  connector is a 404 naming it.
- Panelist tells Ashby (``notify``, run by ``services.ats_orders_notify``) with a POST of
  ``assessment.update`` to the connector's URL, signed with the team's Ashby API key: "Started"
  when the candidate starts, the result when they hand in (the score on Panelist's 1-5 scale,
  the review page as ``assessment_profile_url``), a ``cancelled_reason`` when the invite is
  cancelled in Panelist or expires.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone

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
from integrations.forms import AshbySettingsForm
from integrations.models import Connector

Status = CandidateInterview.Status

ID_MAX = 64
DESCRIPTION = "A Panelist one-way interview: the candidate records answers when it suits them."
CANCELLED_IN_PANELIST = "The invite was cancelled in Panelist."
EXPIRED = "The invite expired before the candidate handed in the interview."


def _error_body(_status: int, message: str) -> JSON:
    # Ashby's own error shape ({"success": false, "errors": […]}) plus the documented
    # ``message`` that Ashby shows its user for a 422.
    return {"success": False, "errors": [message], "message": message}


def _body(call: Call) -> dict[str, JSON]:
    if not isinstance(call.body, dict):
        raise PartnerError(400, "The body must be a JSON object.")
    return call.body


def assessment_list(call: Call) -> Reply:
    packages = services.connector_packages(connector=call.connector)
    return Reply(
        {
            "success": True,
            "results": [
                {"assessment_type_id": str(i.pk), "name": i.title, "description": DESCRIPTION}
                for i in packages
            ],
        }
    )


def _start_order(call: Call) -> services.AtsOrder:
    body = _body(call)
    type_id = text_field(body, "assessment_type_id", limit=ID_MAX, required=True, where="")
    candidate = object_field(body, "candidate")
    application = object_field(body, "application")
    where = "candidate."
    first = text_field(candidate, "first_name", limit=NAME_MAX, required=True, where=where)
    last = text_field(candidate, "last_name", limit=NAME_MAX, required=True, where=where)
    email = text_field(candidate, "email", limit=EMAIL_MAX, required=True, where=where)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise PartnerError(400, f"candidate.email “{email}” is not an email address.") from exc
    candidate_id = text_field(
        candidate, "ashby_id", limit=EXTERNAL_ID_MAX, required=True, where=where
    )
    application_id = text_field(
        application, "ashby_id", limit=EXTERNAL_ID_MAX, required=True, where="application."
    )
    try:
        return services.ats_order_create(
            connector=call.connector,
            package_id=type_id,
            first_name=first,
            last_name=last,
            email=email,
            external_candidate_id=candidate_id,
            application_id=application_id,
        )
    except services.OrderTaken as exc:
        raise PartnerError(409, " ".join(exc.messages)) from exc
    except ValidationError as exc:
        raise PartnerError(422, " ".join(exc.messages)) from exc


def assessment_start(call: Call) -> Reply:
    order = _start_order(call)
    assessment_id = str(order.invite_id)
    invited = _update(assessment_id, timezone.now())
    invited["assessment_status"] = _data("status", "Status", "string", "Invited")
    return Reply(
        {"success": True, "results": {"assessment_id": assessment_id, "update_request": invited}}
    )


def assessment_cancel(call: Call) -> Reply:
    assessment_id = text_field(_body(call), "assessment_id", limit=ID_MAX, required=True, where="")
    try:
        order = services.ats_order_cancel(connector=call.connector, invite_id=assessment_id)
    except ValidationError as exc:
        raise PartnerError(422, " ".join(exc.messages)) from exc
    if order is None:
        raise PartnerError(404, f"No assessment {assessment_id} was started through this team.")
    return Reply({"success": True, "results": {"assessment_id": assessment_id}})


# ---------------------------------------------------------------- assessment.update


def _data(identifier: str, label: str, kind: str, value: JSON, description: str = "") -> JSON:
    """One value in Ashby's format; ``identifier`` is stable per field, as Ashby asks."""
    data = {"identifier": identifier, "label": label, "type": kind, "value": value}
    if description:
        data["description"] = description
    return data


def _update(assessment_id: str, when: datetime | None) -> dict[str, JSON]:
    at = when or timezone.now()
    return {"assessment_id": assessment_id, "timestamp": int(at.timestamp() * 1000)}


def update_body(order: services.AtsOrder, status: services.OrderStatus) -> dict[str, JSON] | None:
    """The assessment.update body for the order's current status; None when Ashby has nothing
    to hear (an invite not started yet)."""
    assessment_id = str(order.invite_id)
    state = Status(status.status)
    if state == Status.IN_PROGRESS:
        body = _update(assessment_id, status.started_at)
        body["assessment_status"] = _data("status", "Status", "string", "Started")
    elif state == Status.COMPLETED:
        body = _update(assessment_id, status.completed_at)
        body["assessment_status"] = _data("status", "Status", "string", "Completed")
        body["assessment_profile_url"] = _data(
            "profile_url", "Review in Panelist", "url", status.review_url
        )
        if status.score is not None:
            body["assessment_result"] = _data(
                "score",
                "Score (1-5)",
                "numeric_score",
                float(status.score),
                f"Panelist's 1-5 scale; from the {status.score_from}.",
            )
        else:
            body["assessment_result"] = _data(
                "score", "Score (1-5)", "string", "Not scored yet: see the review page."
            )
        if status.started_at and status.completed_at:
            minutes = (status.completed_at - status.started_at).total_seconds() / 60
            body["metadata"] = [
                _data("duration", "Time taken", "numeric_duration_minutes", round(minutes, 1))
            ]
    elif state in (Status.CANCELLED, Status.EXPIRED):
        body = _update(assessment_id, status.ended_at)
        reason = CANCELLED_IN_PANELIST if state == Status.CANCELLED else EXPIRED
        body["cancelled_reason"] = _data("cancelled_reason", "Cancelled", "string", reason)
    else:
        return None
    return body


def notify(order: services.AtsOrder, status: services.OrderStatus) -> services.Push | None:
    body = update_body(order, status)
    if body is None:
        return None
    connector = order.connector
    url = connector.ats_url or services.ASHBY_UPDATE_URL
    if not services.ats_url_allowed(url):
        return services.Push("POST", url, refused=f"Not sent: {url} is not an allowed URL.")
    key = services.key_unseal(connector.ats_key_sealed)
    return services.Push("POST", url, key=key, body=body)


ADAPTER = Adapter(
    kind=Connector.Kind.ASHBY,
    label="Ashby",
    endpoints=(
        Endpoint("assessment.list", "POST", assessment_list),
        Endpoint("assessment.start", "POST", assessment_start),
        Endpoint("assessment.cancel", "POST", assessment_cancel),
    ),
    realm="Panelist Ashby",
    error_body=_error_body,
    notify=notify,
    # Without the team's Ashby API key there is no way to tell Ashby; orders wait for it.
    notify_ready=~Q(connector__ats_key_sealed=""),
    settings_form=AshbySettingsForm,
    setup_note="Give Ashby the key and the base URL (Ashby adds /assessment.list, "
    "/assessment.start and /assessment.cancel to it) through your Ashby partner contact; Ashby "
    "calls them with HTTP Basic, the key as the user name. Then set your Ashby API key below, "
    "so Panelist can report progress and results to Ashby.",
)
