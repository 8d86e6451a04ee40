"""The ATS endpoints of every adapter (``integrations/<kind>/<endpoint>``) and the settings
page. Mounted at the site root."""

from django.urls import path

from integrations import endpoints, views
from integrations.adapters import ADAPTERS

app_name = "integrations"

urlpatterns = [
    path("settings/integrations/", views.integration_settings, name="settings"),
]
for _kind in ADAPTERS:
    urlpatterns += [
        path(
            f"settings/integrations/{_kind}/enable/",
            views.connector_enable_view,
            {"kind": _kind},
            name=f"{_kind}_enable",
        ),
        path(
            f"settings/integrations/{_kind}/disable/",
            views.connector_disable_view,
            {"kind": _kind},
            name=f"{_kind}_disable",
        ),
        path(
            f"settings/integrations/{_kind}/rotate/",
            views.connector_rotate_view,
            {"kind": _kind},
            name=f"{_kind}_rotate",
        ),
    ]
    if ADAPTERS[_kind].settings_form is not None:
        urlpatterns.append(
            path(
                f"settings/integrations/{_kind}/configure/",
                views.connector_configure_view,
                {"kind": _kind},
                name=f"{_kind}_configure",
            )
        )
    urlpatterns += [
        path(
            f"integrations/{_kind}/{_endpoint.name}",
            endpoints.partner_call,
            {"kind": _kind, "endpoint": _endpoint.name},
            name=f"{_kind}_{_endpoint.name}",
        )
        for _endpoint in ADAPTERS[_kind].endpoints
    ]
