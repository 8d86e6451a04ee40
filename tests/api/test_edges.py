"""One action, one service, both edges: each action done through the dashboard and through the
API (or the command line) leaves the same rows, audit events and webhook events."""

from __future__ import annotations

import ast
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import AuditEvent, Membership, Organization, Role, Team
from candidates.models import CandidateInterview
from interviews.models import AITextQuestion, Interview, ScorecardTemplate
from interviews.selectors import interview_scorecard_template
from interviews.services.interviews import interview_question_add
from interviews.services.scorecards import DEFAULT_CRITERIA
from tests.factories import (
    AITextQuestionFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    ScorecardTemplateFactory,
    SurveyQuestionFactory,
    UserFactory,
)
from webhooks.models import Endpoint, Event

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
API = "/qsi/gather/interviews"

FORM = {
    "interview_type": "standard",
    "language": "en",
    "status": 0,
    "visibility": "invite",
    "recording_mode": "video",
    "think_time_seconds": 30,
    "answer_time_seconds": 120,
    "retakes_allowed": 1,
    "attempts_allowed": 1,
    "resume": "on",
    "web_only": "on",
}


def _listening(team: Team) -> Endpoint:
    return Endpoint.objects.create(
        team=team,
        url="https://hooks.example.com/panelist",
        secret="whsec_test",
        event_types=["interview.updated"],
    )


def _audit(team: Team, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(team=team, action=action))


def _shape(interview: Interview) -> dict[str, Any]:
    """What a reviewer and the evaluator read of an interview, comparable across two copies."""
    template = interview_scorecard_template(interview)
    return {
        "keywords": sorted(k.text for k in interview.keywords.all()),
        "scorecard": [
            (c.name, c.weight, c.anchors) for c in (template.criteria.all() if template else [])
        ],
        "items": [
            (i.kind, i.question.pk, i.ordinal, i.knockout)
            for i in interview.items.order_by("ordinal")
        ],
    }


# ---------------------------------------------------------------- create


def test_create_gives_the_same_scorecard_keywords_and_audit_on_both_edges(
    login, recruiter, team, api
):
    login(recruiter).post(
        reverse("interviews:interview_create"),
        {**FORM, "title": "Designer", "keywords": "figma, research"},
    )
    response = api.post(API, {"title": "Designer API", "keywords": ["figma", "research"]}, "json")
    assert response.status_code == 201, response.content
    by_form = Interview.objects.get(title="Designer")
    by_api = Interview.objects.get(title="Designer API")

    assert _shape(by_form) == _shape(by_api)
    # The team's four criteria, not the evaluator's one-criterion fallback.
    assert [name for name, _w, _a in _shape(by_api)["scorecard"]] == [
        n for n, _d in DEFAULT_CRITERIA
    ]
    created = _audit(team, "interview.created")
    assert sorted(str(e.object_id) for e in created) == sorted([str(by_form.pk), str(by_api.pk)])
    assert not Event.objects.exists()


def test_a_recorded_answer_to_an_api_made_interview_is_judged_on_the_scorecard(api, team):
    from candidates.services.evaluations import answer_request
    from tests.factories import AnswerFactory

    audio = AudioQuestionFactory(team=team, question_script="Tell us about a hard bug.")
    response = api.post(API, {"title": "Support", "questionIds": [str(audio.pk)]}, "json")
    interview = Interview.objects.get(pk=response.json()["data"]["interview"]["id"])
    invite = CandidateInterviewFactory(interview=interview, team=team)
    answer = AnswerFactory(candidate_interview=invite, interview_question=interview.items.get())
    request = answer_request(answer=answer)
    assert [c.name for c in request.criteria] == [n for n, _d in DEFAULT_CRITERIA]


# ---------------------------------------------------------------- update


def test_update_gives_the_same_keywords_and_webhook_on_both_edges(login, recruiter, team, api):
    _listening(team)
    by_form = InterviewFactory(team=team, title="One")
    by_api = InterviewFactory(team=team, title="Two")
    for interview in (by_form, by_api):
        interview.keywords.create(text="php")
    response = login(recruiter).post(
        reverse("interviews:interview_edit", args=[by_form.pk]),
        {**FORM, "title": "One, renamed", "keywords": "sql, python"},
    )
    assert response.status_code == 302
    response = api.patch(
        f"{API}/{by_api.pk}",
        {"title": "Two, renamed", "keywords": ["sql", "python"], "removedKeywords": ["php"]},
        "json",
    )
    assert response.status_code == 200, response.content
    assert _shape(by_form)["keywords"] == _shape(by_api)["keywords"] == ["python", "sql"]
    events = Event.objects.filter(type="interview.updated")
    assert sorted(e.payload["title"] for e in events) == ["One, renamed", "Two, renamed"]


