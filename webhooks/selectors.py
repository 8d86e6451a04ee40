"""Reads for the webhook pages and API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webhooks.models import Delivery, Endpoint

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import Team


def endpoint_list(*, team: Team) -> QuerySet[Endpoint]:
    return Endpoint.objects.for_team(team).order_by("-created_at")


def delivery_list(*, endpoint: Endpoint) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .order_by("-created_at", "-id")
    )
