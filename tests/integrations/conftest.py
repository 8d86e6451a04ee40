"""A fake Greenhouse: it calls Panelist's Greenhouse endpoints as Greenhouse does (HTTP Basic
with the connector's key as the user name and a blank password, the documented JSON shapes of
https://developers.greenhouse.io/assessment.html). Panelist itself is real throughout."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from integrations.services import connector_enable
from interviews.services.interviews import interview_question_add
from tests.factories import InterviewFactory, SurveyQuestionFactory


class FakeGreenhouse:
    def __init__(self, key: str) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.key = key

    def _auth(self) -> dict[str, str]:
        token = base64.b64encode(f"{self.key}:".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def get(self, endpoint: str, **query: str) -> Any:
        url = reverse(f"integrations:greenhouse_{endpoint}")
        return self.client.get(url, query, headers=self._auth())

    def post(self, endpoint: str, body: Any) -> Any:
        data = body if isinstance(body, str) else json.dumps(body)
        url = reverse(f"integrations:greenhouse_{endpoint}")
        return self.client.post(url, data, content_type="application/json", headers=self._auth())

    def list_tests(self) -> Any:
        return self.get("list_tests")

    def send_test(self, partner_test_id: Any, **candidate: Any) -> Any:
        person = {
            "first_name": "Harry",
            "last_name": "Potter",
            "resume_url": "https://hogwarts.example/resume",
            "phone_number": "123-456-7890",
            "email": "hpotter@hogwarts.example",
            "greenhouse_profile_url": "https://app.greenhouse.io/people/17681532?application_id=26234709",
            **candidate,
        }
        return self.post(
            "send_test",
            {
                "partner_test_id": partner_test_id,
                "candidate": person,
                "url": "https://app.greenhouse.io/integrations/testing_partners/take_home_tests/12345",
            },
        )

    def test_status(self, partner_interview_id: str) -> Any:
        return self.get("test_status", partner_interview_id=partner_interview_id)


@pytest.fixture
def interview(team):
    interview = InterviewFactory(team=team, title="Support agent")
    question = SurveyQuestionFactory(team=team, title="Weekends", question_text="Weekends OK?")
    interview_question_add(interview=interview, question=question)
    return interview


@pytest.fixture
def connector_and_key(team, owner):
    return connector_enable(team=team, kind="greenhouse", by=owner)


@pytest.fixture
def greenhouse(connector_and_key):
    return FakeGreenhouse(connector_and_key[1])
