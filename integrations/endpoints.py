"""The one view in front of every adapter endpoint (see ``integrations/adapters``): no session,
no CSRF; the connector's key authenticates; every call with a known key is logged on its
connector, the others in the server log."""

from __future__ import annotations

import json
import logging
import time

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.adapters import ADAPTERS, Call, Endpoint, PartnerError, Reply
from integrations.models import Connector
from integrations.services import connector_for_key, connector_request_log

logger = logging.getLogger(__name__)

# A body larger than this is refused before it is parsed.
BODY_MAX = 64 * 1024


def _parse(request: HttpRequest) -> object:
    if request.method == "GET" or not request.body:
        return None
    if len(request.body) > BODY_MAX:
        raise PartnerError(413, f"The body is larger than {BODY_MAX} bytes.")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PartnerError(400, f"The body is not valid JSON: {exc}.") from exc


@csrf_exempt
def partner_call(request: HttpRequest, kind: str, endpoint: str) -> HttpResponse:
    started = time.monotonic()
    adapter = ADAPTERS[kind]
    handler = adapter.endpoint(endpoint)
    assert handler is not None  # the URLconf routes only the adapter's own endpoints
    raw = adapter.credentials(request)
    connector = connector_for_key(kind=kind, raw=raw) if raw else None
    if connector is None:
        logger.warning("%s %s: missing or unknown key", request.method, request.path)
        message = "Authenticate with the connector's key (HTTP Basic user name)."
        response = JsonResponse(adapter.error_body(401, message), status=401)
        response["WWW-Authenticate"] = f'Basic realm="{adapter.realm}"'
        return response
    try:
        reply = _answer(request, connector, handler)
    except PartnerError as exc:
        reply = Reply(
            adapter.error_body(exc.status, exc.message), status=exc.status, note=exc.message
        )
    connector_request_log(
        connector=connector,
        method=request.method or "",
        path=request.get_full_path(),
        status_code=reply.status,
        error=reply.note,
        duration_ms=round((time.monotonic() - started) * 1000),
    )
    response = JsonResponse(reply.body, status=reply.status, safe=False)
    if reply.status == 405:
        response["Allow"] = handler.method
    return response


def _answer(request: HttpRequest, connector: Connector, endpoint: Endpoint) -> Reply:
    if not connector.enabled:
        raise PartnerError(403, "This integration is turned off in Panelist's team settings.")
    if request.method != endpoint.method:
        raise PartnerError(405, f"Use {endpoint.method}.")
    call = Call(connector=connector, query=request.GET, body=_parse(request))
    # The handler's writes are one transaction: a refusal half-way leaves nothing behind.
    with transaction.atomic():
        return endpoint.handler(call)
