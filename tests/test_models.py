"""Invariants of the data model: dense ordinals, E.164 phones, invite life cycle, tenancy."""

import inspect
from datetime import UTC, datetime

import factory
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Team
from candidates.models import Answer, Candidate, CandidateInterview, InvalidTransition
from candidates.services.invites import candidate_interview_transition
from candidates.validators import normalize_e164
from interviews.models import Interview, InterviewQuestion
from interviews.services.interviews import (
    interview_question_add,
    interview_question_move,
    interview_question_remove,
    interview_questions_set_order,
)
from tests import factories
from tests.factories import (
    AITextQuestionFactory,
    AnswerFactory,
    AudioQuestionFactory,
    CandidateFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db

Status = CandidateInterview.Status


# --- Ordinals --------------------------------------------------------------------------------


@pytest.fixture
def interview(team: Team) -> Interview:
    return InterviewFactory.create(team=team)


def titles(interview: Interview) -> list[tuple[int, str]]:
    """(ordinal, question title) in ordinal order, read back from the database."""
    items = InterviewQuestion.objects.filter(interview=interview).select_related(
        "audio_question", "survey_question", "ai_text_question"
    )
    return [(item.ordinal, item.question.title) for item in items.order_by("ordinal")]


def add(interview: Interview, *names: str) -> list[InterviewQuestion]:
    return [
        interview_question_add(
            interview=interview, question=AudioQuestionFactory(team=interview.team, title=name)
        )
        for name in names
    ]


def test_it_numbers_questions_added_at_the_end_from_one(interview: Interview) -> None:
    add(interview, "A", "B")
    interview_question_add(
        interview=interview, question=SurveyQuestionFactory(team=interview.team, title="C")
    )
    interview_question_add(
        interview=interview, question=AITextQuestionFactory(team=interview.team, title="D")
    )
    assert titles(interview) == [(1, "A"), (2, "B"), (3, "C"), (4, "D")]


def test_it_shifts_later_questions_when_inserting_in_the_middle(interview: Interview) -> None:
    add(interview, "A", "B", "C")
    question = AudioQuestionFactory(team=interview.team, title="New")
    item = interview_question_add(interview=interview, question=question, position=2)
    assert item.ordinal == 2
    assert titles(interview) == [(1, "A"), (2, "New"), (3, "B"), (4, "C")]


def test_it_inserts_at_the_front(interview: Interview) -> None:
    add(interview, "A", "B")
    question = AudioQuestionFactory(team=interview.team, title="New")
    interview_question_add(interview=interview, question=question, position=1)
    assert titles(interview) == [(1, "New"), (2, "A"), (3, "B")]


@pytest.mark.parametrize("position", [0, 5])
def test_it_rejects_a_position_outside_the_list(interview: Interview, position: int) -> None:
    add(interview, "A", "B", "C")
    question = AudioQuestionFactory(team=interview.team)
    with pytest.raises(ValidationError, match="between 1 and 4"):
        interview_question_add(interview=interview, question=question, position=position)
    assert titles(interview) == [(1, "A"), (2, "B"), (3, "C")]


def test_it_keeps_ordinals_dense_after_a_move(interview: Interview) -> None:
    _, _, c, _ = add(interview, "A", "B", "C", "D")
    interview_question_move(item=c, position=1)
    assert titles(interview) == [(1, "C"), (2, "A"), (3, "B"), (4, "D")]
    interview_question_move(item=c, position=4)
    assert titles(interview) == [(1, "A"), (2, "B"), (3, "D"), (4, "C")]


def test_it_rejects_a_move_outside_the_list(interview: Interview) -> None:
    a, _ = add(interview, "A", "B")
    with pytest.raises(ValidationError, match="between 1 and 2"):
        interview_question_move(item=a, position=3)


def test_it_keeps_ordinals_dense_after_delete(interview: Interview) -> None:
    _, b, _, _ = add(interview, "A", "B", "C", "D")
    interview_question_remove(item=b)
    assert titles(interview) == [(1, "A"), (2, "C"), (3, "D")]
    first = InterviewQuestion.objects.get(interview=interview, ordinal=1)
    interview_question_remove(item=first)
    assert titles(interview) == [(1, "C"), (2, "D")]


def test_it_keeps_ordinals_dense_after_reorder(interview: Interview) -> None:
    a, b, c = add(interview, "A", "B", "C")
    interview_questions_set_order(interview=interview, item_ids=[str(c.pk), str(a.pk), str(b.pk)])
    assert titles(interview) == [(1, "C"), (2, "A"), (3, "B")]


def test_it_rejects_a_reorder_that_does_not_list_every_question_once(
    interview: Interview,
) -> None:
    a, b, _ = add(interview, "A", "B", "C")
    with pytest.raises(ValidationError, match="every question"):
        interview_questions_set_order(interview=interview, item_ids=[str(a.pk), str(b.pk)])
    with pytest.raises(ValidationError, match="every question"):
        interview_questions_set_order(
            interview=interview, item_ids=[str(a.pk), str(a.pk), str(b.pk)]
        )
    assert titles(interview) == [(1, "A"), (2, "B"), (3, "C")]


def test_it_keeps_other_interviews_ordinals_apart(team: Team, interview: Interview) -> None:
    other = InterviewFactory(team=team)
    shared = AudioQuestionFactory(team=team, title="Shared")
    add(interview, "A")
    interview_question_add(interview=other, question=shared)
    interview_question_add(interview=interview, question=shared, position=1)
    assert titles(interview) == [(1, "Shared"), (2, "A")]
    assert titles(other) == [(1, "Shared")]


def test_it_rejects_a_question_of_another_team(interview: Interview, other_team: Team) -> None:
    question = AudioQuestionFactory(team=other_team)
    with pytest.raises(ValidationError, match="another team"):
        interview_question_add(interview=interview, question=question)
    assert not interview.items.exists()


def test_it_rejects_the_same_question_twice(interview: Interview) -> None:
    question = SurveyQuestionFactory(team=interview.team, title="Authorised?")
    interview_question_add(interview=interview, question=question)
    with pytest.raises(ValidationError, match="already in this interview"):
        interview_question_add(interview=interview, question=question, position=1)
    assert titles(interview) == [(1, "Authorised?")]


@pytest.mark.parametrize("question_factory", [AudioQuestionFactory, AITextQuestionFactory])
def test_it_allows_knockout_only_on_survey_questions(
    interview: Interview, question_factory: type[factory.django.DjangoModelFactory]
) -> None:
    question = question_factory(team=interview.team)
    with pytest.raises(ValidationError) as excinfo:
        interview_question_add(interview=interview, question=question, knockout=True)
    assert "knockout" in excinfo.value.message_dict
    survey = SurveyQuestionFactory(team=interview.team)
    item = interview_question_add(interview=interview, question=survey, knockout=True)
    assert item.knockout


def test_the_database_rejects_a_duplicate_ordinal(interview: Interview) -> None:
    (item,) = add(interview, "A")
    with pytest.raises(IntegrityError), transaction.atomic():
        InterviewQuestion.objects.create(
            interview=interview,
            kind=InterviewQuestion.Kind.AUDIO,
            audio_question=AudioQuestionFactory(team=interview.team),
            ordinal=item.ordinal,
        )
    assert titles(interview) == [(1, "A")]


def test_the_database_rejects_a_kind_that_does_not_match_the_question(
    interview: Interview,
) -> None:
    audio = AudioQuestionFactory(team=interview.team)
    with pytest.raises(IntegrityError), transaction.atomic():
        InterviewQuestion.objects.create(
            interview=interview, kind=InterviewQuestion.Kind.SURVEY, audio_question=audio, ordinal=1
        )


def test_the_database_rejects_two_questions_on_one_item(interview: Interview) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        InterviewQuestion.objects.create(
            interview=interview,
            kind=InterviewQuestion.Kind.AUDIO,
            audio_question=AudioQuestionFactory(team=interview.team),
            survey_question=SurveyQuestionFactory(team=interview.team),
            ordinal=1,
        )


def test_the_database_rejects_knockout_on_an_audio_question(interview: Interview) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        InterviewQuestion.objects.create(
            interview=interview,
            kind=InterviewQuestion.Kind.AUDIO,
            audio_question=AudioQuestionFactory(team=interview.team),
            ordinal=1,
            knockout=True,
        )


# --- E.164 -----------------------------------------------------------------------------------


def test_it_accepts_an_e164_number() -> None:
    assert normalize_e164("+14155552671") == "+14155552671"


@pytest.mark.parametrize("raw", ["+1 415 555 2671", "+1 (415) 555-2671", " +14155552671 "])
def test_it_normalises_spaces_and_punctuation(raw: str) -> None:
    assert normalize_e164(raw) == "+14155552671"


def test_it_leaves_an_empty_number_empty() -> None:
    assert normalize_e164("  ") == ""


@pytest.mark.parametrize(
    ("raw", "code", "says"),
    [
        ("4155552671", "e164_prefix", "starting with + and the country code"),
        ("+1234", "e164_invalid", "not valid for its country code"),
        ("+abc", "e164_letters", "cannot contain letters"),
        ("call me", "e164_letters", "cannot contain letters"),
        # phonenumbers would read O as a keypad letter and store +442079466666.
        ("+44 20 7946 OOOO", "e164_letters", "cannot contain letters"),
    ],
)
def test_it_rejects_a_bad_number_saying_why(raw: str, code: str, says: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalize_e164(raw)
    assert excinfo.value.code == code
    assert says in excinfo.value.messages[0]


@pytest.mark.parametrize("phone", ["4155552671", "+1234", "+1 415 555 2671"])
def test_a_candidate_with_a_bad_phone_fails_validation_on_the_phone_field(
    team: Team, phone: str
) -> None:
    candidate = Candidate(team=team, first_name="Ada", email="ada@example.com", phone=phone)
    with pytest.raises(ValidationError) as excinfo:
        candidate.full_clean()
    assert set(excinfo.value.message_dict) == {"phone"}


def test_a_candidate_with_an_e164_phone_is_valid(team: Team) -> None:
    Candidate(
        team=team, first_name="Ada", email="ada@example.com", phone="+14155552671"
    ).full_clean()


# --- Invite status transitions ---------------------------------------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_it_moves_an_invite_from_invited_to_in_progress_to_completed(team: Team) -> None:
    invite = CandidateInterviewFactory(interview__team=team, started_at=None, completed_at=None)
    candidate_interview_transition(invite=invite, to=Status.IN_PROGRESS, at=T0)
    assert (invite.status, invite.started_at, invite.completed_at) == (Status.IN_PROGRESS, T0, None)
    candidate_interview_transition(invite=invite, to=Status.COMPLETED, at=T1)
    invite.refresh_from_db()
    assert (invite.status, invite.started_at, invite.completed_at) == (Status.COMPLETED, T0, T1)
    assert invite.is_final


@pytest.mark.parametrize("target", Status.values)
def test_a_completed_invite_is_final(team: Team, target: str) -> None:
    invite = CandidateInterviewFactory(
        interview__team=team, status=Status.COMPLETED, completed_at=T1
    )
    with pytest.raises(InvalidTransition, match="COMPLETED is final"):
        candidate_interview_transition(invite=invite, to=target)
    invite.refresh_from_db()
    assert (invite.status, invite.completed_at) == (Status.COMPLETED, T1)


def test_a_draft_cannot_jump_to_completed(team: Team) -> None:
    invite = CandidateInterviewFactory(interview__team=team, status=Status.DRAFT, invited_at=None)
    with pytest.raises(InvalidTransition, match="from DRAFT to COMPLETED") as excinfo:
        candidate_interview_transition(invite=invite, to=Status.COMPLETED)
    assert "allowed next: INVITED, CANCELLED" in str(excinfo.value)
    invite.refresh_from_db()
    assert (invite.status, invite.completed_at) == (Status.DRAFT, None)


def test_reinviting_an_expired_invite_stamps_a_new_invited_at(team: Team) -> None:
    invite = CandidateInterviewFactory(interview__team=team, status=Status.EXPIRED, invited_at=T0)
    candidate_interview_transition(invite=invite, to=Status.INVITED, at=T1)
    assert (invite.status, invite.invited_at) == (Status.INVITED, T1)


def test_the_database_rejects_completed_without_completed_at(team: Team) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidateInterviewFactory(interview__team=team, status=Status.COMPLETED, completed_at=None)
    invite = CandidateInterviewFactory(interview__team=team)
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidateInterview.objects.filter(pk=invite.pk).update(status=Status.COMPLETED)


# --- Candidate email ---------------------------------------------------------------------------


def test_a_candidate_email_is_unique_per_team_ignoring_case(team: Team) -> None:
    CandidateFactory(team=team, email="Ada.Lovelace@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidateFactory(team=team, email="ada.lovelace@EXAMPLE.com")
    assert Candidate.objects.for_team(team).count() == 1


def test_the_same_email_may_be_a_candidate_in_two_teams(team: Team, other_team: Team) -> None:
    CandidateFactory(team=team, email="ada@example.com")
    CandidateFactory(team=other_team, email="ada@example.com")
    assert Candidate.objects.filter(email="ada@example.com").count() == 2


def test_candidates_without_email_do_not_clash(team: Team) -> None:
    CandidateFactory(team=team, email="", phone="+14155552671")
    CandidateFactory(team=team, email="", phone="+14155552672")
    assert Candidate.objects.for_team(team).count() == 2


def test_a_candidate_needs_an_email_or_a_phone(team: Team) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidateFactory(team=team, email="", phone="")


# --- Tenancy -----------------------------------------------------------------------------------


def test_for_team_returns_only_that_teams_rows(team: Team, other_team: Team) -> None:
    mine = AnswerFactory(candidate_interview__interview__team=team)
    theirs = AnswerFactory(candidate_interview__interview__team=other_team)
    rows = {
        Interview: (mine.candidate_interview.interview, theirs.candidate_interview.interview),
        Candidate: (mine.candidate_interview.candidate, theirs.candidate_interview.candidate),
        CandidateInterview: (mine.candidate_interview, theirs.candidate_interview),
        Answer: (mine, theirs),
        InterviewQuestion: (mine.interview_question, theirs.interview_question),
    }
    for model, (own, other) in rows.items():
        assert list(model.objects.for_team(team)) == [own], model.__name__
        assert list(model.objects.for_team(other_team)) == [other], model.__name__


# --- Factories ---------------------------------------------------------------------------------

FACTORIES = [
    cls
    for _, cls in inspect.getmembers(factories, inspect.isclass)
    if issubclass(cls, factory.django.DjangoModelFactory) and cls.__module__ == factories.__name__
]


def test_every_model_has_a_factory() -> None:
    from django.apps import apps

    covered = {cls._meta.model for cls in FACTORIES}
    ours = {
        model
        for app in ("accounts", "interviews", "candidates", "integrations")
        for model in apps.get_app_config(app).get_models()
    }
    assert ours - covered == set()


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda cls: cls.__name__)
def test_every_factory_builds_and_saves(
    factory_class: type[factory.django.DjangoModelFactory],
) -> None:
    first, second = factory_class(), factory_class()
    for obj in (first, second):
        assert obj.pk is not None
        obj.refresh_from_db()
        # Every value the factory sets is valid; optional links it leaves empty are not checked.
        empty = [f.name for f in obj._meta.concrete_fields if getattr(obj, f.attname) is None]
        obj.full_clean(exclude=empty)
    assert first.pk != second.pk
