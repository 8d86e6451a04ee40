"""Interview services: settings, keywords, bulk status, versioned question lists, copy."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Role
from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    InterviewQuestion,
    ScorecardTemplate,
    SurveyQuestion,
)
from interviews.services.copy import interview_copy
from interviews.services.interviews import (
    StaleQuestionList,
    interview_bulk_set_status,
    interview_create,
    interview_question_add,
    interview_question_move,
    interview_question_update,
    interview_questions_set_order,
    interview_set_keywords,
    interview_update,
    interview_update_keywords,
)
from interviews.services.scorecards import (
    scorecard_template_create_default,
    scorecard_template_save,
)
from tests.factories import (
    AITextQuestionFactory,
    AudioQuestionFactory,
    InterviewFactory,
    MembershipFactory,
    NarratorFactory,
    RubricCriterionFactory,
    SurveyOptionFactory,
    SurveyQuestionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def _ordinals(interview):
    return list(interview.items.order_by("ordinal").values_list("ordinal", flat=True))


def _mixed(team):
    interview = InterviewFactory(team=team)
    audio = AudioQuestionFactory(team=team)
    survey = SurveyQuestionFactory(team=team)
    ai = AITextQuestionFactory(team=team)
    RubricCriterionFactory(question=ai)
    for q in (audio, survey, ai):
        interview_question_add(interview=interview, question=q)
    InterviewQuestion.objects.filter(interview=interview, kind="survey").update(knockout=True)
    return interview, audio, survey, ai


# ------------------------------------------------------------------ settings and keywords


def test_it_creates_an_interview_with_settings_and_keywords(team, recruiter):
    interview = interview_create(
        team=team,
        by=recruiter,
        title="  Designer ",
        think_time_seconds=45,
        keywords=["Figma", "figma", " user research "],
    )
    assert interview.title == "Designer"
    assert interview.think_time_seconds == 45
    assert sorted(k.text for k in interview.keywords.all()) == ["Figma", "user research"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", " ", "Enter a title"),
        ("attempts_allowed", 21, "less than or equal to 20"),
        ("answer_time_seconds", 5, "greater than or equal to 10"),
        ("random_question_count", 0, "at least one question"),
        ("description_url", "not a url", "valid URL"),
    ],
)
def test_it_refuses_bad_settings_naming_the_field(team, field, value, message):
    interview = InterviewFactory(team=team, title="Kept")
    with pytest.raises(ValidationError) as exc:
        interview_update(interview=interview, **{field: value})
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])
    interview.refresh_from_db()
    assert interview.title == "Kept"


def test_it_refuses_another_teams_narrator(team, other_team):
    interview = InterviewFactory(team=team)
    with pytest.raises(ValidationError) as exc:
        interview_update(interview=interview, narrator=NarratorFactory(team=other_team))
    assert "narrator" in exc.value.message_dict


def test_it_sets_archived_at_with_the_archived_status_and_clears_it_after(team):
    interview = InterviewFactory(team=team)
    interview_update(interview=interview, status=Interview.Status.ARCHIVED)
    assert interview.archived_at is not None
    interview_update(interview=interview, status=Interview.Status.PAUSED)
    assert interview.archived_at is None


def test_it_adds_and_removes_keywords_like_the_seeds_patch(team):
    interview = InterviewFactory(team=team)
    interview_update_keywords(interview=interview, add=["php", "Python"])
    assert interview_update_keywords(
        interview=interview, add=["django", "python"], remove=["PHP"]
    ) == ["Python", "django"]
    assert interview_set_keywords(interview=interview, keywords=["go"]) == ["go"]
    assert [k.text for k in interview.keywords.all()] == ["go"]


# ------------------------------------------------------------------ bulk status


def test_it_bulk_updates_only_what_changes(team):
    a, b, c = InterviewFactory.create_batch(3, team=team)
    interview_update(interview=c, status=Interview.Status.CLOSED)
    changed = interview_bulk_set_status(
        team=team, ids=[a.pk, b.pk, c.pk], status=Interview.Status.CLOSED
    )
    assert changed == 2
    assert set(Interview.objects.values_list("status", flat=True)) == {2}


def test_it_bulk_archives_with_a_timestamp(team):
    a = InterviewFactory(team=team)
    interview_bulk_set_status(team=team, ids=[a.pk], status=Interview.Status.ARCHIVED)
    a.refresh_from_db()
    assert a.archived_at is not None


def test_it_refuses_a_bulk_update_that_names_another_teams_interview(team, other_team):
    mine, theirs = InterviewFactory(team=team), InterviewFactory(team=other_team)
    with pytest.raises(ValidationError) as exc:
        interview_bulk_set_status(team=team, ids=[mine.pk, theirs.pk], status=1)
    assert "ids" in exc.value.message_dict
    assert set(Interview.objects.values_list("status", flat=True)) == {0}


@pytest.mark.parametrize(("ids", "status"), [([], 1), (None, 7)])
def test_it_refuses_an_empty_or_unknown_bulk_update(team, ids, status):
    interview = InterviewFactory(team=team)
    with pytest.raises(ValidationError):
        interview_bulk_set_status(
            team=team, ids=ids if ids is not None else [interview.pk], status=status
        )


# ------------------------------------------------------------------ versioned question lists


def test_it_bumps_the_version_on_every_list_change(team):
    interview = InterviewFactory(team=team)
    item = interview_question_add(interview=interview, question=AudioQuestionFactory(team=team))
    interview_question_add(interview=interview, question=AudioQuestionFactory(team=team))
    interview.refresh_from_db()
    assert interview.questions_version == 2
    interview_question_move(item=item, position=2, expected_version=2)
    interview.refresh_from_db()
    assert interview.questions_version == 3


def test_it_refuses_a_reorder_based_on_a_stale_version(team):
    interview = InterviewFactory(team=team)
    a = interview_question_add(interview=interview, question=AudioQuestionFactory(team=team))
    b = interview_question_add(interview=interview, question=AudioQuestionFactory(team=team))
    seen = Interview.objects.get(pk=interview.pk).questions_version
    interview_question_move(item=a, position=2, expected_version=seen)
    with pytest.raises(StaleQuestionList):
        interview_questions_set_order(
            interview=interview, item_ids=[a.pk, b.pk], expected_version=seen
        )
    assert list(interview.items.order_by("ordinal").values_list("pk", flat=True)) == [b.pk, a.pk]


def test_it_refuses_archived_questions(team):
    interview = InterviewFactory(team=team)
    archived = AudioQuestionFactory(team=team, archived_at="2026-01-01T00:00Z")
    with pytest.raises(ValidationError, match="archived"):
        interview_question_add(interview=interview, question=archived)


def test_it_updates_per_question_settings(team):
    interview = InterviewFactory(team=team)
    audio = interview_question_add(interview=interview, question=AudioQuestionFactory(team=team))
    survey = interview_question_add(interview=interview, question=SurveyQuestionFactory(team=team))
    interview_question_update(item=audio, think_time_seconds=10, answer_time_seconds=300)
    interview_question_update(item=survey, knockout=True)
    audio.refresh_from_db()
    survey.refresh_from_db()
    assert (audio.think_time_seconds, audio.answer_time_seconds, survey.knockout) == (10, 300, True)
    interview_question_update(item=audio, think_time_seconds=None)
    audio.refresh_from_db()
    assert (audio.think_time_seconds, audio.answer_time_seconds) == (None, 300)
    with pytest.raises(ValidationError):
        interview_question_update(item=audio, knockout=True)
    with pytest.raises(ValidationError) as exc:
        interview_question_update(item=audio, answer_time_seconds=5)
    assert "answer_time_seconds" in exc.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_it_keeps_ordinals_dense_when_two_editors_add_at_once(team):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's row locks")
    interview = InterviewFactory(team=team)
    questions = AudioQuestionFactory.create_batch(8, team=team)
    errors = []

    def add(chunk):
        try:
            for q in chunk:
                interview_question_add(interview=Interview.objects.get(pk=interview.pk), question=q)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(questions[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _ordinals(interview) == list(range(1, 9))


# ------------------------------------------------------------------ copy


def test_it_copies_within_the_team_reusing_questions(team, recruiter):
    interview, audio, survey, ai = _mixed(team)
    interview_update_keywords(interview=interview, add=["sql"])
    scorecard_template_create_default(interview=interview)
    copy = interview_copy(interview=interview, to_team=team, by=recruiter)
    assert copy.title == f"{interview.title} (copy)"
    assert [i.question for i in copy.items.order_by("ordinal")] == [audio, survey, ai]
    assert copy.items.get(kind="survey").knockout
    assert AudioQuestion.objects.count() == 1
    assert not copy.keywords.exists()
    template = copy.scorecard_template
    assert template.criteria.count() == 4
    assert ScorecardTemplate.objects.count() == 2


def test_it_copies_to_another_team_with_new_questions(team, recruiter):
    target = TeamFactory(organization=team.organization, name="Sales")
    MembershipFactory(team=target, user=recruiter, role=Role.RECRUITER)
    interview, audio, survey, ai = _mixed(team)
    SurveyOptionFactory(question=survey, text="Yes please", is_preferred=True)
    interview.ai_style = "friendly"
    interview.save()
    interview_update_keywords(interview=interview, add=["sql", "dbt"])
    copy = interview_copy(interview=interview, to_team=target, by=recruiter, copy_keywords=True)
    assert copy.team == target
    assert copy.title == interview.title
    assert copy.ai_style == "friendly"
    questions = [i.question for i in copy.items.order_by("ordinal")]
    assert all(q.team == target for q in questions)
    assert {q.pk for q in questions}.isdisjoint({audio.pk, survey.pk, ai.pk})
    new_survey = questions[1]
    assert [(o.text, o.is_preferred) for o in new_survey.options.all()] == [("Yes please", True)]
    assert new_survey.preferred_option == survey.preferred_option
    assert questions[2].criteria.count() == ai.criteria.count() == 1
    assert sorted(k.text for k in copy.keywords.all()) == ["dbt", "sql"]
    assert copy.items.get(kind="survey").knockout
    assert SurveyQuestion.objects.count() == AITextQuestion.objects.count() == 2


def test_it_refuses_to_copy_outside_the_organization(team, other_team, recruiter):
    interview, *_ = _mixed(team)
    with pytest.raises(ValidationError) as exc:
        interview_copy(interview=interview, to_team=other_team, by=recruiter)
    assert "team" in exc.value.message_dict
    assert Interview.objects.count() == 1


# ------------------------------------------------------------------ scorecard templates


def test_it_creates_the_default_scorecard_anchored_one_to_five(team):
    interview = InterviewFactory(team=team)
    template = scorecard_template_create_default(interview=interview)
    criteria = list(template.criteria.order_by("ordinal"))
    assert [c.name for c in criteria][:2] == ["Communication", "Role knowledge"]
    assert all(sorted(c.anchors) == ["1", "2", "3", "4", "5"] for c in criteria)


def test_it_replaces_criteria_keeping_the_ones_whose_name_survives(team):
    interview = InterviewFactory(team=team)
    template = scorecard_template_create_default(interview=interview)
    kept = template.criteria.get(name="Communication")
    scorecard_template_save(
        interview=interview,
        name="Engineering",
        criteria=[{"name": "Depth", "weight": 3}, {"name": "communication", "weight": 2}],
    )
    rows = list(template.criteria.order_by("ordinal").values_list("pk", "name", "weight"))
    assert rows[1] == (kept.pk, "communication", 2)
    assert [r[1] for r in rows] == ["Depth", "communication"]


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ([], "at least one"),
        ([{"name": ""}], "enter a name"),
        ([{"name": "A"}, {"name": "a"}], "appears twice"),
        ([{"name": "A", "weight": 11}], "1 to 10"),
        ([{"name": "A", "anchors": {"6": "x"}}], "1 to 5 only"),
    ],
)
def test_it_refuses_bad_scorecards(team, criteria, message):
    interview = InterviewFactory(team=team)
    with pytest.raises(ValidationError, match=message):
        scorecard_template_save(interview=interview, name="X", criteria=criteria)
    assert not ScorecardTemplate.objects.exists()


def test_a_copied_spoken_question_without_audio_yet_makes_its_own(
    team, recruiter, django_capture_on_commit_callbacks
):
    """The original's text-to-speech was still running: the copy in the other team must not
    wait forever for audio nobody is making."""
    from interviews.models import AudioQuestion
    from tests.factories import AudioQuestionFactory

    target = TeamFactory(organization=team.organization, name="Sales")
    MembershipFactory(team=target, user=recruiter, role=Role.RECRUITER)
    interview = InterviewFactory(team=team)
    spoken = AudioQuestionFactory(
        team=team,
        audio_type=AudioQuestion.AudioType.TTS,
        transcription_status=AudioQuestion.TranscriptionStatus.PENDING,
    )
    interview_question_add(interview=interview, question=spoken)
    with django_capture_on_commit_callbacks(execute=True):
        copy = interview_copy(interview=interview, to_team=target, by=recruiter)
    copied = copy.items.get().audio_question
    copied.refresh_from_db()
    assert copied.pk != spoken.pk
    assert copied.transcription_status == AudioQuestion.TranscriptionStatus.COMPLETED
    assert copied.audio_file  # spoken by the (eager) text-to-speech task
