"""Idempotency-Key replays and the per-key rate limit."""

import pytest
from django.core.cache import cache

from interviews.models import AITextQuestion

pytestmark = pytest.mark.django_db
URL = "/qsi/gather/ai-text-questions"
BODY = {"title": "Technical Assessment", "questionText": "REST or GraphQL?"}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_it_replays_the_first_response_for_the_same_key(api):
    first = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    second = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert AITextQuestion.objects.count() == 1


def test_it_creates_again_without_a_key_or_with_a_new_one(api):
    api.post(URL, BODY, format="json")
    api.post(URL, BODY, format="json")
    api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="one")
    api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="two")
    assert AITextQuestion.objects.count() == 4


def test_it_refuses_the_same_key_with_a_different_body(api):
    api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-2")
    response = api.post(
        URL, {**BODY, "title": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-2"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "Idempotency-Key" in response.json()["detail"]
    assert AITextQuestion.objects.count() == 1


def test_it_keeps_keys_apart_per_api_key(api, anonymous_api, make_key):
    api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    anonymous_api.credentials(HTTP_X_API_KEY=make_key())
    other = anonymous_api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert AITextQuestion.objects.count() == 2


def test_it_lets_a_refused_request_be_fixed_under_the_same_key(api):
    refused = api.post(URL, {"title": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="fix-me")
    fixed = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="fix-me")
    assert (refused.status_code, fixed.status_code) == (400, 201)


def test_it_sends_rate_limit_headers(api):
    response = api.get(URL)
    assert response["RateLimit-Limit"] == "600"
    assert response["RateLimit-Remaining"] == "599"
    assert 1 <= int(response["RateLimit-Reset"]) <= 60


def test_it_answers_429_beyond_the_limit(api, settings):
    settings.API_RATE_LIMIT = 2
    settings.API_RATE_WINDOW = 3600
    assert api.get(URL).status_code == 200
    second = api.get(URL)
    assert second["RateLimit-Remaining"] == "0"
    refused = api.get(URL)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert refused["RateLimit-Limit"] == "2"
    assert refused["RateLimit-Remaining"] == "0"


def test_it_counts_each_key_separately(api, anonymous_api, make_key, settings):
    settings.API_RATE_LIMIT = 1
    settings.API_RATE_WINDOW = 3600
    api.get(URL)
    assert api.get(URL).status_code == 429
    anonymous_api.credentials(HTTP_X_API_KEY=make_key())
    assert anonymous_api.get(URL).status_code == 200
