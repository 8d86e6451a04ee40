"""The three question banks share one layout: the same header (where you are, what the bank
holds, the "new" button in one place) and the Questions menu highlighted."""

import re

import pytest
from django.urls import reverse

from tests.factories import AITextQuestionFactory, AudioQuestionFactory, SurveyQuestionFactory

pytestmark = pytest.mark.django_db

BANKS = [
    ("interviews:audio_list", "Audio questions", "New audio question", "audio_create"),
    ("interviews:survey_list", "Survey questions", "New survey question", "survey_create"),
    ("interviews:ai_text_list", "AI text questions", "New AI text question", "ai_text_create"),
]


@pytest.mark.parametrize(("name", "title", "new", "create"), BANKS)
def test_every_bank_has_the_shared_header_and_highlights_questions(
    login, recruiter, team, name, title, new, create
):
    for factory in (AudioQuestionFactory, SurveyQuestionFactory, AITextQuestionFactory):
        factory(team=team)
    html = login(recruiter).get(reverse(name)).content.decode()
    header = re.search(r'<div [^>]*data-testid="bank-header">(.*?)\n</div>', html, re.S)
    assert header, name
    body = header.group(1)
    assert f"Question bank · {team.name}" in body
    assert f'<h1 class="h3 mb-1">{title}</h1>' in body
    assert f'href="{reverse("interviews:" + create)}" data-testid="bank-new">{new}</a>' in body
    active = re.search(r'<button class="nav-link dropdown-toggle active"[^>]*>Questions', html)
    assert active, f"{name}: the Questions menu is not highlighted"


def test_a_hiring_manager_sees_the_header_without_the_new_button(login, hiring_manager):
    for name, *_ in BANKS:
        html = login(hiring_manager).get(reverse(name)).content.decode()
        assert 'data-testid="bank-header"' in html
        assert 'data-testid="bank-new"' not in html
