"""The AI text question bank: the rubric rules in the service, and the pages."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from interviews.models import AITextQuestion, InterviewQuestion, RubricCriterion
from interviews.services.ai_text import (
    CriterionInput,
    ai_text_question_create,
    ai_text_question_duplicate,
    ai_text_question_update,
)
from interviews.services.questions import question_archive, question_unarchive
from tests.factories import (
    AITextQuestionFactory,
    CriterionScoreFactory,
    InterviewFactory,
    RubricCriterionFactory,
)

pytestmark = pytest.mark.django_db


def crit(name, weight=1, strong="Names concrete trade-offs.", ideal="", id=None):
    return CriterionInput(name=name, strong_answer=strong, weight=weight, ideal_answer=ideal, id=id)


def create(team, **kwargs):
    fields = {
        "team": team,
        "by": None,
        "title": "REST or GraphQL",
        "question_text": "Explain the difference between REST and GraphQL.",
        "criteria": [crit("Accuracy", 3), crit("Clarity")],
    }
    fields.update(kwargs)
    return ai_text_question_create(**fields)


def update(question, **kwargs):
    fields = {
        "question": question,
        "title": question.title,
        "question_text": question.question_text,
        "criteria": [crit("Accuracy")],
    }
    fields.update(kwargs)
    return ai_text_question_update(**fields)


def errors_of(call, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    return {
        key: " ".join(e.messages[0] for e in errs) for key, errs in info.value.error_dict.items()
    }


def rubric(question):
    return list(
        RubricCriterion.objects.filter(question=question)
        .order_by("ordinal")
        .values_list("ordinal", "name", "weight", "ideal_answer")
    )


def use_in_interview(question, interview=None, ordinal=1):
    interview = interview or InterviewFactory(team=question.team)
    return InterviewQuestion.objects.create(
        interview=interview,
        kind=InterviewQuestion.Kind.AI_TEXT,
        ai_text_question=question,
        ordinal=ordinal,
    )


# --- Service ---------------------------------------------------------------------------------


def test_it_creates_a_question_with_its_rubric_in_order(team, recruiter):
    question = create(
        team,
        by=recruiter,
        max_answer_length=2000,
        language="de",
        criteria=[crit(" Accuracy ", 10, ideal="Over-fetching."), crit("Clarity", 1)],
    )
    assert (question.max_answer_length, question.language, question.created_by) == (
        2000,
        "de",
        recruiter,
    )
    assert rubric(question) == [(1, "Accuracy", 10, "Over-fetching."), (2, "Clarity", 1, "")]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "Enter a title"),
        ("question_text", "  ", "Enter the question text"),
        ("question_text", "x" * 10_001, "10,000 characters or fewer"),
        ("max_answer_length", 0, "between 1 and 50,000"),
        ("max_answer_length", 50_001, "between 1 and 50,000"),
        ("max_answer_length", None, "between 1 and 50,000"),
        ("language", "klingon", "Choose a language"),
    ],
)
def test_it_refuses_bad_fields_naming_them(team, field, value, message):
    errors = errors_of(create, team, **{field: value})
    assert message in errors[field]
    assert not AITextQuestion.objects.exists()


@pytest.mark.parametrize("length", [1, 50_000])
def test_it_accepts_the_answer_length_limits(team, length):
    assert create(team, max_answer_length=length).max_answer_length == length


def test_it_needs_at_least_one_criterion(team):
    errors = errors_of(create, team, criteria=[])
    assert "Add at least one rubric criterion" in errors["criteria"]
    assert not AITextQuestion.objects.exists()


def test_it_allows_at_most_twenty_criteria(team):
    errors = errors_of(create, team, criteria=[crit(f"C{n}") for n in range(21)])
    assert "at most 20 criteria" in errors["criteria"]


@pytest.mark.parametrize("weight", [0, 11, -1])
def test_it_needs_a_weight_from_one_to_ten(team, weight):
    errors = errors_of(create, team, criteria=[crit("Accuracy"), crit("Depth", weight)])
    assert (
        errors["criteria.1.weight"] == "Criterion 2's weight must be a whole number from 1 to 10."
    )


@pytest.mark.parametrize("weight", [1, 10])
def test_it_accepts_the_weight_limits(team, weight):
    assert rubric(create(team, criteria=[crit("A", weight)]))[0][2] == weight


def test_it_needs_a_name_and_a_strong_answer_on_each_criterion(team):
    errors = errors_of(create, team, criteria=[crit(""), crit("Depth", strong=" ")])
    assert errors["criteria.0.name"] == "Criterion 1 needs a name."
    assert "what a strong answer shows" in errors["criteria.1.strong_answer"]


def test_it_refuses_duplicate_names_ignoring_case(team):
    errors = errors_of(create, team, criteria=[crit("Accuracy"), crit("ACCURACY ")])
    assert "Criterion 2 repeats the name of criterion 1" in errors["criteria.1.name"]
    assert "unique within a rubric" in errors["criteria.1.name"]


def test_it_refuses_too_long_criterion_fields(team):
    errors = errors_of(create, team, criteria=[crit("x" * 121, ideal="y" * 5001)])
    assert "120 characters or fewer" in errors["criteria.0.name"]
    assert "5,000 characters or fewer" in errors["criteria.0.ideal_answer"]


def test_it_updates_the_rubric_keeping_ids_and_dense_ordinals(team):
    question = create(team, criteria=[crit("A"), crit("B"), crit("C")])
    a, b, c = RubricCriterion.objects.filter(question=question).order_by("ordinal")
    score = CriterionScoreFactory(criterion=b, criterion_name="B")
    update(
        question,
        title="New title",
        criteria=[crit("C2", 4, id=c.pk), crit("New"), crit("A", id=a.pk)],
    )
    question.refresh_from_db()
    assert question.title == "New title"
    assert rubric(question) == [(1, "C2", 4, ""), (2, "New", 1, ""), (3, "A", 1, "")]
    assert RubricCriterion.objects.get(name="C2").pk == c.pk
    # A removed criterion's past scores keep its name.
    score.refresh_from_db()
    assert (score.criterion, score.criterion_name) == (None, "B")


def test_it_saves_nothing_when_an_update_breaks_a_rule(team):
    question = create(team, title="Before")
    before = rubric(question)
    errors = errors_of(update, question, title="After", criteria=[crit("A"), crit("a")])
    assert "criteria.1.name" in errors
    question.refresh_from_db()
    assert question.title == "Before"
    assert rubric(question) == before


def test_it_refuses_a_criterion_of_another_question(team):
    other = RubricCriterionFactory(question__team=team)
    question = create(team)
    errors = errors_of(update, question, criteria=[crit("X", id=other.pk)])
    assert errors["criteria.0.id"] == "Criterion 1 is not a criterion of this question."


def test_it_archives_unarchives_and_duplicates(team, recruiter):
    question = create(team, criteria=[crit("Accuracy", 3, ideal="Ideal"), crit("Clarity")])
    use_in_interview(question)
    question_archive(question=question)
    assert question.is_archived
    copy = ai_text_question_duplicate(question=question, by=recruiter)
    assert (copy.team, copy.title, copy.archived_at) == (team, "REST or GraphQL (copy)", None)
    assert copy.max_answer_length == question.max_answer_length
    assert rubric(copy) == rubric(question)
    assert not copy.usages.exists()
    question_unarchive(question=question)
    question.refresh_from_db()
    assert not question.is_archived


# --- Pages -----------------------------------------------------------------------------------


def form_data(*, criteria=(), action="save", **fields):
    data = {
        "title": "Technical assessment",
        "question_text": "Explain REST and GraphQL.",
        "description": "",
        "max_answer_length": "3000",
        "language": "en",
        "action": action,
        "criteria-TOTAL_FORMS": str(len(criteria)),
        "criteria-INITIAL_FORMS": str(len(criteria)),
    }
    data.update(fields)
    for i, row in enumerate(criteria):
        for key, value in row.items():
            data[f"criteria-{i}-{key}"] = str(value)
    return data


def row(name, weight=1, strong="Concrete trade-offs.", **extra):
    return {"name": name, "weight": weight, "strong_answer": strong, **extra}


@pytest.fixture
def question(team):
    question = AITextQuestionFactory(team=team, title="Caching strategy")
    for n, name in enumerate(["Accuracy", "Depth", "Clarity"], start=1):
        RubricCriterionFactory(question=question, name=name, ordinal=n)
    return question


def test_it_lists_the_teams_questions(login, recruiter, question, other_team):
    AITextQuestionFactory(team=other_team, title="Not ours")
    html = login(recruiter).get(reverse("interviews:ai_text_list")).content.decode()
    assert "Caching strategy" in html
    assert "Not ours" not in html


def test_it_shows_what_to_do_when_the_bank_is_empty(login, recruiter):
    html = login(recruiter).get(reverse("interviews:ai_text_list")).content.decode()
    assert "No AI text questions yet" in html
    assert reverse("interviews:ai_text_create") in html


@pytest.mark.parametrize("name", ["ai_text_list", "ai_text_create"])
def test_it_needs_login(client, name):
    response = client.get(reverse(f"interviews:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["ai_text_edit", "ai_text_archive", "ai_text_duplicate"])
def test_it_hides_another_teams_question(login, outsider, question, name):
    client = login(outsider)
    method = client.get if name == "ai_text_edit" else client.post
    assert method(reverse(f"interviews:{name}", args=[question.pk])).status_code == 404


def test_it_shows_a_question_read_only_to_hiring_managers(
    login, hiring_manager, question, shared_with
):
    shared_with(question)
    response = login(hiring_manager).get(reverse("interviews:ai_text_edit", args=[question.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<fieldset disabled>" in html
    assert "Save question" not in html
    assert "Add criterion" not in html
    assert 'value="Depth"' in html


def test_it_forbids_hiring_managers_every_write(login, hiring_manager, question, shared_with):
    shared_with(question)
    client = login(hiring_manager)
    data = form_data(criteria=[row("Accuracy")], title="Changed")
    assert (
        client.post(reverse("interviews:ai_text_edit", args=[question.pk]), data).status_code == 403
    )
    assert client.post(reverse("interviews:ai_text_create"), data).status_code == 403
    assert client.get(reverse("interviews:ai_text_create")).status_code == 403
    for name in ["ai_text_archive", "ai_text_unarchive", "ai_text_duplicate"]:
        url = reverse(f"interviews:{name}", args=[question.pk])
        assert client.post(url, {"confirm": "yes"}).status_code == 403
    question.refresh_from_db()
    assert (question.title, question.archived_at) == ("Caching strategy", None)
    assert AITextQuestion.objects.count() == 1


def test_it_answers_htmx_with_the_table_fragment(login, recruiter, question):
    response = login(recruiter).get(
        reverse("interviews:ai_text_list"), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="table-region"')
    assert "Caching strategy" in html
    assert response["Vary"].count("HX-Request") == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_it_lists_many_questions_in_few_queries(
    login, recruiter, team, django_assert_max_num_queries, htmx
):
    interviews = [InterviewFactory(team=team) for _ in range(2)]
    for n in range(32):
        question = AITextQuestionFactory(team=team, title=f"Question {n:02d}")
        for ordinal in (1, 2, 3):
            RubricCriterionFactory(question=question, name=f"C{ordinal}", ordinal=ordinal)
        for interview in interviews:
            use_in_interview(question, interview, ordinal=n + 1)
    client = login(recruiter)
    headers = {"HX-Request": "true"} if htmx else {}
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("interviews:ai_text_list"), {"sort": "criterion_count"}, headers=headers
        )
    assert response.status_code == 200
    assert len(response.context["table"].paginated_rows) == 25
    assert "2 interviews" in response.content.decode()


def _titles(response):
    return [r.record.title for r in response.context["table"].paginated_rows]


def test_it_searches_and_filters(login, recruiter, team):
    AITextQuestionFactory(team=team, title="Caching", question_text="When would you use Redis?")
    AITextQuestionFactory(team=team, title="Teamwork", question_text="Conflict?", language="fr")
    AITextQuestionFactory(team=team, title="Retired", archived_at="2025-01-01T00:00:00Z")
    client = login(recruiter)
    url = reverse("interviews:ai_text_list")
    assert sorted(_titles(client.get(url))) == ["Caching", "Teamwork"]
    assert _titles(client.get(url, {"q": "redis"})) == ["Caching"]
    assert _titles(client.get(url, {"language": "fr"})) == ["Teamwork"]
    assert _titles(client.get(url, {"archived": "only"})) == ["Retired"]
    assert _titles(client.get(url, {"sort": "-title"})) == ["Teamwork", "Caching"]


def test_it_creates_a_question_and_returns_to_the_bank(login, recruiter, team):
    data = form_data(criteria=[row("Accuracy", 5, ideal_answer="Over-fetching"), row("Clarity")])
    response = login(recruiter).post(reverse("interviews:ai_text_create"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("interviews:ai_text_list")
    question = AITextQuestion.objects.get()
    assert (question.team, question.max_answer_length) == (team, 3000)
    assert rubric(question) == [(1, "Accuracy", 5, "Over-fetching"), (2, "Clarity", 1, "")]


def test_it_shows_rubric_errors_next_to_each_criterion(login, recruiter):
    data = form_data(criteria=[row("Accuracy"), row("accuracy", weight=12), row("", strong="")])
    response = login(recruiter).post(reverse("interviews:ai_text_create"), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_criteria-1-name-error"' in html
    assert 'id="id_criteria-1-weight-error"' in html
    assert 'id="id_criteria-2-name-error"' in html
    assert 'id="id_criteria-2-strong_answer-error"' in html
    assert 'id="id_criteria-0-name-error"' not in html
    assert not AITextQuestion.objects.exists()


def test_it_asks_for_a_criterion_above_the_rubric(login, recruiter):
    response = login(recruiter).post(
        reverse("interviews:ai_text_create"), form_data(), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="question-form"')
    assert 'id="criteria-error"' in html
    assert "Add at least one rubric criterion" in html


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("add", ["A", "B", ""]),
        ("remove:0", ["B"]),
        ("up:1", ["B", "A"]),
        ("down:0", ["B", "A"]),
    ],
)
def test_it_edits_the_rubric_inline_with_htmx(login, recruiter, action, expected):
    data = form_data(action=action, criteria=[row("A", 2), row("B", 3)])
    response = login(recruiter).post(
        reverse("interviews:ai_text_create"), data, headers={"HX-Request": "true"}
    )
    assert response.content.decode().lstrip().startswith('<div id="rubric"')
    assert [f["name"].value() for f in response.context["criteria"].forms] == expected
    assert not AITextQuestion.objects.exists()


def test_it_edits_the_rubric_without_javascript(login, recruiter):
    data = form_data(action="add", criteria=[row("A")])
    response = login(recruiter).post(reverse("interviews:ai_text_create"), data)
    html = response.content.decode()
    assert "<nav" in html
    assert 'name="criteria-1-name"' in html
    assert 'name="criteria-1-weight" value="1"' in html
    # The new row's name field takes the focus.
    assert '<input type="text" name="criteria-1-name" maxlength="120" autofocus' in html


def test_it_edits_a_question_keeping_its_criteria(login, recruiter, question):
    accuracy, _depth, clarity = question.criteria.order_by("ordinal")
    data = form_data(
        criteria=[row("Clarity", 2, id=clarity.pk), row("Accuracy", 9, id=accuracy.pk)]
    )
    response = login(recruiter).post(reverse("interviews:ai_text_edit", args=[question.pk]), data)
    assert response.status_code == 302
    assert list(question.criteria.order_by("ordinal").values_list("pk", "weight")) == [
        (clarity.pk, 2),
        (accuracy.pk, 9),
    ]


def test_it_asks_before_archiving_a_question_in_use(login, recruiter, question):
    item = use_in_interview(question, InterviewFactory(team=question.team, title="Backend hire"))
    client = login(recruiter)
    html = client.get(reverse("interviews:ai_text_edit", args=[question.pk])).content.decode()
    assert f'href="/interviews/{item.interview_id}/"' in html
    url = reverse("interviews:ai_text_archive", args=[question.pk])
    assert "Backend hire" in client.post(url).content.decode()
    question.refresh_from_db()
    assert not question.is_archived
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    question.refresh_from_db()
    assert question.is_archived


def test_it_duplicates_and_unarchives_from_the_page(login, recruiter, question):
    client = login(recruiter)
    response = client.post(reverse("interviews:ai_text_duplicate", args=[question.pk]))
    copy = AITextQuestion.objects.exclude(pk=question.pk).get()
    assert response["Location"] == reverse("interviews:ai_text_edit", args=[copy.pk])
    assert list(copy.criteria.values_list("name", flat=True)) == ["Accuracy", "Depth", "Clarity"]
    question_archive(question=question)
    client.post(reverse("interviews:ai_text_unarchive", args=[question.pk]))
    question.refresh_from_db()
    assert not question.is_archived
