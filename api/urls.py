from typing import cast

from django.conf import settings
from django.urls import path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView

from api import candidates, interviews, narrators, privacy, questions, webhooks

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

urlpatterns = [
    path("narrators", narrators.NarratorList.as_view(), name="narrators"),
    *questions.urlpatterns,
    *interviews.urlpatterns,
    *candidates.urlpatterns,
    *privacy.urlpatterns,
    *webhooks.urlpatterns,
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs", redoc, name="docs"),
]
