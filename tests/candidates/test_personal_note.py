"""A personal note per invite (issue 18, item 4): typed on the invite form or sent through the
API, bounded, quoted in the invite's email in the candidate's language (escaped in HTML), and
the value of ``{personal_note}`` in a team's own template."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from candidates.models import CandidateInterview
from candidates.services.invites import invite_create
from kit import limits
from tests.factories import CandidateFactory, InterviewFactory, MessageTemplateFactory

pytestmark = pytest.mark.django_db

NOTE = "Looking forward to this, Ada!\nAsk me anything: <b>really</b>."


@pytest.fixture
def interview(team):
    return InterviewFactory(team=team, title="Backend Engineer", display_name="Backend role")


def _post(client, interview, candidate, note):
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    return client.post(
        reverse("candidates:invite_create"),
        {
            "interview": str(interview.pk),
            "candidates": [str(candidate.pk)],
            "delivery_types": ["email"],
            "expires_on": day,
            "personal_note": note,
            "action": "send",
        },
    )


def test_the_note_typed_on_the_form_is_quoted_in_the_email(
    login, recruiter, team, interview, django_capture_on_commit_callbacks
):
    candidate = CandidateFactory(team=team, first_name="Ada")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(login(recruiter), interview, candidate, f"  {NOTE}  ")
    assert response.status_code == 200
    assert CandidateInterview.objects.get().personal_note == NOTE
    [message] = mail.outbox
    assert f"A note from {recruiter.get_full_name()}:\n" in message.body
    assert NOTE in message.body
    html = message.alternatives[0][0]
    assert "Looking forward to this, Ada!<br>Ask me anything: &lt;b&gt;really&lt;/b&gt;." in html
    assert "<b>really</b>" not in html


def test_no_note_no_quote(login, recruiter, team, interview, django_capture_on_commit_callbacks):
    candidate = CandidateFactory(team=team)
    with django_capture_on_commit_callbacks(execute=True):
        _post(login(recruiter), interview, candidate, "")
    [message] = mail.outbox
    assert "A note from" not in message.body
    assert "A note from" not in message.alternatives[0][0]


def test_a_note_too_long_is_refused_next_to_the_field(login, recruiter, team, interview):
    candidate = CandidateFactory(team=team)
    response = _post(login(recruiter), interview, candidate, "x" * (limits.PERSONAL_NOTE + 1))
    assert response.status_code in (200, 422)
    assert response.context["form"].errors["personal_note"]
    assert not CandidateInterview.objects.exists()


def test_the_service_refuses_a_note_too_long(team, owner, interview):
    candidate = CandidateFactory(team=team)
    with pytest.raises(Exception, match="personal note"):
        invite_create(
            team=team,
            by=owner,
            candidate=candidate,
            interview=interview,
            personal_note="x" * (limits.PERSONAL_NOTE + 1),
        )
    assert not CandidateInterview.objects.exists()


def test_the_note_is_said_in_the_candidates_language(
    team, owner, django_capture_on_commit_callbacks
):
    interview = InterviewFactory(team=team, language="fr")
    candidate = CandidateFactory(team=team, first_name="Zoé")
    with django_capture_on_commit_callbacks(execute=True):
        invite_create(
            team=team, by=owner, candidate=candidate, interview=interview, personal_note="À bientôt"
        )
    [message] = mail.outbox
    assert f"Un mot de {owner.get_full_name()} :" in message.body
    assert "À bientôt" in message.body


def test_a_teams_own_template_gets_the_note(
    team, owner, interview, django_capture_on_commit_callbacks
):
    MessageTemplateFactory(
        team=team, kind="invite", subject="Hi", body="{personal_note}\n\nStart: {link}"
    )
    candidate = CandidateFactory(team=team)
    with django_capture_on_commit_callbacks(execute=True):
        invite_create(
            team=team, by=owner, candidate=candidate, interview=interview, personal_note="See you"
        )
    [message] = mail.outbox
    assert message.body.startswith("See you\n\nStart: ")
