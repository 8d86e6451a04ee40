"""Hiring managers see the question banks and narrators only through the interviews they review:
a question asked there (read-only), a narrator speaking there; everything else is a 404, and
lists, counts and "used by" show nothing of the other interviews."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from interviews.models import InterviewQuestion
from tests.factories import (
    AITextQuestionFactory,
    AudioQuestionFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    NarratorFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def banks(team, hiring_manager):
    """Interview "Shared" (reviewed by the hiring manager) and "Hidden" (not); each bank has a
    question asked in Shared (and in Hidden too) and one asked only in Hidden."""
    seen_voice = NarratorFactory(team=team, name="Seen Voice")
    hidden_voice = NarratorFactory(team=team, name="Hidden Voice")
    shared = InterviewFactory(team=team, title="Shared Support Lead", narrator=seen_voice)
    hidden = InterviewFactory(team=team, title="Hidden Finance Role", narrator=hidden_voice)
    shared.reviewers.add(hiring_manager)
    made = {}
    for kind, factory in (
        ("audio", AudioQuestionFactory),
        ("survey", SurveyQuestionFactory),
        ("ai_text", AITextQuestionFactory),
    ):
        extra = {"narrator": seen_voice} if kind == "audio" else {}
        seen = factory(team=team, title=f"Seen {kind} question", **extra)
        unseen = factory(team=team, title=f"Unseen {kind} question")
        for interview, question in ((shared, seen), (hidden, seen), (hidden, unseen)):
            InterviewQuestionFactory(
                interview=interview,
                kind=InterviewQuestion.Kind(kind),
                **{"audio_question": None, f"{kind}_question": question},
            )
        made[kind] = (seen, unseen)
    for question in made["audio"]:
        question.audio_file.save("prompt.mp3", ContentFile(b"ID3" + b"\0" * 64), save=True)
    return {"made": made, "seen_voice": seen_voice, "hidden_voice": hidden_voice}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


KINDS = ["audio", "survey", "ai_text"]


@pytest.mark.parametrize("kind", KINDS)
def test_it_lists_only_the_questions_of_reviewed_interviews(login, hiring_manager, banks, kind):
    html = login(hiring_manager).get(reverse(f"interviews:{kind}_list")).text
    assert f"Seen {kind} question" in html
    assert f"Unseen {kind} question" not in html
    # Used by two interviews, but the hiring manager sees one of them.
    assert re.search(r">\s*1 interview\s*<", html), "usage count counts only visible interviews"


@pytest.mark.parametrize("kind", KINDS)
def test_it_answers_404_for_a_question_no_reviewed_interview_asks(
    login, hiring_manager, banks, kind
):
    client = login(hiring_manager)
    seen, unseen = banks["made"][kind]
    assert client.get(reverse(f"interviews:{kind}_edit", args=[unseen.pk])).status_code == 404
    page = client.get(reverse(f"interviews:{kind}_edit", args=[seen.pk]))
    assert page.status_code == 200
    # Where it is used: only the interview they review.
    assert "Shared Support Lead" in page.text
    assert "Hidden Finance Role" not in page.text


def test_it_plays_only_the_audio_of_reviewed_interviews(login, hiring_manager, banks):
    client = login(hiring_manager)
    seen, unseen = banks["made"]["audio"]
    assert client.get(reverse("interviews:audio_file", args=[seen.pk])).status_code == 200
    assert client.get(reverse("interviews:audio_file", args=[unseen.pk])).status_code == 404


def test_it_refuses_writes_on_a_hidden_question_with_404(login, hiring_manager, banks):
    client = login(hiring_manager)
    _seen, unseen = banks["made"]["survey"]
    for name in ("survey_edit", "survey_archive", "survey_duplicate"):
        assert client.post(reverse(f"interviews:{name}", args=[unseen.pk])).status_code == 404


def test_it_shows_only_narrators_of_reviewed_interviews(login, hiring_manager, banks):
    client = login(hiring_manager)
    html = client.get(reverse("interviews:narrator_list")).text
    assert "Seen Voice" in html
    assert "Hidden Voice" not in html
    hidden = banks["hidden_voice"].pk
    for name in ("narrator_edit", "narrator_preview"):
        assert client.get(reverse(f"interviews:{name}", args=[hidden])).status_code == 404
    seen = client.get(reverse("interviews:narrator_edit", args=[banks["seen_voice"].pk]))
    assert seen.status_code == 200


def test_it_offers_only_visible_narrators_on_a_question_page(login, hiring_manager, banks):
    seen, _unseen = banks["made"]["audio"]
    html = login(hiring_manager).get(reverse("interviews:audio_edit", args=[seen.pk])).text
    assert "Seen Voice" in html
    assert "Hidden Voice" not in html


def test_a_hiring_manager_reviewing_nothing_sees_empty_banks(login, team, banks):
    from accounts.models import Role
    from tests.factories import MembershipFactory

    lonely = MembershipFactory(team=team, role=Role.HIRING_MANAGER).user
    client = login(lonely)
    for kind in [*KINDS, "narrator"]:
        response = client.get(reverse(f"interviews:{kind}_list"))
        assert response.status_code == 200
        assert "Seen " not in response.text
        assert "Unseen " not in response.text
        assert "Hidden " not in response.text


@pytest.mark.parametrize("persona", ["owner", "recruiter"])
def test_other_roles_see_the_whole_bank(login, request, banks, persona):
    client = login(request.getfixturevalue(persona))
    for kind in KINDS:
        html = client.get(reverse(f"interviews:{kind}_list")).text
        assert f"Seen {kind} question" in html
        assert f"Unseen {kind} question" in html
    assert "Hidden Voice" in client.get(reverse("interviews:narrator_list")).text


def test_the_navigation_offers_a_hiring_manager_no_page_that_404s(login, hiring_manager, banks):
    client = login(hiring_manager)
    home = client.get(reverse("dashboard:home")).text
    nav = home.split('<nav class="navbar', 1)[1].split("</nav>", 1)[0]
    links = set(re.findall(r'href="(/[^"#?]*)"', nav))
    assert reverse("interviews:audio_list") in links
    for link in links:
        assert client.get(link).status_code != 404, link