# ---------------------------------------------------------------- the question list


def test_setting_the_survey_questions_gives_the_same_rows_on_both_edges(
    login, recruiter, team, api
):
    audio = AudioQuestionFactory(team=team)
    first, second = SurveyQuestionFactory(team=team), SurveyQuestionFactory(team=team)
    interviews = [InterviewFactory(team=team), InterviewFactory(team=team)]
    for interview in interviews:
        for question in (first, audio, second):
            interview_question_add(interview=interview, question=question)
    by_form, by_api = interviews
    # The builder: drag the second survey question to the top, make it a knockout.
    items = {i.question.pk: i for i in by_form.items.all()}
    order = [items[second.pk], items[audio.pk], items[first.pk]]
    response = login(recruiter).post(
        reverse("interviews:interview_questions", args=[by_form.pk]),
        {
            "version": by_form.questions_version,
            "order": [str(i.pk) for i in order],
            **{f"seen:{i.pk}": "1" for i in order},
            f"knockout:{items[second.pk].pk}": "on",
        },
    )
    assert response.status_code == 302
    # The API: the same survey questions in the same order, the same knockout.
    response = api.patch(
        f"{API}/{by_api.pk}",
        {
            "surveyQuestions": [
                {"id": str(second.pk), "knockout": True},
                {"id": str(first.pk), "knockout": False},
            ]
        },
        "json",
    )
    assert response.status_code == 200, response.content
    assert (
        _shape(by_form)["items"]
        == _shape(by_api)["items"]
        == [
            ("survey", second.pk, 1, True),
            ("audio", audio.pk, 2, False),
            ("survey", first.pk, 3, False),
        ]
    )


def test_replacing_a_kind_refuses_a_question_of_another_kind(team):
    from django.core.exceptions import ValidationError

    from interviews.services.interviews import interview_questions_replace

    interview = InterviewFactory(team=team)
    written = AITextQuestion.objects.get(pk=AITextQuestionFactory(team=team).pk)
    with pytest.raises(ValidationError, match="survey question"):
        interview_questions_replace(interview=interview, kind="survey", questions=[written])
    assert not interview.items.exists()


# ---------------------------------------------------------------- copy


def test_copy_is_audited_on_both_edges(login, recruiter, team, api):
    source = InterviewFactory(team=team, title="Analyst")
    ScorecardTemplateFactory(team=team, interview=source)
    response = login(recruiter).post(
        reverse("interviews:interview_copy", args=[source.pk]), {"team": str(team.pk)}
    )
    assert response.status_code == 302
    response = api.post(f"{API}/{source.pk}/copy", {}, "json")
    assert response.status_code == 201, response.content
    copies = list(Interview.objects.filter(title="Analyst (copy)"))
    assert len(copies) == 2
    assert _shape(copies[0]) == _shape(copies[1]) == _shape(source)
    events = _audit(team, "interview.copied")
    assert sorted(e.object_id for e in events) == sorted(str(c.pk) for c in copies)
    assert {e.data["from"] for e in events} == {str(source.pk)}
    assert all(e.ip_address for e in events)


# ---------------------------------------------------------------- organization setup


def test_organization_setup_is_the_same_from_the_welcome_page_and_the_command(client):
    web_user, cli_user = UserFactory(), UserFactory()
    client.force_login(web_user)
    response = client.post(
        reverse("dashboard:welcome"), {"organization": "Acme", "team": "Recruiting"}
    )
    assert response.status_code == 302
    out = StringIO()
    call_command(
        "organization_setup",
        "Globex",
        "--team",
        "Recruiting",
        "--owner",
        cli_user.email,
        stdout=out,
    )
    assert "Globex" in out.getvalue()
    for name, user in (("Acme", web_user), ("Globex", cli_user)):
        organization = Organization.objects.get(name=name)
        team = Team.objects.get(organization=organization)
        assert team.name == "Recruiting"
        assert Membership.objects.get(team=team).user == user
        assert Membership.objects.get(team=team).role == Role.OWNER
        actions = sorted(AuditEvent.objects.filter(team=team).values_list("action", flat=True))
        assert actions == ["organization.created", "team.created"]


