"""Languages are chosen from one list (interviews/languages.py) on every edge: the dashboard's
selects, the API (an enum in its schema), the models (the Django admin included)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from interviews.languages import LANGUAGE_CODES, LANGUAGES
from interviews.models import Interview
from interviews.services.interviews import interview_create
from tests.factories import AudioQuestionFactory, NarratorFactory

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Designer",
    "interview_type": "standard",
    "status": 0,
    "visibility": "invite",
    "recording_mode": "video",
    "think_time_seconds": 30,
    "answer_time_seconds": 120,
    "retakes_allowed": 1,
    "attempts_allowed": 1,
}


def test_the_list_has_the_candidate_interfaces_languages_and_unique_codes():
    codes = [code for code, _name in LANGUAGES]
    assert len(codes) == len(set(codes)) == len(LANGUAGE_CODES)
    assert {"en", "fr", "es"} <= LANGUAGE_CODES


def test_the_interview_form_offers_a_list_not_a_text_box(login, recruiter):
    html = login(recruiter).get(reverse("interviews:interview_create")).content.decode()
    select = re.search(r'<select name="language"[^>]*>(.*?)</select>', html, re.S)
    assert select, "the interview's language is a select"
    assert '<option value="fr">French</option>' in select.group(1)
    assert 'name="language" type="text"' not in html


def test_an_interview_saves_a_listed_language(login, recruiter):
    response = login(recruiter).post(
        reverse("interviews:interview_create"), {**FORM, "language": "fr"}
    )
    assert response.status_code == 302
    assert Interview.objects.get(title="Designer").language == "fr"


def test_an_unlisted_language_is_an_error_on_the_field_and_nothing_is_saved(login, recruiter):
    response = login(recruiter).post(
        reverse("interviews:interview_create"), {**FORM, "language": "klingon"}
    )
    assert response.status_code == 422
    assert 'id="id_language-error"' in response.content.decode()
    assert not Interview.objects.exists()


def test_the_service_refuses_an_unlisted_language_naming_the_field(team, recruiter):
    with pytest.raises(ValidationError) as caught:
        interview_create(team=team, title="X", by=recruiter, language="xx")
    assert "language" in caught.value.message_dict


def test_the_banks_and_narrators_show_language_names(login, recruiter, team):
    AudioQuestionFactory(team=team, title="Intro", language="fr")
    NarratorFactory(team=team, name="Voix", language="fr")
    client = login(recruiter)
    for url in (reverse("interviews:audio_list"), reverse("interviews:narrator_list")):
        html = client.get(url).content.decode()
        assert re.search(r"<td[^>]*>French</td>", html), url
