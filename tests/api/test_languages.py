"""The API takes a language from Panelist's list, like the dashboard."""

import pytest

from interviews.models import Interview

pytestmark = pytest.mark.django_db


def test_the_api_refuses_an_unlisted_language_naming_the_field(api):
    response = api.post(
        "/qsi/gather/interviews",
        {"title": "Designer", "interviewType": "standard", "language": "xx"},
        format="json",
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["language"]
    assert not Interview.objects.exists()
