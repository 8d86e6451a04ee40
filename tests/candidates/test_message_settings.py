"""The team's candidate-message settings: owners and admins only, validated next to the field,
audited, off by default."""

from datetime import time

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Team

pytestmark = pytest.mark.django_db

URL = reverse("candidates:message_settings")
VALID = {
    "tell_candidates_decision": "on",
    "decision_message_delay_minutes": "15",
    "quiet_hours_start": "08:00",
    "quiet_hours_end": "21:00",
}


def test_the_defaults_tell_no_decision_and_wait_half_an_hour(team):
    fresh = Team.objects.get(pk=team.pk)
    assert fresh.tell_candidates_decision is False
    assert fresh.decision_message_delay_minutes == 30
    # A new team's quiet hours (the test factory opens them all day).
    assert (Team().quiet_hours_start, Team().quiet_hours_end) == (time(8), time(21))


@pytest.mark.parametrize("persona", ["owner", "admin_user"])
def test_an_owner_or_admin_changes_the_settings_and_it_is_audited(login, request, team, persona):
    user = request.getfixturevalue(persona)
    client = login(user)
    page = client.get(URL).content.decode()
    assert "Tell candidates the decision" in page
    response = client.post(URL, VALID)
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.tell_candidates_decision is True
    assert team.decision_message_delay_minutes == 15
    event = AuditEvent.objects.get(action="team.messages_updated")
    assert event.actor == user
    assert event.data["fields"] == [
        "decision_message_delay_minutes",
        "quiet_hours_end",
        "quiet_hours_start",
        "tell_candidates_decision",
    ]
    assert (team.quiet_hours_start, team.quiet_hours_end) == (time(8), time(21))
    # Saving the same values again records nothing.
    client.post(URL, VALID)
    assert AuditEvent.objects.filter(action="team.messages_updated").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("decision_message_delay_minutes", "2", "greater than or equal to 5"),
        ("decision_message_delay_minutes", "5000", "less than or equal to 1440"),
        ("decision_message_delay_minutes", "soon", "Enter a whole number"),
        ("quiet_hours_start", "late", "Enter a valid time"),
        ("quiet_hours_end", "25:00", "Enter a valid time"),
        ("quiet_hours_end", "08:30", "at least one hour after the start time"),
        ("quiet_hours_end", "07:00", "at least one hour after the start time"),
    ],
)
def test_a_bad_value_is_explained_next_to_its_field(login, owner, team, field, value, error):
    response = login(owner).post(URL, {**VALID, field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert error in html.split(f'id="id_{field}-error"')[1][:300]
    team.refresh_from_db()
    assert team.tell_candidates_decision is False
    assert not AuditEvent.objects.filter(action="team.messages_updated").exists()


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_other_roles_cannot_change_them(login, request, team, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, VALID).status_code == 403
    team.refresh_from_db()
    assert team.tell_candidates_decision is False


def test_it_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_team_settings_menu_links_to_it(login, owner):
    assert URL in login(owner).get(reverse("candidates:privacy_settings")).content.decode()
