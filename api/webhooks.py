"""Webhook endpoints and their delivery log: ``/qsi/gather/webhooks``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.auth import request_team, request_user
from api.base import GatherView
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


class WebhookSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = Url()
    description = Text()
    eventTypes = serializers.ListField(child=serializers.ChoiceField(EventType.choices))
    enabled = serializers.BooleanField()
    disabledReason = Text()
    failingSince = serializers.DateTimeField(allow_null=True)
    createdAt = serializers.DateTimeField()

    class Meta:
        ref_name = "Webhook"


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = Text(help_text="whsec_…; returned on creation only.")

    class Meta:
        ref_name = "WebhookWithSecret"


class WebhookDeliverySerializer(serializers.Serializer):
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

    class Meta:
        ref_name = "WebhookDelivery"


PAGINATION = inline_serializer(
    "WebhookPagination",
    {
        "total": serializers.IntegerField(),
        "page": serializers.IntegerField(),
        "pages": serializers.IntegerField(),
        "pageSize": serializers.IntegerField(),
    },
)
PAGE_PARAMS = [
    OpenApiParameter("page", int, description="1-based page number."),
    OpenApiParameter("pageSize", int, description="Rows per page, 1-100 (default 20)."),
    OpenApiParameter("teamId", str, description="The team, for organization keys."),
]
TEAM_PARAM = [OpenApiParameter("teamId", str, description="The team, for organization keys.")]


def _one(name: str, body: Any) -> Any:
    return inline_serializer(f"{name}Response", {"data": inline_serializer(name, body)})


class WebhookCreateInput(serializers.Serializer):
    url = Url(max_length=2000)
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(EventType.choices), allow_empty=False, min_length=1
    )
    description = Text(max_length=200, required=False, allow_blank=True)
    teamId = serializers.UUIDField(required=False)


class WebhookUpdateInput(serializers.Serializer):
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


API_NAMES = {"event_types": "eventTypes"}


def _camel_errors(exc: ValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError({API_NAMES.get(k, k): v for k, v in exc.error_dict.items()})
    return exc


def _endpoint(request: Request, pk: Any) -> Endpoint:
    try:
        return Endpoint.objects.for_team(request_team(request)).get(pk=pk)
    except (Endpoint.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404(f"No webhook {pk} in this team.") from exc


class WebhookList(GatherView):
    scopes = {"GET": "webhooks:read", "POST": "webhooks:write"}

    @extend_schema(
        summary="List webhooks",
        operation_id="webhooks_list",
        parameters=PAGE_PARAMS,
        responses=_one(
            "WebhookList", {"webhooks": WebhookSerializer(many=True), "pagination": PAGINATION}
        ),
    )
    def get(self, request: Request) -> Response:
        return paginate(
            request, selectors.endpoint_list(team=request_team(request)), "webhooks", webhook_json
        )

    @extend_schema(
        summary="Create a webhook",
        description="Events of the chosen types are POSTed to `url`, signed per Standard "
        "Webhooks with the returned `secret` — which this response shows once, never again.",
        request=WebhookCreateInput,
        responses={
            201: _one(
                "WebhookCreated",
                {"webhook": WebhookWithSecretSerializer()},
            )
        },
    )
    def post(self, request: Request) -> Response:
        data = WebhookCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            endpoint = services.endpoint_create(
                team=request_team(request),
                url=data.validated_data["url"],
                event_types=data.validated_data["eventTypes"],
                description=data.validated_data.get("description", ""),
                by=request_user(request),
            )
        except ValidationError as exc:
            raise _camel_errors(exc) from exc
        return envelope(
            request, {"webhook": webhook_json(endpoint, secret=True)}, status.HTTP_201_CREATED
        )


class WebhookDetail(GatherView):
    scopes = {"GET": "webhooks:read", "PATCH": "webhooks:write", "DELETE": "webhooks:write"}

    @extend_schema(
        summary="Get a webhook",
        parameters=TEAM_PARAM,
        responses=_one("WebhookDetail", {"webhook": WebhookSerializer()}),
    )
    def get(self, request: Request, pk: str) -> Response:
        return envelope(request, {"webhook": webhook_json(_endpoint(request, pk))})

    @extend_schema(
        summary="Update a webhook",
        description="Change its URL, description, event types, or enable/disable it. "
        "Enabling clears a failure streak.",
        request=WebhookUpdateInput,
        responses=_one("WebhookUpdated", {"webhook": WebhookSerializer()}),
    )
    def patch(self, request: Request, pk: str) -> Response:
        endpoint = _endpoint(request, pk)
        data = WebhookUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        names = {"url": "url", "description": "description", "eventTypes": "event_types"}
        fields = {names[k]: v for k, v in data.validated_data.items() if k in names}
        if "enabled" in data.validated_data:
            fields["enabled"] = data.validated_data["enabled"]
        try:
            services.endpoint_update(endpoint=endpoint, **fields)
        except ValidationError as exc:
            raise _camel_errors(exc) from exc
        return envelope(request, {"webhook": webhook_json(endpoint)})

    @extend_schema(summary="Delete a webhook", parameters=TEAM_PARAM, responses={204: None})
    def delete(self, request: Request, pk: str) -> Response:
        services.endpoint_delete(endpoint=_endpoint(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryList(GatherView):
    scopes = {"GET": "webhooks:read"}

    @extend_schema(
        summary="List a webhook's deliveries",
        description="Every attempt, newest first: status, HTTP code, time taken, and the first "
        "kilobyte of the receiver's answer.",
        parameters=PAGE_PARAMS,
        responses=_one(
            "WebhookDeliveryList",
            {"deliveries": WebhookDeliverySerializer(many=True), "pagination": PAGINATION},
        ),
    )
    def get(self, request: Request, pk: str) -> Response:
        endpoint = _endpoint(request, pk)
        return paginate(
            request, selectors.delivery_list(endpoint=endpoint), "deliveries", delivery_json
        )


class WebhookRedeliver(GatherView):
    scopes = {"POST": "webhooks:write"}

    @extend_schema(
        summary="Redeliver",
        description="Send the delivery's event to the webhook again, as a new attempt.",
        request=None,
        parameters=TEAM_PARAM,
        responses={202: _one("WebhookRedelivery", {"delivery": WebhookDeliverySerializer()})},
    )
    def post(self, request: Request, pk: str, delivery_id: int) -> Response:
        endpoint = _endpoint(request, pk)
        delivery = (
            Delivery.objects.select_related("event")
            .filter(endpoint=endpoint, pk=delivery_id)
            .first()
        )
        if delivery is None:
            raise Http404(f"No delivery {delivery_id} for this webhook.")
        retry = services.delivery_redeliver(delivery=delivery)
        retry.event = delivery.event
        return envelope(request, {"delivery": delivery_json(retry)}, status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("webhooks", WebhookList.as_view(), name="webhooks"),
    path("webhooks/<str:pk>", WebhookDetail.as_view(), name="webhook"),
    path("webhooks/<str:pk>/deliveries", WebhookDeliveryList.as_view(), name="webhook_deliveries"),
    path(
        "webhooks/<str:pk>/deliveries/<int:delivery_id>/redeliver",
        WebhookRedeliver.as_view(),
        name="webhook_redeliver",
    ),
]
