from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView

from api import candidates, interviews, narrators, privacy, questions, webhooks

app_name = "api"

urlpatterns = [
    path("narrators", narrators.NarratorList.as_view(), name="narrators"),
    *questions.urlpatterns,
    *interviews.urlpatterns,
    *candidates.urlpatterns,
    *privacy.urlpatterns,
    *webhooks.urlpatterns,
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs", SpectacularRedocView.as_view(url_name="api:schema"), name="docs"),
]