def test_organization_setup_names_the_field_at_fault(client):
    client.force_login(UserFactory())
    response = client.post(reverse("dashboard:welcome"), {"organization": "  ", "team": "R"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Organization.objects.exists()
    with pytest.raises(CommandError, match="--owner"):
        call_command("organization_setup", "Globex", "--owner", "nobody@example.com")
    with pytest.raises(CommandError, match="name: Enter your organization"):
        call_command("organization_setup", "  ", "--owner", UserFactory().email)
    with pytest.raises(CommandError, match="--team: "):
        call_command("organization_setup", "Globex", "--team", "", "--owner", UserFactory().email)
    assert not Organization.objects.exists()


# ---------------------------------------------------------------- facts in one place


def test_an_interview_has_one_scorecard_template(team):
    interview = InterviewFactory(team=team)
    ScorecardTemplateFactory(team=team, interview=interview)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScorecardTemplate.objects.create(team=team, interview=interview, name="Second")


@pytest.mark.parametrize(
    ("invite_language", "interview_language", "base", "page"),
    [
        ("fr-CA", "en", "fr", "fr"),
        ("", "es-MX", "es", "es"),
        ("de", "en", "de", "en"),  # answers read in German; pages in English (no catalogue)
        ("", "", "en", "en"),
    ],
)
def test_the_candidate_language_is_one_rule(team, invite_language, interview_language, base, page):
    from candidates.services.evaluations import answer_request
    from tests.factories import AnswerFactory

    interview = InterviewFactory(team=team, language=interview_language)
    question = AITextQuestionFactory(team=team)
    item = interview_question_add(interview=interview, question=question)
    invite = CandidateInterviewFactory(interview=interview, team=team, language=invite_language)
    assert (invite.base_language, invite.page_language) == (base, page)
    answer = AnswerFactory(candidate_interview=invite, interview_question=item, text="x" * 20)
    assert answer_request(answer=answer).language == base


def test_the_question_text_is_one_function(team, client):
    """An uploaded recording (no script) shows its title wherever its text is shown."""
    from candidates.runner.chat import question_text
    from candidates.services.evaluations import answer_request
    from tests.factories import AnswerFactory

    audio = AudioQuestionFactory(team=team, title="Why this team?", question_script="")
    interview = InterviewFactory(team=team)
    item = InterviewQuestionFactory(interview=interview, audio_question=audio)
    invite = CandidateInterviewFactory(interview=interview, team=team)
    answer = AnswerFactory(candidate_interview=invite, interview_question=item)
    assert item.display_text == "Why this team?"
    assert question_text(item) == item.display_text
    assert answer_request(answer=answer).question == item.display_text


# ---------------------------------------------------------------- the uploads hand-off


def test_uploads_write_no_answer_rows_themselves():
    """``uploads`` hands a verified recording to a candidates service; it never saves an
    ``Answer`` itself (so the answer's rules live in one place)."""
    tree = ast.parse((ROOT / "uploads" / "services.py").read_text())
    writes = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "objects"
        and isinstance(node.value, ast.Name)
        and node.value.id == "Answer"
    ]
    assert writes == []


def test_a_verified_upload_becomes_the_answer_through_the_candidates_service(team, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from uploads.models import Upload
    from uploads.services import upload_completed

    audio = AudioQuestionFactory(team=team)
    interview = InterviewFactory(team=team, retakes_allowed=1)
    item = InterviewQuestionFactory(interview=interview, audio_question=audio)
    invite = CandidateInterviewFactory(
        interview=interview, team=team, status=CandidateInterview.Status.IN_PROGRESS
    )
    names = [default_storage.save(f"answers/take{n}.webm", ContentFile(b"x")) for n in (1, 2)]
    answers = []
    for name in names:
        upload = Upload(
            candidate_interview=invite,
            interview_question=item,
            attempt=1,
            stored_name=name,
            content_type="audio/webm",
            duration_seconds=3.0,
        )
        answers.append(upload_completed(upload=upload))
    first, second = answers
    assert first is not None
    assert second is not None
    assert first.pk == second.pk
    second.refresh_from_db()
    assert second.media.name == names[1]
    assert second.retakes_used == 1
    assert second.status == "submitted"
