"""Reads for the integrations settings page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrations.models import Connector, ConnectorRequest

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import Team

REQUEST_LOG_SHOWN = 50


def connectors_by_kind(*, team: Team) -> dict[str, Connector]:
    return {c.kind: c for c in Connector.objects.for_team(team)}


def connector_request_recent(*, team: Team) -> QuerySet[ConnectorRequest]:
    """The team's newest ATS calls, across its connectors (one query)."""
    return (
        ConnectorRequest.objects.for_team(team)
        .select_related("connector")
        .order_by("-id")[:REQUEST_LOG_SHOWN]
    )
