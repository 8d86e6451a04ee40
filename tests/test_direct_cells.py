"""``kit.tables.DirectCellsMixin`` makes the cells django-tables2 makes: the body of every big
list, rendered both ways on the demo data (plus the cases it lacks), is the same HTML."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from candidates.models import CandidateInterview
from interviews.models import Interview
from kit.tables import DirectCellsMixin
from tests.factories import CandidateInterviewFactory
from webhooks.models import Delivery, EventType
from webhooks.services import endpoint_create, event_record

pytestmark = pytest.mark.django_db

BODY = re.compile(r"<tbody>.*?</tbody>", re.DOTALL)
# A form in a cell carries a CSRF token, masked afresh for every response.
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _bodies(html: str) -> list[str]:
    return [CSRF.sub("csrf", body) for body in BODY.findall(html)]


@pytest.fixture
def demo(db, public_dns):
    call_command("seed_demo", "--recordings", "0", stdout=io.StringIO())
    team = Team.objects.get(slug="northwind-engineering")
    interview = Interview.objects.get(team=team, title="Backend Engineer")
    now = timezone.now()
    # What the demo lacks: an open invite past its expiry, one without an expiry.
    for expires_at in (now - timedelta(hours=1), None):
        CandidateInterviewFactory(
            team=team,
            interview=interview,
            candidate__team=team,
            status=CandidateInterview.Status.INVITED,
            expires_at=expires_at,
        )
    endpoint = endpoint_create(
        team=team, url="https://hooks.example.com/in", event_types=EventType.values
    )
    event_record(team=team, type=EventType.INTERVIEW_UPDATED, payload={"id": "1"})
    Delivery.objects.filter(endpoint=endpoint).update(
        status=Delivery.Status.FAILED, response_status=500, error="<b>boom</b>", duration_ms=12
    )
    return interview, endpoint


def test_it_renders_the_cells_that_django_tables2_renders(client, login, demo, monkeypatch):
    interview, endpoint = demo
    login(User.objects.get(email="owner@panelist.demo"))
    pages = [
        "/invites/",
        "/invites/?sort=expires_at",
        "/candidates/",
        f"/interviews/{interview.pk}/results/",
        f"/interviews/{interview.pk}/results/?sort=-ai_score",
        "/interviews/",
        "/questions/audio/",
        "/questions/survey/",
        "/questions/ai-text/",
        "/settings/audit/",
        reverse("webhooks:endpoint_detail", args=[endpoint.pk]),
    ]
    direct = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        direct[page] = _bodies(response.content.decode())
    monkeypatch.setattr(DirectCellsMixin, "direct_rows", None)
    for page in pages:
        plain = _bodies(client.get(page).content.decode())
        assert plain, page
        assert "<td" in plain[0], page
        assert direct[page] == plain, page
