"""Team settings → Webhooks: the team's endpoints, their delivery log, and redelivery.
Owners and admins only."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from accounts.access import team_admin_required
from accounts.audit import audit_record, client_ip
from accounts.http import TeamRequest
from kit.pages import apply_errors, render_page
from kit.tables import BoundedLazyPaginator
from webhooks import selectors, services
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, Endpoint
from webhooks.tables import DeliveryTable, EndpointTable

PAGE_SIZE = 25


def get_endpoint_for(request: HttpRequest, pk: UUID) -> Endpoint:
    """One of the current team's endpoints (404 otherwise)."""
    team = request.membership.team  # type: ignore[attr-defined]
    try:
        return Endpoint.objects.for_team(team).get(pk=pk)
    except Endpoint.DoesNotExist as exc:
        raise Http404("No such webhook endpoint in this team.") from exc


def _audit(request: TeamRequest, action: str, endpoint: Endpoint) -> None:
    audit_record(
        action=action,
        actor=request.user,
        team=request.team,
        obj=endpoint,
        ip=client_ip(request),
        data={"url": endpoint.url},
    )


@require_GET
@team_admin_required
def endpoint_list(request: TeamRequest) -> HttpResponse:
    table = EndpointTable(selectors.endpoint_list(team=request.team))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render_page(
        request,
        "webhooks/list.html",
        {"table": table, "page_title": "Webhooks", "section": "webhooks"},
        partial="table",
    )


@require_http_methods(["GET", "POST"])
@team_admin_required
def endpoint_create(request: TeamRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = _create(request, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # The secret is shown on this response only; no later page shows it again.
            response = render(
                request,
                "webhooks/created.html",
                {"endpoint": endpoint, "page_title": "Webhook created", "section": "webhooks"},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "webhooks/form.html",
        {"form": form, "page_title": "New webhook endpoint", "section": "webhooks"},
        status=422 if form.errors else 200,
    )


def _create(request: TeamRequest, data: dict[str, Any]) -> Endpoint:
    endpoint = services.endpoint_create(
        team=request.team,
        url=data["url"],
        event_types=data["event_types"],
        description=data["description"],
        by=request.user,
    )
    _audit(request, "webhook.created", endpoint)
    return endpoint


@require_GET
@team_admin_required
def endpoint_detail(request: TeamRequest, pk: UUID) -> HttpResponse:
    endpoint = get_endpoint_for(request, pk)
    table = DeliveryTable(selectors.delivery_list(endpoint=endpoint))
    RequestConfig(
        request, paginate={"per_page": PAGE_SIZE, "paginator_class": BoundedLazyPaginator}
    ).configure(table)
    return render_page(
        request,
        "webhooks/detail.html",
        {"endpoint": endpoint, "table": table, "page_title": endpoint.url, "section": "webhooks"},
        partial="table",
    )


@require_http_methods(["GET", "POST"])
@team_admin_required
def endpoint_edit(request: TeamRequest, pk: UUID) -> HttpResponse:
    endpoint = get_endpoint_for(request, pk)
    form = EndpointForm(
        request.POST or None,
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            _audit(request, "webhook.updated", endpoint)
            messages.success(request, "Webhook endpoint saved.")
            return redirect("webhooks:endpoint_detail", pk=endpoint.pk)
    return render(
        request,
        "webhooks/form.html",
        {
            "form": form,
            "endpoint": endpoint,
            "page_title": "Edit webhook endpoint",
            "section": "webhooks",
        },
        status=422 if form.errors else 200,
    )


@require_POST
@team_admin_required
def endpoint_toggle(request: TeamRequest, pk: UUID) -> HttpResponse:
    endpoint = get_endpoint_for(request, pk)
    services.endpoint_update(endpoint=endpoint, enabled=not endpoint.enabled)
    _audit(request, "webhook.enabled" if endpoint.enabled else "webhook.disabled", endpoint)
    messages.success(request, f"Webhook endpoint {'enabled' if endpoint.enabled else 'disabled'}.")
    return redirect("webhooks:endpoint_detail", pk=endpoint.pk)


@require_POST
@team_admin_required
def endpoint_delete(request: TeamRequest, pk: UUID) -> HttpResponse:
    endpoint = get_endpoint_for(request, pk)
    _audit(request, "webhook.deleted", endpoint)
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, "Webhook endpoint deleted.")
    return redirect("webhooks:endpoint_list")


@require_POST
@team_admin_required
def delivery_redeliver(request: TeamRequest, pk: UUID, delivery_pk: int) -> HttpResponse:
    endpoint = get_endpoint_for(request, pk)
    try:
        delivery = Delivery.objects.get(endpoint=endpoint, pk=delivery_pk)
    except Delivery.DoesNotExist as exc:
        raise Http404("No such delivery for this endpoint.") from exc
    services.delivery_redeliver(delivery=delivery)
    messages.success(request, f"The {delivery.event.type} event is being sent again.")
    return redirect("webhooks:endpoint_detail", pk=endpoint.pk)
