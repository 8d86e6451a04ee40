"""Interview analytics on a hand-made sample whose right answers are worked out below."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.analytics import (
    Bar,
    Chart,
    ai_score_distribution,
    drop_off,
    duration_text,
    funnel,
    human_score_distribution,
    interview_analytics,
    median_completion,
    team_funnel,
)
from candidates.models import CandidateInterview
from tests.factories import (
    AnswerFactory,
    CandidateInterviewFactory,
    EvaluationFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    RatingFactory,
    ScorecardFactory,
)

pytestmark = pytest.mark.django_db

Status = CandidateInterview.Status
NOW = timezone.now()


@pytest.fixture
def interview(team):
    return InterviewFactory(team=team, title="Support Engineer")


@pytest.fixture
def questions(interview):
    return [InterviewQuestionFactory(interview=interview) for _ in range(3)]


def make(interview, status, *, minutes=None, answered=(), decision="", ai=None, ratings=()):
    started = NOW - timedelta(days=2) if status not in (Status.INVITED, Status.DRAFT) else None
    row = CandidateInterviewFactory(
        interview=interview,
        status=status,
        invited_at=None if status == Status.DRAFT else NOW - timedelta(days=3),
        started_at=started,
        completed_at=started + timedelta(minutes=minutes) if started and minutes else None,
        decision=decision,
    )
    for question in answered:
        AnswerFactory(candidate_interview=row, interview_question=question)
    if ai is not None:
        EvaluationFactory(candidate_interview=row, overall_score=Decimal(ai))
    if ratings:
        card = ScorecardFactory(candidate_interview=row, submitted_at=NOW)
        for score in ratings:
            RatingFactory(scorecard=card, score=score)
    return row


@pytest.fixture
def sample(interview, questions):
    """Eight invited (a draft is not), seven started, four completed, two advanced.

    Completion times 10, 20, 40, 60 min → median 30 min. Answers: six answered Q1, five Q2,
    four Q3. AI scores 4.6, 3.2, 1.0, 2.5 → buckets 5, 3, 1, 3. Reviewer means 4.5, 3, 1.5 →
    buckets 5, 3, 2.
    """
    q1, q2, q3 = questions
    a = make(
        interview,
        Status.COMPLETED,
        minutes=10,
        answered=questions,
        decision="advance",
        ai="4.6",
        ratings=(4, 5),
    )
    make(interview, Status.COMPLETED, minutes=20, answered=questions, ai="3.2", ratings=(3,))
    make(interview, Status.COMPLETED, minutes=40, answered=questions, decision="reject", ai="1.0")
    make(
        interview,
        Status.COMPLETED,
        minutes=60,
        answered=questions,
        decision="advance",
        ai="2.5",
        ratings=(2, 1),
    )
    make(interview, Status.IN_PROGRESS, answered=[q1])
    f = make(interview, Status.IN_PROGRESS, answered=[q1, q2])
    make(interview, Status.INVITED)
    make(interview, Status.EXPIRED)
    make(interview, Status.DRAFT, decision="advance", ai="5.0")
    # Noise that must not count: a second attempt, an unsubmitted answer, a per-answer or an
    # outdated evaluation, an unsubmitted scorecard, another interview's invite.
    AnswerFactory(candidate_interview=f, interview_question=q1, attempt=2)
    AnswerFactory(candidate_interview=f, interview_question=q3, submitted_at=None)
    EvaluationFactory(candidate_interview=a, answer=a.answers.first(), overall_score=Decimal(1))
    EvaluationFactory(candidate_interview=a, overall_score=Decimal(1), is_current=False, version=2)
    RatingFactory(scorecard=ScorecardFactory(candidate_interview=a, submitted_at=None), score=1)
    make(
        InterviewFactory(team=interview.team),
        Status.COMPLETED,
        minutes=1,
        decision="advance",
        ai="5.0",
        ratings=(5,),
    )


def invites(interview):
    return CandidateInterview.objects.filter(interview=interview)


def test_it_counts_the_funnel(interview, sample):
    counts = funnel(invites(interview))
    assert (counts.invited, counts.started, counts.completed, counts.advanced) == (8, 7, 4, 2)
    bars = counts.chart().bars
    assert [b.note for b in bars] == [
        "100% of invited",
        "88% of invited",
        "50% of invited",
        "25% of invited",
    ]


def test_it_finds_the_median_completion_time(interview, sample):
    assert median_completion(invites(interview)) == timedelta(minutes=30)


def test_it_finds_the_middle_of_an_odd_number_of_durations(interview, questions):
    for minutes in (50, 5, 7):
        make(interview, Status.COMPLETED, minutes=minutes)
    assert median_completion(invites(interview)) == timedelta(minutes=7)


def test_it_has_no_median_without_completions(interview):
    make(interview, Status.IN_PROGRESS)
    assert median_completion(invites(interview)) is None
    assert duration_text(None) == "—"


def test_it_counts_where_candidates_stop(interview, questions, sample):
    steps = drop_off(interview, invites(interview))
    assert [(s.ordinal, s.answered, s.lost) for s in steps] == [(1, 6, 1), (2, 5, 1), (3, 4, 1)]


def test_it_spreads_the_ai_scores(interview, sample):
    assert ai_score_distribution(invites(interview)) == {1: 1, 2: 0, 3: 2, 4: 0, 5: 1}


def test_the_ai_chart_counts_the_figure_the_table_shows_from_answers(interview, questions):
    """No whole-interview report: the AI figure is the mean of the answers' evaluations (here
    2 and 4 -> 3), as on the table (candidates.scores), not left out of the chart."""
    from candidates.scores import candidate_scores

    row = make(interview, Status.COMPLETED, minutes=5, answered=questions)
    answers = list(row.answers.all())
    EvaluationFactory(candidate_interview=row, answer=answers[0], overall_score=Decimal(2))
    EvaluationFactory(candidate_interview=row, answer=answers[1], overall_score=Decimal(4))
    assert ai_score_distribution(invites(interview)) == {1: 0, 2: 0, 3: 1, 4: 0, 5: 0}
    figure = candidate_scores([row])[row.pk]
    assert figure.ai_text == "3.0"


def test_it_spreads_the_reviewer_scores(interview, sample):
    assert human_score_distribution(invites(interview)) == {1: 0, 2: 1, 3: 1, 4: 0, 5: 1}


def test_it_computes_everything_in_a_constant_number_of_queries(
    interview, sample, django_assert_num_queries
):
    with django_assert_num_queries(6):
        result = interview_analytics(interview=interview)
    assert result.median_text == "30 min"
    assert result.funnel.timed == 4
    assert [s.answered for s in result.steps] == [6, 5, 4]


def test_it_counts_a_team_funnel_over_a_period(team, interview):
    recent = make(interview, Status.COMPLETED, minutes=5, decision="advance")
    old = make(interview, Status.COMPLETED, minutes=5)
    CandidateInterview.objects.filter(pk=old.pk).update(invited_at=NOW - timedelta(days=60))
    every = CandidateInterview.objects.for_team(team)
    assert team_funnel(every, days=30).invited == 1
    assert team_funnel(every, days=30).advanced == 1
    assert team_funnel(every, days=90).completed == 2
    assert recent.pk


def test_it_draws_bars_in_proportion():
    chart = Chart(title="T", bars=[Bar(label="a", value=10), Bar(label="b", value=5)])
    assert chart.bars[1].width == chart.bars[0].width / 2
    assert "a: 10" in chart.aria_label
    empty = Chart(title="T", vertical=True, bars=[Bar(label="1", value=0)])
    assert empty.is_empty
    assert duration_text(timedelta(hours=3, minutes=5)) == "3 h 5 min"


def test_the_results_page_loads_the_analytics_after_it_shows(login, recruiter, interview, sample):
    client = login(recruiter)
    page = client.get(reverse("candidates:interview_results", args=[interview.pk])).content.decode()
    fragment = reverse("candidates:interview_results_analytics", args=[interview.pk])
    assert f'hx-get="{fragment}" hx-trigger="load"' in page
    assert "Loading the funnel" in page
    assert "<title>Funnel" not in page  # the table does not wait for the aggregates
    # Without JavaScript, the link opens the same panel as a page.
    assert "<title>Funnel. Invited: 8" in client.get(fragment).content.decode()


def test_it_serves_the_panel_from_the_cache_until_an_input_changes(
    interview, sample, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from candidates.analytics import interview_analytics_cached
    from candidates.services.invites import candidate_interview_transition

    first = interview_analytics_cached(interview=interview)
    with django_assert_num_queries(0):
        assert interview_analytics_cached(interview=interview) == first
    waiting = CandidateInterview.objects.filter(interview=interview, status=Status.INVITED).first()
    with django_capture_on_commit_callbacks(execute=True):
        candidate_interview_transition(invite=waiting, to=Status.IN_PROGRESS)
    again = interview_analytics_cached(interview=interview)
    assert again.funnel.started == first.funnel.started + 1


def test_it_shows_the_analytics_on_the_results_page(login, recruiter, interview, sample):
    html = (
        login(recruiter)
        .get(
            reverse("candidates:interview_results_analytics", args=[interview.pk]),
            headers={"HX-Request": "true"},
        )
        .content.decode()
    )
    assert 'role="img"' in html
    assert "<title>Funnel. Invited: 8 (100% of invited)" in html
    assert 'data-testid="median-completion">30 min<' in html
    assert "AI advice scores" in html
    assert "Reviewer scores" in html
    assert "1 stopped" in html


def test_the_home_page_shows_the_team_funnel(login, recruiter, team, interview):
    make(interview, Status.COMPLETED, minutes=5, decision="advance")
    old = make(interview, Status.IN_PROGRESS)
    CandidateInterview.objects.filter(pk=old.pk).update(invited_at=NOW - timedelta(days=60))
    response = login(recruiter).get(reverse("dashboard:home"))
    html = response.content.decode()
    assert "Team funnel" in html
    assert "Last 30 days" in html
    assert "Last 90 days" in html
    assert response.context["funnels"][0].funnel.invited == 1
    assert response.context["funnels"][1].funnel.invited == 2
    assert response.context["funnels"][1].funnel.advanced == 1


def test_the_home_funnel_leaves_out_other_teams(login, recruiter, team, other_team):
    make(InterviewFactory(team=other_team), Status.COMPLETED, minutes=5)
    response = login(recruiter).get(reverse("dashboard:home"))
    assert response.context["funnels"][1].funnel.invited == 0
