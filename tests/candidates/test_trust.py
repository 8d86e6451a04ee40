"""What candidates are told and may choose: notices, consent, the alternative process, and the
voluntary self-identification survey that reviewers never see."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import CandidateInterview, SelfIdentification
from candidates.runner.services import runner_answer_typed, runner_progress
from candidates.tokens import new_invite_token
from interviews.services.interviews import interview_question_add
from tests.factories import (
    AITextQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status


def _interview(team, *, with_ai: bool):
    interview = InterviewFactory(team=team)
    interview_question_add(
        interview=interview,
        question=SurveyQuestionFactory(team=team, question_text="Weekends OK?"),
    )
    if with_ai:
        interview_question_add(
            interview=interview,
            question=AITextQuestionFactory(team=team, question_text="Describe a hard customer."),
        )
    return interview


def _open(client, interview):
    token, digest = new_invite_token()
    invite = CandidateInterviewFactory(interview=interview, token_hash=digest)
    client.get(reverse("candidates:runner_enter", args=[token]))
    client.post(reverse("candidates:runner_welcome"))
    return invite


def test_the_consent_page_shows_the_teams_notice_and_the_ai_notice(client, team):
    team.privacy_notice = "Acme keeps your answers for one year."
    team.save()
    invite = _open(client, _interview(team, with_ai=True))
    page = client.get(reverse("candidates:runner")).text
    assert "Acme keeps your answers for one year." in page
    assert 'data-testid="ai-notice"' in page
    assert "a person reviews your answers and makes every decision" in page
    assert "I would rather be assessed another way" in page
    assert invite.consented_at is None


def test_a_survey_only_interview_has_no_ai_notice_and_the_default_privacy_notice(client, team):
    _open(client, _interview(team, with_ai=False))
    page = client.get(reverse("candidates:runner")).text
    assert 'data-testid="ai-notice"' not in page
    assert f"{team.name} uses Panelist to run this interview" in page
    assert "24 months" in page


def test_the_notices_are_translated_for_the_candidate(client, team):
    interview = _interview(team, with_ai=True)
    interview.language = "fr"
    interview.save()
    _open(client, interview)
    page = client.get(reverse("candidates:runner")).text
    assert "une personne" in page.lower()


def test_consent_stores_the_notice_version_time_and_ip(client, team):
    team.notice_version = 3
    team.save()
    invite = _open(client, _interview(team, with_ai=True))
    client.post(reverse("candidates:runner_consent"), {"agree": "yes"}, REMOTE_ADDR="203.0.113.9")
    invite.refresh_from_db()
    assert invite.consented_at is not None
    assert invite.consent_ip == "203.0.113.9"
    assert invite.consent_version == f"{team.pk}:3"


def test_no_answer_is_accepted_before_consent(team):
    invite = CandidateInterviewFactory(interview=_interview(team, with_ai=False))
    item = runner_progress(invite=invite).items[0]
    with pytest.raises(ValidationError, match="privacy notice"):
        runner_answer_typed(invite=invite, item=item, data={"choice": "YES"})
    assert not invite.answers.exists()


def test_a_candidate_can_ask_for_an_alternative_and_the_team_is_told(
    client, team, owner, recruiter, login, django_capture_on_commit_callbacks
):
    team.alternative_contact_email = "people@acme.test"
    team.save()
    invite = _open(client, _interview(team, with_ai=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("candidates:runner_alternative"), {"note": "I am hard of hearing."}
        )
    assert response.status_code == 200
    assert "Your request was sent" in response.text
    invite.refresh_from_db()
    assert invite.alternative_requested_at is not None
    assert invite.alternative_note == "I am hard of hearing."
    assert invite.consented_at is None
    assert [m.to for m in mail.outbox] == [["people@acme.test"]]
    assert "hard of hearing" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="invite.alternative_requested").exists()

    # A task for recruiters: on the home page and the invite, until handled.
    staff = login(recruiter)
    home = staff.get(reverse("dashboard:home")).text
    assert 'data-testid="alternative-requests"' in home
    assert invite.candidate.full_name in home
    detail = staff.get(reverse("candidates:invite_detail", args=[invite.pk])).text
    assert "asked for an alternative process" in detail
    staff.post(reverse("candidates:invite_alternative_resolve", args=[invite.pk]))
    invite.refresh_from_db()
    assert invite.alternative_resolved_at is not None
    assert 'data-testid="alternative-requests"' not in staff.get(reverse("dashboard:home")).text


def test_without_a_contact_the_admins_are_emailed_once(
    client, team, owner, admin_user, django_capture_on_commit_callbacks
):
    _open(client, _interview(team, with_ai=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("candidates:runner_alternative"), {"note": ""})
        client.post(reverse("candidates:runner_alternative"), {"note": "Again"})
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([owner.email, admin_user.email])


def test_a_hiring_manager_cannot_resolve_a_request(client, team, hiring_manager, login):
    invite = CandidateInterviewFactory(team=team, alternative_requested_at=timezone.now())
    invite.interview.reviewers.add(hiring_manager)
    response = login(hiring_manager).post(
        reverse("candidates:invite_alternative_resolve", args=[invite.pk])
    )
    assert response.status_code == 403
    invite.refresh_from_db()
    assert invite.alternative_resolved_at is None


# --- the voluntary self-identification survey -------------------------------------------------


def _finish(client, team, *, survey: bool):
    team.self_id_survey_enabled = survey
    team.save()
    invite = _open(client, _interview(team, with_ai=False))
    client.post(reverse("candidates:runner_consent"), {"agree": "yes"})
    item = runner_progress(invite=invite).items[0]
    client.post(reverse("candidates:runner_answer", args=[item.pk]), {"choice": "YES"})
    return invite, client.post(reverse("candidates:runner_finish"))


def test_the_survey_is_offered_after_handing_in_and_stored_apart(client, team):
    invite, finish = _finish(client, team, survey=True)
    assert finish["Location"] == reverse("candidates:runner_self_id")
    page = client.get(finish["Location"]).text
    assert "Prefer not to say" in page
    assert "never shown to the people who review it" in page
    response = client.post(finish["Location"], {"sex": "female", "race_ethnicity": "asian"})
    assert response["Location"] == reverse("candidates:runner_thanks")
    record = SelfIdentification.objects.get(candidate_interview=invite)
    assert (record.sex, record.race_ethnicity) == ("female", "asian")
    assert not invite.answers.filter(text__icontains="female").exists()
    # Answered once: not offered again.
    assert client.get(reverse("candidates:runner_self_id"))["Location"] == reverse(
        "candidates:runner_thanks"
    )


def test_skipping_the_survey_stores_nothing(client, team):
    _invite, finish = _finish(client, team, survey=True)
    response = client.post(finish["Location"], {"skip": "1", "sex": "male"})
    assert response["Location"] == reverse("candidates:runner_thanks")
    assert not SelfIdentification.objects.exists()


def test_an_unknown_category_is_refused(client, team):
    _invite, finish = _finish(client, team, survey=True)
    response = client.post(finish["Location"], {"sex": "robot"})
    assert response.status_code == 422
    assert not SelfIdentification.objects.exists()


def test_no_survey_when_the_team_has_not_turned_it_on(client, team):
    _invite, finish = _finish(client, team, survey=False)
    assert finish["Location"] == reverse("candidates:runner_thanks")


def test_reviewers_never_see_self_identification(client, team, owner, hiring_manager, login):
    from rest_framework.test import APIClient

    from api.keys import SCOPES, api_key_create

    invite, finish = _finish(client, team, survey=True)
    client.post(finish["Location"], {"sex": "female", "race_ethnicity": "nhpi"})
    invite.interview.reviewers.add(hiring_manager)
    reviewer = login(hiring_manager)
    pages = [
        reverse("candidates:invite_review", args=[invite.pk]),
        reverse("candidates:invite_detail", args=[invite.pk]),
        reverse("candidates:candidate_detail", args=[invite.candidate_id]),
        reverse("candidates:interview_results", args=[invite.interview_id]),
    ]
    for url in pages:
        response = reviewer.get(url)
        assert response.status_code == 200, url
        assert "Pacific Islander" not in response.text, url
        assert "nhpi" not in response.text, url
    _key, raw = api_key_create(
        organization=team.organization,
        name="ATS",
        scopes=list(SCOPES),
        team=team,
        default_team=None,
        by=owner,
    )
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=raw)
    detail = api.get(f"/qsi/gather/candidate-interviews/{invite.pk}").content.decode()
    assert "nhpi" not in detail
    assert "Pacific" not in detail
