"""The interview list, builder, copy, bulk, scorecard and preview pages."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from interviews.models import Interview, InterviewQuestion, ScorecardTemplate
from interviews.services.interviews import interview_question_add
from tests.factories import (
    AITextQuestionFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    MembershipFactory,
    SurveyOptionFactory,
    SurveyQuestionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview(team, hiring_manager):
    interview = InterviewFactory(team=team, title="Backend Engineer")
    # Hiring managers see only the interviews they review.
    interview.reviewers.add(hiring_manager)
    for q in (
        AudioQuestionFactory(team=team, title="Intro"),
        SurveyQuestionFactory(team=team, title="Right to work"),
        AITextQuestionFactory(team=team, title="REST vs GraphQL"),
    ):
        interview_question_add(interview=interview, question=q)
    return interview


def _titles(interview):
    return [i.question.title for i in interview.items.order_by("ordinal")]


def _pages(interview):
    return [
        reverse("interviews:interview_list"),
        reverse("interviews:interview_detail", args=[interview.pk]),
        reverse("interviews:interview_scorecard", args=[interview.pk]),
        reverse("interviews:interview_preview", args=[interview.pk]),
    ]


@pytest.mark.parametrize("persona", ["owner", "recruiter", "hiring_manager"])
def test_it_shows_every_page_to_every_role(login, request, interview, persona):
    client = login(request.getfixturevalue(persona))
    for url in _pages(interview):
        assert client.get(url).status_code == 200, url


def test_it_needs_login(client, interview):
    for url in [*_pages(interview), reverse("interviews:interview_create")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_it_hides_another_teams_interview(login, outsider, interview):
    client = login(outsider)
    for url in [
        *_pages(interview)[1:],
        reverse("interviews:interview_edit", args=[interview.pk]),
        reverse("interviews:interview_copy", args=[interview.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("interviews:interview_questions", args=[interview.pk]), {"move_item": "x:up"}
        ).status_code
        == 404
    )


def test_it_forbids_every_write_to_a_hiring_manager(login, hiring_manager, interview):
    client = login(hiring_manager)
    item = interview.items.first()
    writes = [
        (reverse("interviews:interview_create"), {"title": "X"}),
        (reverse("interviews:interview_edit", args=[interview.pk]), {"title": "X"}),
        (
            reverse("interviews:interview_questions", args=[interview.pk]),
            {"move_item": f"{item.pk}:down"},
        ),
        (reverse("interviews:interview_question_add", args=[interview.pk]), {"kind": "audio"}),
        (
            reverse("interviews:interview_copy", args=[interview.pk]),
            {"team": str(interview.team_id)},
        ),
        (reverse("interviews:interview_scorecard", args=[interview.pk]), {"use_default": "1"}),
        (
            reverse("interviews:interview_bulk"),
            {"ids": [interview.pk], "status": 1, "confirm": "yes"},
        ),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    assert _titles(interview) == ["Intro", "Right to work", "REST vs GraphQL"]
    assert Interview.objects.count() == 1
    assert AuditEvent.objects.filter(action="permission.denied").count() == len(writes)


def test_it_hides_editing_controls_from_a_hiring_manager(login, hiring_manager, interview):
    html = (
        login(hiring_manager)
        .get(reverse("interviews:interview_detail", args=[interview.pk]))
        .content.decode()
    )
    assert "Add questions" not in html
    assert 'name="move_item"' not in html
    assert "Copy…" not in html


def test_it_creates_an_interview_with_a_default_scorecard(login, recruiter, team):
    response = login(recruiter).post(
        reverse("interviews:interview_create"),
        {
            "title": "Designer",
            "interview_type": "standard",
            "language": "en",
            "status": 0,
            "visibility": "invite",
            "recording_mode": "video",
            "think_time_seconds": 30,
            "answer_time_seconds": 120,
            "retakes_allowed": 1,
            "attempts_allowed": 1,
            "keywords": "figma, research",
            "resume": "on",
            "web_only": "on",
        },
    )
    interview = Interview.objects.get(title="Designer")
    assert response.status_code == 302
    assert response["Location"] == reverse("interviews:interview_detail", args=[interview.pk])
    assert interview.created_by == recruiter
    assert ScorecardTemplate.objects.get(interview=interview).criteria.count() == 4
    assert sorted(k.text for k in interview.keywords.all()) == ["figma", "research"]


def test_it_shows_form_errors_next_to_the_field_and_saves_nothing(login, recruiter):
    response = login(recruiter).post(
        reverse("interviews:interview_create"),
        {
            "title": "",
            "attempts_allowed": 40,
            "answer_time_seconds": 120,
            "think_time_seconds": 30,
            "retakes_allowed": 1,
            "status": 0,
            "interview_type": "standard",
            "language": "en",
            "visibility": "invite",
            "recording_mode": "video",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_title-error"' in html
    assert 'id="id_attempts_allowed-error"' in html
    assert not Interview.objects.exists()


def test_it_moves_a_question_with_the_keyboard_buttons(login, recruiter, interview):
    client = login(recruiter)
    first = interview.items.get(ordinal=1)
    response = client.post(
        reverse("interviews:interview_questions", args=[interview.pk]),
        {"move_item": f"{first.pk}:down", "version": interview.questions_version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<form id="question-list"')
    assert _titles(interview) == ["Right to work", "Intro", "REST vs GraphQL"]


def test_it_reorders_by_the_posted_order(login, recruiter, interview):
    items = list(interview.items.order_by("ordinal"))
    login(recruiter).post(
        reverse("interviews:interview_questions", args=[interview.pk]),
        {"order": [items[2].pk, items[0].pk, items[1].pk], "version": interview.questions_version},
    )
    assert _titles(interview) == ["REST vs GraphQL", "Intro", "Right to work"]
    assert list(interview.items.order_by("ordinal").values_list("ordinal", flat=True)) == [1, 2, 3]


def test_it_answers_a_stale_reorder_with_409_and_the_current_list(login, recruiter, interview):
    client = login(recruiter)
    items = list(interview.items.order_by("ordinal"))
    stale = interview.questions_version
    client.post(
        reverse("interviews:interview_questions", args=[interview.pk]),
        {"move_item": f"{items[0].pk}:down", "version": stale},
    )
    response = client.post(
        reverse("interviews:interview_questions", args=[interview.pk]),
        {"order": [items[2].pk, items[1].pk, items[0].pk], "version": stale},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert "Someone else changed" in response.content.decode()
    assert _titles(interview) == ["Right to work", "Intro", "REST vs GraphQL"]


def test_it_removes_a_question_and_keeps_ordinals_dense(login, recruiter, interview):
    middle = interview.items.get(ordinal=2)
    login(recruiter).post(
        reverse("interviews:interview_questions", args=[interview.pk]),
        {"remove_item": middle.pk, "version": interview.questions_version},
    )
    assert _titles(interview) == ["Intro", "REST vs GraphQL"]
    assert list(interview.items.values_list("ordinal", flat=True).order_by("ordinal")) == [1, 2]


def test_it_saves_knockout_and_time_overrides(login, recruiter, interview):
    audio, survey = interview.items.get(kind="audio"), interview.items.get(kind="survey")
    response = login(recruiter).post(
        reverse("interviews:interview_questions", args=[interview.pk]),
        {
            "version": interview.questions_version,
            f"seen:{audio.pk}": "1",
            f"seen:{survey.pk}": "1",
            f"knockout:{survey.pk}": "on",
            f"think:{audio.pk}": "5",
            f"answer:{audio.pk}": "90",
        },
    )
    assert response.status_code == 302
    audio.refresh_from_db()
    survey.refresh_from_db()
    assert (survey.knockout, audio.think_time_seconds, audio.answer_time_seconds) == (True, 5, 90)


def test_it_reports_a_bad_time_override_without_saving(login, recruiter, interview):
    audio = interview.items.get(kind="audio")
    response = login(recruiter).post(
        reverse("interviews:interview_questions", args=[interview.pk]),
        {
            "version": interview.questions_version,
            f"seen:{audio.pk}": "1",
            f"answer:{audio.pk}": "3",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "greater than or equal to 10" in response.content.decode()
    audio.refresh_from_db()
    assert audio.answer_time_seconds is None


def test_it_adds_a_question_from_the_picker(login, recruiter, interview, team):
    extra = AudioQuestionFactory(team=team, title="Why us?")
    response = login(recruiter).post(
        reverse("interviews:interview_question_add", args=[interview.pk]),
        {"kind": "audio", "question": extra.pk},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="picker"')
    assert 'hx-swap-oob="true"' in html
    assert _titles(interview)[-1] == "Why us?"


def test_it_does_not_offer_or_accept_another_teams_question(
    login, recruiter, interview, other_team
):
    foreign = AudioQuestionFactory(team=other_team, title="Foreign")
    client = login(recruiter)
    page = client.get(reverse("interviews:interview_detail", args=[interview.pk]))
    assert "Foreign" not in page.content.decode()
    response = client.post(
        reverse("interviews:interview_question_add", args=[interview.pk]),
        {"kind": "audio", "question": foreign.pk},
    )
    assert response.status_code == 404


def test_it_filters_the_picker_by_kind_and_search(login, recruiter, interview, team):
    AITextQuestionFactory(team=team, title="Kubernetes upgrades")
    AITextQuestionFactory(team=team, title="Hiring plans")
    response = login(recruiter).get(
        reverse("interviews:interview_detail", args=[interview.pk]),
        {"kind": "ai_text", "q": "kube"},
        headers={"HX-Request": "true", "HX-Target": "picker"},
    )
    assert [q.title for q in response.context["picker"]] == ["Kubernetes upgrades"]
    assert response.content.decode().lstrip().startswith('<div id="picker"')


def test_it_copies_to_a_team_the_user_can_write_to_and_switches_to_it(
    login, recruiter, interview, team
):
    target = TeamFactory(organization=team.organization, name="Sales")
    MembershipFactory(team=target, user=recruiter, role=Role.RECRUITER)
    client = login(recruiter)
    response = client.post(
        reverse("interviews:interview_copy", args=[interview.pk]), {"team": str(target.pk)}
    )
    copy = Interview.objects.get(team=target)
    assert response["Location"] == reverse("interviews:interview_detail", args=[copy.pk])
    assert client.get(response["Location"]).status_code == 200
    assert AuditEvent.objects.filter(action="interview.copied", object_id=str(copy.pk)).exists()


def test_it_offers_only_teams_where_the_user_may_write(login, recruiter, interview, team):
    readonly = TeamFactory(organization=team.organization, name="Read only")
    MembershipFactory(team=readonly, user=recruiter, role=Role.HIRING_MANAGER)
    client = login(recruiter)
    page = client.get(reverse("interviews:interview_copy", args=[interview.pk]))
    offered = [label for _value, label in page.context["form"].fields["team"].choices]
    assert offered == [f"{team.name} (this team)"]
    response = client.post(
        reverse("interviews:interview_copy", args=[interview.pk]), {"team": str(readonly.pk)}
    )
    assert response.status_code == 422
    assert not Interview.objects.filter(team=readonly).exists()


def test_it_renders_the_copy_modal_for_htmx(login, recruiter, interview):
    response = login(recruiter).get(
        reverse("interviews:interview_copy", args=[interview.pk]), headers={"HX-Request": "true"}
    )
    assert response.content.decode().lstrip().startswith('<div class="modal fade" id="copy-modal"')


def test_it_confirms_a_bulk_change_naming_the_interviews(login, recruiter, team, interview):
    other = InterviewFactory(team=team, title="Support")
    client = login(recruiter)
    response = client.post(
        reverse("interviews:interview_bulk"),
        {"ids": [interview.pk, other.pk], "status": 2},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "Set 2 interviews to Closed?" in html
    assert "Backend Engineer" in html
    assert "Support" in html
    assert set(Interview.objects.values_list("status", flat=True)) == {0}
    response = client.post(
        reverse("interviews:interview_bulk"),
        {"ids": [interview.pk, other.pk], "status": 2, "confirm": "yes"},
    )
    assert response.status_code == 302
    assert set(Interview.objects.values_list("status", flat=True)) == {2}


def test_it_refuses_a_bulk_change_that_includes_another_teams_interview(
    login, recruiter, interview, other_team
):
    foreign = InterviewFactory(team=other_team)
    client = login(recruiter)
    client.post(
        reverse("interviews:interview_bulk"),
        {"ids": [interview.pk, foreign.pk], "status": 1, "confirm": "yes"},
    )
    assert Interview.objects.get(pk=foreign.pk).status == 0
    assert Interview.objects.get(pk=interview.pk).status == 0


def test_it_searches_and_filters_the_interview_list(login, recruiter, team):
    InterviewFactory(team=team, title="Backend Engineer")
    InterviewFactory(team=team, title="Frontend Engineer", status=1)
    InterviewFactory(team=team, title="Archived one", status=3, archived_at="2026-01-01T00:00Z")
    client = login(recruiter)

    def titles(**params):
        response = client.get(reverse("interviews:interview_list"), params)
        return sorted(r.record.title for r in response.context["table"].paginated_rows)

    assert titles() == ["Backend Engineer", "Frontend Engineer"]
    assert titles(q="front") == ["Frontend Engineer"]
    assert titles(status="1") == ["Frontend Engineer"]
    assert titles(status="all") == ["Archived one", "Backend Engineer", "Frontend Engineer"]


def test_it_answers_htmx_list_requests_with_the_table_fragment(login, recruiter, interview):
    response = login(recruiter).get(
        reverse("interviews:interview_list"), {"q": "back"}, headers={"HX-Request": "true"}
    )
    assert response.content.decode().lstrip().startswith('<div class="table-region"')


def test_it_saves_a_scorecard_and_adds_rows(login, recruiter, interview):
    client = login(recruiter)
    url = reverse("interviews:interview_scorecard", args=[interview.pk])
    client.post(url, {"use_default": "1"})
    page = client.get(url)
    assert page.context["formset"].total_form_count() == 4
    data = {
        "name": "Engineering",
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-name": "Depth",
        "criteria-0-weight": "3",
        "criteria-0-anchor_1": "None",
        "criteria-1-name": "Clarity",
        "criteria-1-weight": "1",
        "criteria-1-DELETE": "on",
    }
    added = client.post(url, {**data, "add": "1"})
    assert added.context["formset"].total_form_count() == 3
    response = client.post(url, data)
    assert response.status_code == 302
    template = ScorecardTemplate.objects.get(interview=interview)
    assert template.name == "Engineering"
    assert [(c.name, c.weight, c.anchors.get("1")) for c in template.criteria.all()] == [
        ("Depth", 3, "None")
    ]


def test_it_previews_every_question_kind(login, hiring_manager, interview, team):
    survey = interview.items.get(kind="survey").survey_question
    survey.survey_type = "MULTIPLE_CHOICE"
    survey.preferred_option = ""
    survey.save()
    SurveyOptionFactory(question=survey, text="Full time")
    html = (
        login(hiring_manager)
        .get(reverse("interviews:interview_preview", args=[interview.pk]))
        .content.decode()
    )
    assert "Nothing you do here is saved" in html
    assert "Question 3 of 3" in html
    assert "Full time" in html
    assert "Up to 5000 characters" in html


def _fill(team, n):
    for i in range(n):
        interview = InterviewFactory(team=team, title=f"Interview {i}")
        interview_question_add(interview=interview, question=AudioQuestionFactory(team=team))
        CandidateInterviewFactory(interview=interview)


@pytest.mark.parametrize("rows", [3, 30])
def test_it_lists_interviews_in_constant_queries(
    login, recruiter, team, rows, django_assert_max_num_queries
):
    _fill(team, rows)
    client = login(recruiter)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("interviews:interview_list"))
    assert len(list(response.context["table"].paginated_rows)) == min(rows, 25)


@pytest.mark.parametrize("size", [3, 30])
def test_it_renders_the_builder_in_constant_queries(
    login, recruiter, team, size, django_assert_max_num_queries
):
    interview = InterviewFactory(team=team)
    for i in range(size):
        factory = (AudioQuestionFactory, SurveyQuestionFactory, AITextQuestionFactory)[i % 3]
        question = factory(team=team)
        if i % 3 == 1:
            SurveyOptionFactory(question=question)
        interview_question_add(interview=interview, question=question)
    client = login(recruiter)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("interviews:interview_detail", args=[interview.pk]))
    assert len(response.context["items"]) == size
    with django_assert_max_num_queries(12):
        client.get(reverse("interviews:interview_preview", args=[interview.pk]))
    assert InterviewQuestion.objects.filter(interview=interview).count() == size


def test_it_adds_a_question_created_from_the_builder(login, recruiter, interview):
    from tests.interviews.test_survey import form_data

    client = login(recruiter)
    create = reverse("interviews:survey_create")
    page = client.get(create, {"add_to": interview.pk})
    assert f'name="add_to" value="{interview.pk}"' in page.content.decode()
    response = client.post(
        create,
        form_data(
            add_to=str(interview.pk),
            options=[{"text": "Yes", "is_preferred": True}, {"text": "No"}],
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("interviews:interview_detail", args=[interview.pk])
    assert _titles(interview)[-1] == "Weekend shifts"


def test_it_ignores_an_add_to_of_another_team(login, recruiter, interview, other_team):
    from tests.interviews.test_survey import form_data

    foreign = InterviewFactory(team=other_team)
    response = login(recruiter).post(
        reverse("interviews:survey_create"),
        form_data(add_to=str(foreign.pk), options=[{"text": "Yes"}, {"text": "No"}]),
    )
    assert response["Location"] == reverse("interviews:survey_list")
    assert not foreign.items.exists()


def test_an_ai_interview_says_when_it_will_ask_no_follow_ups(login, recruiter, team, settings):
    ai = InterviewFactory(team=team, interview_type="ai")
    settings.LLM_BASE_URL = ""
    client = login(recruiter)
    html = client.get(reverse("interviews:interview_detail", args=[ai.pk])).text
    assert 'data-testid="chat-notice"' in html
    assert "asks the base questions only" in html
    settings.LLM_BASE_URL = "http://127.0.0.1:9/v1"
    html = client.get(reverse("interviews:interview_detail", args=[ai.pk])).text
    assert 'data-testid="chat-notice"' not in html


def test_the_settings_save_the_number_of_follow_ups(login, recruiter, team):
    ai = InterviewFactory(team=team, interview_type="ai")
    data = {
        "title": ai.title,
        "interview_type": "ai",
        "language": "en",
        "status": 0,
        "visibility": "invite",
        "recording_mode": "video",
        "think_time_seconds": 30,
        "answer_time_seconds": 120,
        "retakes_allowed": 1,
        "attempts_allowed": 1,
        "ai_followups_max": 4,
    }
    client = login(recruiter)
    response = client.post(reverse("interviews:interview_edit", args=[ai.pk]), data)
    assert response.status_code == 302
    ai.refresh_from_db()
    assert ai.ai_followups_max == 4
    too_many = client.post(
        reverse("interviews:interview_edit", args=[ai.pk]), {**data, "ai_followups_max": 9}
    )
    assert "ai_followups_max" in too_many.text
    ai.refresh_from_db()
    assert ai.ai_followups_max == 4
