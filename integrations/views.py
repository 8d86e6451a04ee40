"""Team settings → Integrations: turn an ATS connector on or off, rotate its key (shown once),
and read the log of the ATS's calls. Owners and admins only, like the API keys page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.access import team_admin_required
from accounts.http import TeamRequest
from integrations import selectors, services
from integrations.adapters import ADAPTERS, Adapter
from integrations.models import Connector
from integrations.tables import ConnectorRequestTable


def _adapter(kind: str) -> Adapter:
    try:
        return ADAPTERS[kind]
    except KeyError as exc:
        raise Http404("No such integration.") from exc


def _connector(request: TeamRequest, kind: str) -> Connector:
    try:
        return Connector.objects.for_team(request.team).get(kind=kind)
    except Connector.DoesNotExist as exc:
        raise Http404("This integration is not set up for this team.") from exc


def _settings_form(adapter: Adapter, connector: Connector | None) -> forms.Form | None:
    if adapter.settings_form is None or connector is None:
        return None
    return adapter.settings_form(initial={"ats_url": connector.ats_url})


def _page(
    request: TeamRequest,
    status: int = 200,
    bound: tuple[str, forms.Form] | None = None,
    **extra: Any,
) -> HttpResponse:
    """The page; ``bound`` is (kind, form) for a settings form that came back with errors."""
    connectors = selectors.connectors_by_kind(team=request.team)
    rows = []
    for kind, adapter in ADAPTERS.items():
        urls = [
            settings.SITE_URL + reverse(f"integrations:{kind}_{endpoint.name}")
            for endpoint in adapter.endpoints
        ]
        connector = connectors.get(kind)
        form = bound[1] if bound and bound[0] == kind else _settings_form(adapter, connector)
        rows.append(
            {
                "adapter": adapter,
                "connector": connector,
                "urls": urls,
                "base_url": urls[0].rsplit("/", 1)[0],
                "form": form,
            }
        )
    table = ConnectorRequestTable(list(selectors.connector_request_recent(team=request.team)))
    context = {
        "integrations": rows,
        "table": table,
        "page_title": "Integrations",
        "section": "integrations",
        **extra,
    }
    response = render(request, "integrations/settings.html", context, status=status)
    # The page may hold a new key: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@team_admin_required
def integration_settings(request: TeamRequest) -> HttpResponse:
    return _page(request)


@require_POST
@team_admin_required
def connector_enable_view(request: TeamRequest, kind: str) -> HttpResponse:
    adapter = _adapter(kind)
    _connector, raw = services.connector_enable(team=request.team, kind=kind, by=request.user)
    if not raw:
        messages.success(request, f"{adapter.label} is on again, with the key it had.")
        return redirect("integrations:settings")
    # Rendered, not redirected: the key must not travel through the session.
    return _page(request, status=201, new_key=raw, new_key_kind=kind)


@require_POST
@team_admin_required
def connector_disable_view(request: TeamRequest, kind: str) -> HttpResponse:
    adapter = _adapter(kind)
    services.connector_disable(connector=_connector(request, kind), by=request.user)
    messages.success(request, f"{adapter.label} is off: its calls now get 403.")
    return redirect("integrations:settings")


@require_POST
@team_admin_required
def connector_rotate_view(request: TeamRequest, kind: str) -> HttpResponse:
    _adapter(kind)
    _rotated, raw = services.connector_key_rotate(
        connector=_connector(request, kind), by=request.user
    )
    return _page(request, new_key=raw, new_key_kind=kind)


@require_POST
@team_admin_required
def connector_configure_view(request: TeamRequest, kind: str) -> HttpResponse:
    """Where and with which of the team's keys Panelist tells the ATS (Ashby)."""
    adapter = _adapter(kind)
    connector = _connector(request, kind)
    if adapter.settings_form is None:
        raise Http404("This integration has no settings.")
    form = adapter.settings_form(request.POST)
    if form.is_valid():
        try:
            changed = services.connector_ats_configure(
                connector=connector,
                ats_url=form.cleaned_data["ats_url"],
                ats_key=form.cleaned_data["ats_key"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            note = "saved" if changed else "unchanged"
            messages.success(request, f"{adapter.label} settings {note}.")
            return redirect("integrations:settings")
    return _page(request, status=400, bound=(kind, form))
