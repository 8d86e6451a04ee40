from typing import cast

from django.conf import settings
from django.urls import path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView

from api import (
    accommodations,
    candidates,
    decision_files,
    evaluations,
    integrity,
    interviews,
    media,
    narrators,
    privacy,
    questions,
    webhooks,
)
from api.dialect import lenient_id_routes

app_name = "api"

# Redoc styles itself with inline styles and renders in a blob: worker: this page alone relaxes
# the site's Content-Security-Policy for those (its scripts still come only from this site).
redoc = csp_override(
    {
        **cast("dict[str, list[str]]", settings.SECURE_CSP),
        "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
        "worker-src": [CSP.SELF, "blob:"],
        "img-src": [CSP.SELF, "data:"],
    }
)(SpectacularRedocView.as_view(url_name="api:schema"))

resources = [
    path("narrators", narrators.NarratorList.as_view(), name="narrators"),
    *questions.urlpatterns,
    *interviews.urlpatterns,
    *candidates.urlpatterns,
    *accommodations.urlpatterns,
    *decision_files.urlpatterns,
    *integrity.urlpatterns,
    *evaluations.urlpatterns,
    *privacy.urlpatterns,
    *webhooks.urlpatterns,
]
urlpatterns = [
    *resources,
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs", redoc, name="docs"),
    *media.urlpatterns,  # signed links that play without a key; out of the OpenAPI schema
    *lenient_id_routes(resources),
]
