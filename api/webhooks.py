"""Webhook endpoints and their delivery log: ``/qsi/gather/webhooks``."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.auth import request_team, request_user
from api.base import GatherView
from api.dialect import PAGE_PARAMS, TEAM_PARAM, envelope_of, get_or_404, page_of, service_errors
from api.responses import envelope, paginate
from api.serializers.fields import Text, Url
from webhooks import selectors, services
from webhooks.models import Delivery, Endpoint, EventType


def webhook_json(endpoint: Endpoint, *, secret: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(endpoint.pk),
        "url": endpoint.url,
        "description": endpoint.description,
        "eventTypes": list(endpoint.event_types),
        "enabled": endpoint.enabled,
        "disabledReason": endpoint.disabled_reason,
        "failingSince": endpoint.failing_since.isoformat() if endpoint.failing_since else None,
        "createdAt": endpoint.created_at.isoformat(),
    }
    if secret:
        data["secret"] = endpoint.secret
    return data


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "eventId": str(delivery.event_id),
        "eventType": delivery.event.type,
        "attempt": delivery.attempt,
        "status": delivery.status,
        "redelivery": delivery.is_redelivery,
        "responseStatus": delivery.response_status,
        "responseExcerpt": delivery.response_excerpt,
        "durationMs": delivery.duration_ms,
        "error": delivery.error,
        "nextAttemptAt": delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else None,
        "createdAt": delivery.created_at.isoformat(),
    }


class WebhookOut(serializers.Serializer):
    id = serializers.UUIDField()
    url = Url()
    description = Text()
    eventTypes = serializers.ListField(child=serializers.ChoiceField(EventType.choices))
    enabled = serializers.BooleanField()
    disabledReason = Text()
    failingSince = serializers.DateTimeField(allow_null=True)
    createdAt = serializers.DateTimeField()


class WebhookWithSecretOut(WebhookOut):
    secret = Text(help_text="whsec_…; returned on creation only.")


class WebhookDeliveryOut(serializers.Serializer):
    id = serializers.IntegerField()
    eventId = serializers.UUIDField()
    eventType = serializers.ChoiceField(EventType.choices)
    attempt = serializers.IntegerField()
    status = serializers.ChoiceField(Delivery.Status.choices)
    redelivery = serializers.BooleanField()
    responseStatus = serializers.IntegerField(allow_null=True)
    responseExcerpt = Text()
    durationMs = serializers.IntegerField(allow_null=True)
    error = Text()
    nextAttemptAt = serializers.DateTimeField(allow_null=True)
    createdAt = serializers.DateTimeField()


class WebhookCreateIn(serializers.Serializer):
    url = Url(max_length=2000)
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(EventType.choices), allow_empty=False, min_length=1
    )
    description = Text(max_length=200, required=False, allow_blank=True)
    teamId = serializers.UUIDField(required=False)


class WebhookUpdateIn(serializers.Serializer):
    url = Url(max_length=2000, required=False)
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(EventType.choices),
        allow_empty=False,
        min_length=1,
        required=False,
    )
    description = Text(max_length=200, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)
    teamId = serializers.UUIDField(required=False)


def _endpoints(request: Request) -> QuerySet[Endpoint]:
    return Endpoint.objects.for_team(request_team(request))


class WebhookList(GatherView):
    scopes = {"GET": "webhooks:read", "POST": "webhooks:write"}

    @extend_schema(
        summary="List webhooks",
        operation_id="webhooks_list",
        parameters=[*PAGE_PARAMS, TEAM_PARAM],
        responses=page_of("WebhookList", "webhooks", WebhookOut),
    )
    def get(self, request: Request) -> Response:
        return paginate(
            request, selectors.endpoint_list(team=request_team(request)), "webhooks", webhook_json
        )

    @extend_schema(
        summary="Create a webhook",
        description="Events of the chosen types are POSTed to `url`, signed per Standard "
        "Webhooks with the returned `secret` — which this response shows once, never again.",
        request=WebhookCreateIn,
        responses={201: envelope_of("WebhookCreated", "webhook", WebhookWithSecretOut)},
    )
    def post(self, request: Request) -> Response:
        data = WebhookCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            endpoint = services.endpoint_create(
                team=request_team(request),
                url=data.validated_data["url"],
                event_types=data.validated_data["eventTypes"],
                description=data.validated_data.get("description", ""),
                by=request_user(request),
            )
        return envelope(
            request, {"webhook": webhook_json(endpoint, secret=True)}, status.HTTP_201_CREATED
        )


class WebhookDetail(GatherView):
    scopes = {"GET": "webhooks:read", "PATCH": "webhooks:write", "DELETE": "webhooks:write"}
    what = "webhook"

    @extend_schema(
        summary="Get a webhook",
        parameters=[TEAM_PARAM],
        responses=envelope_of("WebhookDetail", "webhook", WebhookOut),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        endpoint = get_or_404(_endpoints(request), pk, self.what)
        return envelope(request, {"webhook": webhook_json(endpoint)})

    @extend_schema(
        summary="Update a webhook",
        description="Change its URL, description, event types, or enable/disable it. "
        "Enabling clears a failure streak.",
        request=WebhookUpdateIn,
        responses=envelope_of("WebhookUpdated", "webhook", WebhookOut),
    )
    def patch(self, request: Request, pk: uuid.UUID) -> Response:
        endpoint = get_or_404(_endpoints(request), pk, self.what)
        data = WebhookUpdateIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        names = {"url": "url", "description": "description", "eventTypes": "event_types"}
        fields = {names[k]: v for k, v in data.validated_data.items() if k in names}
        if "enabled" in data.validated_data:
            fields["enabled"] = data.validated_data["enabled"]
        with service_errors():
            services.endpoint_update(endpoint=endpoint, **fields)
        return envelope(request, {"webhook": webhook_json(endpoint)})

    @extend_schema(summary="Delete a webhook", parameters=[TEAM_PARAM], responses={204: None})
    def delete(self, request: Request, pk: uuid.UUID) -> Response:
        services.endpoint_delete(endpoint=get_or_404(_endpoints(request), pk, self.what))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryList(GatherView):
    scopes = {"GET": "webhooks:read"}
    what = "webhook"

    @extend_schema(
        summary="List a webhook's deliveries",
        description="Every attempt, newest first: status, HTTP code, time taken, and the first "
        "kilobyte of the receiver's answer.",
        parameters=[*PAGE_PARAMS, TEAM_PARAM],
        responses=page_of("WebhookDeliveryList", "deliveries", WebhookDeliveryOut),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        endpoint = get_or_404(_endpoints(request), pk, self.what)
        return paginate(
            request, selectors.delivery_list(endpoint=endpoint), "deliveries", delivery_json
        )


class WebhookRedeliver(GatherView):
    scopes = {"POST": "webhooks:write"}
    what = "webhook"

    @extend_schema(
        summary="Redeliver",
        description="Send the delivery's event to the webhook again, as a new attempt.",
        request=None,
        parameters=[TEAM_PARAM],
        responses={202: envelope_of("WebhookRedelivery", "delivery", WebhookDeliveryOut)},
    )
    def post(self, request: Request, pk: uuid.UUID, delivery_id: int) -> Response:
        endpoint = get_or_404(_endpoints(request), pk, self.what)
        deliveries = Delivery.objects.select_related("event").filter(endpoint=endpoint)
        delivery = get_or_404(deliveries, delivery_id, "delivery", where="for this webhook")
        retry = services.delivery_redeliver(delivery=delivery)
        retry.event = delivery.event
        return envelope(request, {"delivery": delivery_json(retry)}, status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("webhooks", WebhookList.as_view(), name="webhooks"),
    path("webhooks/<uuid:pk>", WebhookDetail.as_view(), name="webhook"),
    path("webhooks/<uuid:pk>/deliveries", WebhookDeliveryList.as_view(), name="webhook_deliveries"),
    path(
        "webhooks/<uuid:pk>/deliveries/<int:delivery_id>/redeliver",
        WebhookRedeliver.as_view(),
        name="webhook_redeliver",
    ),
]
