from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView

from api import candidates, interviews, narrators, questions, webhooks

app_name = "api"

urlpatterns = [
    path("narrators", narrators.NarratorList.as_view(), name="narrators"),
    *questions.urlpatterns,
    *interviews.urlpatterns,
    *candidates.urlpatterns,
    *webhooks.urlpatterns,
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs", SpectacularRedocView.as_view(url_name="api:schema"), name="docs"),
]
