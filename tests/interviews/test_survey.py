"""The survey question bank: every rule of every survey type in the service, and the pages."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from interviews.models import InterviewQuestion, SurveyOption, SurveyQuestion
from interviews.services.questions import question_archive, question_unarchive
from interviews.services.survey import (
    OptionInput,
    survey_question_create,
    survey_question_duplicate,
    survey_question_update,
)
from tests.factories import (
    AnswerFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    SurveyOptionFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db

T = SurveyQuestion.SurveyType


def opts(*texts, weights=None, preferred=()):
    return [
        OptionInput(
            text=text,
            weight=Decimal(str(weights[i])) if weights and weights[i] is not None else None,
            is_preferred=i in preferred,
        )
        for i, text in enumerate(texts)
    ]


def create(team, **kwargs):
    fields = {
        "team": team,
        "by": None,
        "title": "A question",
        "question_text": "What do you think?",
        "survey_type": T.MULTIPLE_CHOICE,
        "options": opts("Yes", "No"),
    }
    fields.update(kwargs)
    return survey_question_create(**fields)


def errors_of(call, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    return {
        key: " ".join(e.messages[0] for e in errs) for key, errs in info.value.error_dict.items()
    }


def use_in_interview(question, interview=None, ordinal=1):
    interview = interview or InterviewFactory(team=question.team)
    return InterviewQuestion.objects.create(
        interview=interview,
        kind=InterviewQuestion.Kind.SURVEY,
        survey_question=question,
        ordinal=ordinal,
    )


def stored(question):
    return list(
        SurveyOption.objects.filter(question=question)
        .order_by("ordinal")
        .values_list("ordinal", "text", "weight", "is_preferred")
    )


# --- Service: rules shared by every type ---------------------------------------------------


def test_it_creates_a_multiple_choice_question_with_dense_ordinals(team, recruiter):
    question = create(
        team, by=recruiter, title="  Angry customer ", options=opts("A", "B", "C", preferred=[1])
    )
    assert question.title == "Angry customer"
    assert question.created_by == recruiter
    assert stored(question) == [(1, "A", None, False), (2, "B", None, True), (3, "C", None, False)]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "   ", "Enter a title"),
        ("title", "x" * 201, "200 characters or fewer"),
        ("question_text", "", "Enter the question text"),
        ("language", "xx", "Choose a language"),
        ("survey_type", "RANKING", "Choose a survey type"),
    ],
)
def test_it_refuses_bad_common_fields_naming_the_field(team, field, value, message):
    errors = errors_of(create, team, **{field: value})
    assert message in errors[field]
    assert not SurveyQuestion.objects.exists()


def test_it_reports_every_broken_rule_at_once(team):
    errors = errors_of(create, team, title="", options=opts("Same", "same", ""))
    assert set(errors) == {"title", "options.1.text", "options.2.text"}


def test_it_refuses_blank_and_too_long_option_text_on_that_option(team):
    errors = errors_of(create, team, options=opts("Fine", " ", "x" * 301))
    assert errors["options.1.text"] == "Option 2 needs text: every option is required."
    assert "Option 3 must be 300 characters or fewer" in errors["options.2.text"]


def test_it_refuses_duplicate_option_texts_ignoring_case(team):
    errors = errors_of(create, team, options=opts("Remote", "Office", " REMOTE "))
    assert "Option 3 repeats option 1" in errors["options.2.text"]
    assert "unique within a question" in errors["options.2.text"]


def test_it_refuses_more_than_twenty_options(team):
    errors = errors_of(create, team, options=opts(*[f"Option {n}" for n in range(21)]))
    assert "at most 20 options" in errors["options"]


def test_it_refuses_an_option_id_of_another_question(team):
    other = SurveyOptionFactory(question__team=team, ordinal=1)
    question = create(team)
    errors = errors_of(
        survey_question_update,
        question=question,
        title="A question",
        question_text="Q",
        survey_type=T.MULTIPLE_CHOICE,
        options=[OptionInput(text="A", id=other.pk), OptionInput(text="B")],
    )
    assert errors["options.0.id"] == "Option 1 is not an option of this question."


# --- Service: FREE_TEXT ----------------------------------------------------------------------


@pytest.mark.parametrize("limit", [None, 1, 500, 10_000])
def test_it_creates_free_text_with_an_optional_limit(team, limit):
    question = create(team, survey_type=T.FREE_TEXT, options=[], max_character_length=limit)
    assert question.max_character_length == limit
    assert stored(question) == []


@pytest.mark.parametrize("limit", [0, -5, 10_001])
def test_it_refuses_a_free_text_limit_out_of_range(team, limit):
    errors = errors_of(
        create, team, survey_type=T.FREE_TEXT, options=[], max_character_length=limit
    )
    assert "between 1 and 10,000" in errors["max_character_length"]


def test_it_refuses_options_on_free_text(team):
    errors = errors_of(create, team, survey_type=T.FREE_TEXT, options=opts("A", "B"))
    assert "free-text questions have no options" in errors["options"]


def test_it_refuses_a_length_limit_on_other_types(team):
    errors = errors_of(create, team, max_character_length=100)
    assert "Only free-text questions" in errors["max_character_length"]


# --- Service: YES_NO -------------------------------------------------------------------------


@pytest.mark.parametrize("preferred", ["YES", "NO", ""])
def test_it_creates_yes_no_without_stored_options(team, preferred):
    question = create(team, survey_type=T.YES_NO, options=[], preferred_option=preferred)
    assert question.preferred_option == preferred
    assert stored(question) == []


def test_it_refuses_options_on_yes_no(team):
    errors = errors_of(create, team, survey_type=T.YES_NO, options=opts("Yes", "No"))
    assert "fixed answers Yes and No" in errors["options"]


def test_it_refuses_an_unknown_preferred_answer(team):
    errors = errors_of(create, team, survey_type=T.YES_NO, options=[], preferred_option="MAYBE")
    assert errors["preferred_option"] == "The preferred answer must be YES, NO or empty."


def test_it_refuses_a_preferred_answer_on_other_types(team):
    errors = errors_of(create, team, preferred_option="YES")
    assert "Only yes/no questions have a preferred answer" in errors["preferred_option"]


# --- Service: THUMBS_UP_DOWN -----------------------------------------------------------------


def test_it_creates_thumbs_up_down_with_two_options(team):
    question = create(team, survey_type=T.THUMBS_UP_DOWN, options=opts("Up", "Down", preferred=[0]))
    assert stored(question) == [(1, "Up", None, True), (2, "Down", None, False)]


@pytest.mark.parametrize("texts", [("Up",), ("Up", "Down", "Meh")])
def test_it_needs_exactly_two_thumbs_options(team, texts):
    errors = errors_of(create, team, survey_type=T.THUMBS_UP_DOWN, options=opts(*texts))
    assert "exactly two options" in errors["options"]
    assert f"it has {len(texts)}" in errors["options"]


def test_it_allows_one_preferred_thumb_only(team):
    errors = errors_of(
        create, team, survey_type=T.THUMBS_UP_DOWN, options=opts("Up", "Down", preferred=[0, 1])
    )
    assert "Mark at most one preferred option" in errors["options"]


# --- Service: MULTIPLE_CHOICE ----------------------------------------------------------------


def test_it_allows_multiple_choice_without_a_preferred_option(team):
    assert stored(create(team, options=opts("A", "B"))) == [
        (1, "A", None, False),
        (2, "B", None, False),
    ]


def test_it_needs_two_multiple_choice_options(team):
    errors = errors_of(create, team, options=opts("Only"))
    assert errors["options"] == "A multiple choice question needs at least two options."


def test_it_allows_one_preferred_multiple_choice_option_only(team):
    errors = errors_of(create, team, options=opts("A", "B", "C", preferred=[0, 2]))
    assert "Mark at most one preferred option" in errors["options"]
    assert "(2 are marked)" in errors["options"]


def test_it_refuses_weights_on_unweighted_options(team):
    errors = errors_of(create, team, options=opts("A", "B", weights=[1, None]))
    assert "only weighted multiple-choice questions use weights" in errors["options.0.weight"]


# --- Service: MULTIPLE_CHOICE_WEIGHTED -------------------------------------------------------


def test_it_creates_weighted_options_with_their_weights(team):
    question = create(
        team,
        survey_type=T.MULTIPLE_CHOICE_WEIGHTED,
        options=opts("None", "Some", "Lots", weights=[0, "1.5", -2]),
    )
    assert [w for _o, _t, w, _p in stored(question)] == [
        Decimal("0.00"),
        Decimal("1.50"),
        Decimal("-2.00"),
    ]


def test_it_needs_a_weight_on_every_weighted_option(team):
    errors = errors_of(
        create,
        team,
        survey_type=T.MULTIPLE_CHOICE_WEIGHTED,
        options=opts("A", "B", weights=[1, None]),
    )
    assert errors["options.1.weight"] == (
        "Option 2 needs a weight: every option of a weighted question has one."
    )


@pytest.mark.parametrize("weight", ["1000.01", "-1001", "0.125", "NaN"])
def test_it_refuses_weights_out_of_range_or_too_precise(team, weight):
    errors = errors_of(
        create,
        team,
        survey_type=T.MULTIPLE_CHOICE_WEIGHTED,
        options=opts("A", "B", weights=[1, weight]),
    )
    assert "between -1000 and 1000 with at most two decimal places" in errors["options.1.weight"]


def test_it_refuses_preferred_options_on_weighted_questions(team):
    errors = errors_of(
        create,
        team,
        survey_type=T.MULTIPLE_CHOICE_WEIGHTED,
        options=opts("A", "B", weights=[1, 2], preferred=[1]),
    )
    assert "score by weight" in errors["options.1.is_preferred"]


def test_it_needs_two_weighted_options(team):
    errors = errors_of(
        create, team, survey_type=T.MULTIPLE_CHOICE_WEIGHTED, options=opts("A", weights=[1])
    )
    assert "at least two options" in errors["options"]


# --- Service: MULTIPLE_CHOICE_MULTIPLE_ANSWER ------------------------------------------------


def test_it_creates_multiple_answer_with_preferred_options_and_select_all(team):
    question = create(
        team,
        survey_type=T.MULTIPLE_CHOICE_MULTIPLE_ANSWER,
        options=opts("English", "Spanish", "French", preferred=[0, 1]),
        select_all_for_full_score=True,
    )
    assert question.select_all_for_full_score is True
    assert [p for _o, _t, _w, p in stored(question)] == [True, True, False]


def test_it_needs_a_preferred_option_for_multiple_answers(team):
    errors = errors_of(
        create, team, survey_type=T.MULTIPLE_CHOICE_MULTIPLE_ANSWER, options=opts("A", "B")
    )
    assert "Mark at least one preferred option" in errors["options"]


def test_it_needs_two_options_for_multiple_answers(team):
    errors = errors_of(
        create,
        team,
        survey_type=T.MULTIPLE_CHOICE_MULTIPLE_ANSWER,
        options=opts("A", preferred=[0]),
    )
    assert "at least two options" in errors["options"]


def test_it_refuses_select_all_on_other_types(team):
    errors = errors_of(create, team, select_all_for_full_score=True)
    assert "Only questions with several answers" in errors["select_all_for_full_score"]


# --- Service: update, archive, duplicate -----------------------------------------------------


def update(question, **kwargs):
    fields = {
        "question": question,
        "title": question.title,
        "question_text": question.question_text,
        "survey_type": question.survey_type,
    }
    fields.update(kwargs)
    return survey_question_update(**fields)


def test_it_keeps_option_ids_and_dense_ordinals_when_reordering_removing_adding(team):
    question = create(team, options=opts("A", "B", "C", "D"))
    a, b, c, d = SurveyOption.objects.filter(question=question).order_by("ordinal")
    update(
        question,
        options=[
            OptionInput(id=c.pk, text="C"),
            OptionInput(id=str(a.pk), text="A, renamed", is_preferred=True),
            OptionInput(text="E"),
        ],
    )
    assert stored(question) == [
        (1, "C", None, False),
        (2, "A, renamed", None, True),
        (3, "E", None, False),
    ]
    assert set(SurveyOption.objects.values_list("pk", flat=True)) >= {a.pk, c.pk}
    assert not SurveyOption.objects.filter(pk__in=[b.pk, d.pk]).exists()


def test_it_changes_type_and_drops_options_when_no_one_answered(team):
    question = create(team, options=opts("A", "B"))
    update(question, survey_type=T.FREE_TEXT, options=[], max_character_length=300)
    question.refresh_from_db()
    assert (question.survey_type, question.max_character_length) == (T.FREE_TEXT, 300)
    assert stored(question) == []


def test_it_saves_nothing_when_an_update_breaks_a_rule(team):
    question = create(team, title="Before", options=opts("A", "B"))
    before = stored(question)
    errors = errors_of(update, question, title="After", options=opts("A", "a"))
    assert "options.1.text" in errors
    question.refresh_from_db()
    assert question.title == "Before"
    assert stored(question) == before


def _answered(question, option):
    item = use_in_interview(question)
    answer = AnswerFactory(
        candidate_interview=CandidateInterviewFactory(interview=item.interview),
        interview_question=item,
    )
    answer.selected_options.add(option)


def test_it_keeps_options_that_candidates_chose(team):
    question = create(team, options=opts("Chosen", "Other", "Third"))
    chosen, other, _third = SurveyOption.objects.filter(question=question).order_by("ordinal")
    _answered(question, chosen)
    errors = errors_of(update, question, options=[OptionInput(id=other.pk, text="Other")])
    assert "“Chosen” was chosen in candidates' answers" in errors["options"]
    # Removing an option nobody chose is fine.
    update(
        question,
        options=[OptionInput(id=chosen.pk, text="Chosen"), OptionInput(id=other.pk, text="O")],
    )
    assert [t for _o, t, _w, _p in stored(question)] == ["Chosen", "O"]


def test_it_keeps_the_type_once_candidates_answered(team):
    question = create(team, options=opts("A", "B"))
    _answered(question, question.options.first())
    errors = errors_of(update, question, survey_type=T.FREE_TEXT, options=[])
    assert "type can't change" in errors["survey_type"]


def test_it_archives_and_unarchives_keeping_the_first_archive_time(team):
    question = create(team)
    question_archive(question=question)
    first = question.archived_at
    assert first is not None
    question_archive(question=question)
    question.refresh_from_db()
    assert question.archived_at == first
    question_unarchive(question=question)
    question.refresh_from_db()
    assert question.archived_at is None


def test_it_duplicates_into_the_same_team_with_options(team, recruiter, owner):
    question = create(
        team,
        by=owner,
        title="Help-desk experience",
        survey_type=T.MULTIPLE_CHOICE_WEIGHTED,
        options=opts("None", "Lots", weights=[0, 3]),
    )
    use_in_interview(question)
    question_archive(question=question)
    copy = survey_question_duplicate(question=question, by=recruiter)
    assert copy.pk != question.pk
    assert (copy.team, copy.title, copy.created_by) == (
        team,
        "Help-desk experience (copy)",
        recruiter,
    )
    assert (copy.survey_type, copy.question_text) == (question.survey_type, question.question_text)
    assert copy.archived_at is None
    assert stored(copy) == stored(question)
    assert not copy.usages.exists()
    assert SurveyOption.objects.filter(question=question).count() == 2


def test_it_keeps_a_duplicates_title_within_the_limit(team):
    copy = survey_question_duplicate(question=create(team, title="x" * 200), by=None)
    assert len(copy.title) == 200
    assert copy.title.endswith(" (copy)")


# --- Pages -----------------------------------------------------------------------------------


def form_data(*, options=(), action="save", **fields):
    data = {
        "title": "Weekend shifts",
        "question_text": "Can you work one weekend a month?",
        "description": "",
        "survey_type": T.MULTIPLE_CHOICE,
        "language": "en",
        "action": action,
        "options-TOTAL_FORMS": str(len(options)),
        "options-INITIAL_FORMS": str(len(options)),
    }
    data.update(fields)
    for i, option in enumerate(options):
        for key, value in option.items():
            if value is True:
                data[f"options-{i}-{key}"] = "on"
            elif value not in (False, None):
                data[f"options-{i}-{key}"] = str(value)
    return data


@pytest.fixture
def question(team):
    question = SurveyQuestionFactory(
        team=team, title="An angry customer", survey_type=T.MULTIPLE_CHOICE, preferred_option=""
    )
    for n, text in enumerate(["Listen", "Refund", "Escalate"], start=1):
        SurveyOptionFactory(question=question, text=text, ordinal=n)
    return question


def test_it_lists_the_teams_questions(login, recruiter, question, other_team):
    SurveyQuestionFactory(team=other_team, title="Not ours")
    response = login(recruiter).get(reverse("interviews:survey_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "An angry customer" in html
    assert "Not ours" not in html
    assert reverse("interviews:survey_edit", args=[question.pk]) in html


def test_it_shows_what_to_do_when_the_bank_is_empty(login, recruiter, hiring_manager):
    html = login(recruiter).get(reverse("interviews:survey_list")).content.decode()
    assert "No survey questions yet" in html
    assert reverse("interviews:survey_create") in html
    html = login(hiring_manager).get(reverse("interviews:survey_list")).content.decode()
    assert "Recruiters in this team write them" in html
    assert reverse("interviews:survey_create") not in html


@pytest.mark.parametrize("name", ["survey_list", "survey_create"])
def test_it_needs_login(client, name):
    response = client.get(reverse(f"interviews:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_needs_login_for_a_question(client, question):
    response = client.get(reverse("interviews:survey_edit", args=[question.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("name", ["survey_edit", "survey_archive", "survey_duplicate"])
def test_it_hides_another_teams_question(login, outsider, question, name):
    client = login(outsider)
    method = client.get if name == "survey_edit" else client.post
    assert method(reverse(f"interviews:{name}", args=[question.pk])).status_code == 404


def test_it_answers_404_for_a_malformed_id(login, recruiter):
    assert login(recruiter).get("/questions/survey/not-a-uuid/").status_code == 404


def test_it_shows_a_question_read_only_to_hiring_managers(
    login, hiring_manager, question, shared_with
):
    shared_with(question)
    response = login(hiring_manager).get(reverse("interviews:survey_edit", args=[question.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<fieldset disabled>" in html
    assert "Save question" not in html
    assert "Move option 1 down" not in html
    assert reverse("interviews:survey_archive", args=[question.pk]) not in html
    assert 'value="Refund"' in html


def test_it_forbids_hiring_managers_every_write(login, hiring_manager, question, team, shared_with):
    shared_with(question)
    client = login(hiring_manager)
    data = form_data(options=[{"text": "A"}, {"text": "B"}], title="Changed")
    assert (
        client.post(reverse("interviews:survey_edit", args=[question.pk]), data).status_code == 403
    )
    assert client.post(reverse("interviews:survey_create"), data).status_code == 403
    assert client.get(reverse("interviews:survey_create")).status_code == 403
    for name in ["survey_archive", "survey_unarchive", "survey_duplicate"]:
        url = reverse(f"interviews:{name}", args=[question.pk])
        assert client.post(url, {"confirm": "yes"}).status_code == 403
    question.refresh_from_db()
    assert (question.title, question.archived_at) == ("An angry customer", None)
    assert SurveyQuestion.objects.count() == 1


def test_it_answers_htmx_with_the_table_fragment(login, recruiter, question):
    response = login(recruiter).get(
        reverse("interviews:survey_list"), {"sort": "title"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="table-region"')
    assert "<nav" not in html.split("</table>")[0]
    assert "An angry customer" in html
    assert response["Vary"].count("HX-Request") == 1


@pytest.fixture
def bank(team):
    """35 questions of every type, each with options and used by two interviews."""
    interviews = [InterviewFactory(team=team) for _ in range(2)]
    types = list(T)
    for n in range(35):
        question = SurveyQuestionFactory(
            team=team,
            title=f"Question {n:02d}",
            survey_type=types[n % len(types)],
            preferred_option="",
            language="de" if n % 5 == 0 else "en",
        )
        for ordinal in (1, 2):
            SurveyOptionFactory(question=question, text=f"Option {ordinal}", ordinal=ordinal)
        for interview in interviews:
            use_in_interview(question, interview, ordinal=n + 1)
    return interviews


@pytest.mark.parametrize("htmx", [False, True])
def test_it_lists_many_questions_in_few_queries(
    login, recruiter, bank, django_assert_max_num_queries, htmx
):
    client = login(recruiter)
    headers = {"HX-Request": "true"} if htmx else {}
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("interviews:survey_list"), {"sort": "-usage_count"}, headers=headers
        )
    assert response.status_code == 200
    assert "2 interviews" in response.content.decode()


def _titles(response):
    return [row.record.title for row in response.context["table"].paginated_rows]


def test_it_searches_and_filters(login, recruiter, team):
    SurveyQuestionFactory(team=team, title="Weekend shifts", question_text="Saturdays?")
    SurveyQuestionFactory(
        team=team,
        title="Languages",
        question_text="Do you speak German?",
        survey_type=T.FREE_TEXT,
        preferred_option="",
        language="de",
    )
    SurveyQuestionFactory(team=team, title="Old one", archived_at="2025-01-01T00:00:00Z")
    client = login(recruiter)
    url = reverse("interviews:survey_list")
    assert sorted(_titles(client.get(url))) == ["Languages", "Weekend shifts"]
    assert _titles(client.get(url, {"q": "german"})) == ["Languages"]
    assert _titles(client.get(url, {"q": "SATURDAY"})) == ["Weekend shifts"]
    assert _titles(client.get(url, {"type": T.FREE_TEXT})) == ["Languages"]
    assert _titles(client.get(url, {"language": "de"})) == ["Languages"]
    assert _titles(client.get(url, {"archived": "only"})) == ["Old one"]
    assert len(_titles(client.get(url, {"archived": "all"}))) == 3
    assert _titles(client.get(url, {"sort": "title"})) == ["Languages", "Weekend shifts"]


def test_it_pages_the_table(login, recruiter, bank):
    client = login(recruiter)
    first = client.get(reverse("interviews:survey_list"), {"sort": "title"})
    second = client.get(reverse("interviews:survey_list"), {"sort": "title", "page": 2})
    assert len(_titles(first)) == 25
    assert _titles(second)[0] == "Question 25"
    assert 'rel="next"' in first.content.decode()


def test_it_creates_a_question_and_returns_to_the_bank(login, recruiter, team):
    data = form_data(
        survey_type=T.MULTIPLE_CHOICE_WEIGHTED,
        options=[{"text": "None", "weight": "0"}, {"text": "Lots", "weight": "3"}],
    )
    response = login(recruiter).post(reverse("interviews:survey_create"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("interviews:survey_list")
    question = SurveyQuestion.objects.get()
    assert (question.team, question.created_by) == (team, recruiter)
    assert stored(question) == [(1, "None", Decimal(0), False), (2, "Lots", Decimal(3), False)]


def test_it_redirects_htmx_saves_with_a_header(login, recruiter):
    data = form_data(options=[{"text": "A"}, {"text": "B"}])
    response = login(recruiter).post(
        reverse("interviews:survey_create"), data, headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == reverse("interviews:survey_list")
    assert SurveyQuestion.objects.count() == 1


def test_it_shows_a_services_errors_next_to_each_option(login, recruiter):
    data = form_data(options=[{"text": "Remote"}, {"text": "remote"}, {"text": ""}], title="")
    response = login(recruiter).post(reverse("interviews:survey_create"), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_title-error"' in html
    assert 'id="id_options-1-text-error"' in html
    assert "Option 2 repeats option 1" in html
    assert 'id="id_options-2-text-error"' in html
    assert 'id="id_options-0-text-error"' not in html
    assert not SurveyQuestion.objects.exists()


def test_it_shows_rules_about_all_options_above_them(login, recruiter):
    data = form_data(
        options=[{"text": "A", "is_preferred": True}, {"text": "B", "is_preferred": True}]
    )
    response = login(recruiter).post(
        reverse("interviews:survey_create"), data, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="question-form"')
    assert 'id="options-error"' in html
    assert "Mark at most one preferred option" in html


def test_it_switches_the_form_to_a_type_with_htmx(login, recruiter):
    data = form_data(
        action="refresh",
        survey_type=T.MULTIPLE_CHOICE_WEIGHTED,
        options=[{"text": "Kept", "is_preferred": True}],
    )
    response = login(recruiter).post(
        reverse("interviews:survey_create"), data, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="type-settings"')
    assert 'name="options-0-weight"' in html
    assert 'value="Kept"' in html
    # Two rows to start with: the kept one and a blank one.
    assert 'name="options-1-text"' in html
    assert 'type="checkbox" name="options-0-is_preferred"' not in html
    assert not SurveyQuestion.objects.exists()
    assert response["Vary"].count("HX-Request") == 1


@pytest.mark.parametrize(
    ("survey_type", "shows", "hides"),
    [
        (T.FREE_TEXT, 'name="max_character_length"', 'name="options-0-text" class'),
        (T.YES_NO, 'name="preferred_option"', "Add option"),
        (T.THUMBS_UP_DOWN, 'value="Thumbs up"', 'name="max_character_length"'),
        (T.MULTIPLE_CHOICE_MULTIPLE_ANSWER, 'name="select_all_for_full_score"', "weight"),
    ],
)
def test_it_shows_each_types_own_settings(login, recruiter, survey_type, shows, hides):
    data = form_data(action="refresh", survey_type=survey_type)
    response = login(recruiter).post(
        reverse("interviews:survey_create"), data, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert shows in html
    assert hides not in html


def test_it_switches_the_type_without_javascript(login, recruiter):
    data = form_data(action="refresh", survey_type=T.FREE_TEXT, title="Kept title")
    response = login(recruiter).post(reverse("interviews:survey_create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<nav" in html
    assert "Update form" in html
    assert 'value="Kept title"' in html
    assert 'name="max_character_length"' in html


def _row_texts(response):
    return [form["text"].value() for form in response.context["options"].forms]


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("add", ["A", "B", "C", ""]),
        ("remove:1", ["A", "C"]),
        ("up:2", ["A", "C", "B"]),
        ("down:0", ["B", "A", "C"]),
        ("up:0", ["A", "B", "C"]),
        ("down:2", ["A", "B", "C"]),
        ("remove:9", ["A", "B", "C"]),
    ],
)
def test_it_edits_options_inline_without_saving(login, recruiter, action, expected):
    data = form_data(action=action, options=[{"text": "A"}, {"text": "B"}, {"text": "C"}])
    response = login(recruiter).post(reverse("interviews:survey_create"), data)
    assert response.status_code == 200
    assert _row_texts(response) == expected
    assert not SurveyQuestion.objects.exists()


def test_it_keeps_weights_and_marks_when_moving_rows(login, recruiter):
    data = form_data(
        action="up:1",
        survey_type=T.MULTIPLE_CHOICE_WEIGHTED,
        options=[{"text": "A", "weight": "1"}, {"text": "B", "weight": "2.5"}],
    )
    response = login(recruiter).post(
        reverse("interviews:survey_create"), data, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.index('value="B"') < html.index('value="A"')
    assert 'name="options-0-weight" value="2.5"' in html
    # The moved row's button keeps the focus.
    assert 'id="options-0-down" class="btn btn-outline-secondary" autofocus' in html


def test_it_edits_a_question_keeping_its_options(login, recruiter, question):
    listen, refund, escalate = question.options.order_by("ordinal")
    data = form_data(
        title="An angry customer, again",
        options=[
            {"id": escalate.pk, "text": "Escalate"},
            {"id": listen.pk, "text": "Listen first", "is_preferred": True},
        ],
    )
    response = login(recruiter).post(reverse("interviews:survey_edit", args=[question.pk]), data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.title == "An angry customer, again"
    assert list(question.options.order_by("ordinal").values_list("pk", "ordinal")) == [
        (escalate.pk, 1),
        (listen.pk, 2),
    ]
    assert not SurveyOption.objects.filter(pk=refund.pk).exists()


def test_it_lists_the_interviews_that_use_a_question(login, recruiter, question):
    item = use_in_interview(question, InterviewFactory(team=question.team, title="Support"))
    html = login(recruiter).get(reverse("interviews:survey_edit", args=[question.pk])).content
    assert f'href="/interviews/{item.interview_id}/"'.encode() in html
    assert b"Support" in html


def test_it_asks_before_archiving_a_question_in_use(login, recruiter, question):
    use_in_interview(question, InterviewFactory(team=question.team, title="Support screening"))
    client = login(recruiter)
    url = reverse("interviews:survey_archive", args=[question.pk])
    response = client.post(url)
    assert response.status_code == 200
    assert "Support screening" in response.content.decode()
    question.refresh_from_db()
    assert question.archived_at is None
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.archived_at is not None


def test_it_archives_an_unused_question_at_once_and_unarchives_it(login, recruiter, question):
    client = login(recruiter)
    response = client.post(reverse("interviews:survey_archive", args=[question.pk]))
    assert response["Location"] == reverse("interviews:survey_list")
    question.refresh_from_db()
    assert question.is_archived
    assert (
        "is archived"
        in client.get(reverse("interviews:survey_edit", args=[question.pk])).content.decode()
    )
    client.post(reverse("interviews:survey_unarchive", args=[question.pk]))
    question.refresh_from_db()
    assert not question.is_archived


def test_it_duplicates_from_the_page(login, recruiter, question):
    response = login(recruiter).post(reverse("interviews:survey_duplicate", args=[question.pk]))
    copy = SurveyQuestion.objects.exclude(pk=question.pk).get()
    assert response["Location"] == reverse("interviews:survey_edit", args=[copy.pk])
    assert copy.title == "An angry customer (copy)"
    assert list(copy.options.values_list("text", flat=True)) == ["Listen", "Refund", "Escalate"]
