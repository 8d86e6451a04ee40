"""Agreement of AI advice with reviewers: Spearman's rho, the 2-point share, months, the
minimum sample, the most-disagreeing candidates, and the two pages that show the figures."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.agreement import (
    MIN_PAIRS,
    agreement_figure,
    interview_agreement,
    spearman,
    team_agreement,
)
from candidates.models import CandidateInterview
from tests.factories import (
    CandidateFactory,
    CandidateInterviewFactory,
    EvaluationFactory,
    InterviewFactory,
    RatingFactory,
    ScorecardCriterionFactory,
    ScorecardFactory,
    ScorecardTemplateFactory,
)

pytestmark = pytest.mark.django_db

OCT = datetime(2026, 10, 15, 12, tzinfo=UTC)
NOV = datetime(2026, 11, 15, 12, tzinfo=UTC)
# AI advice vs the reviewers' score: the last pair is 4 points apart. rho hand-computed below.
AI = ["1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0", "1.0"]
HUMAN = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


@pytest.fixture
def interview(team):
    return InterviewFactory(team=team, title="Backend Engineer")


def pair(interview, ai, human, *, at=OCT, name="Cand", submitted=True, **kwargs):
    """A completed invite with a whole-interview AI score and one reviewer's rating."""
    candidate = CandidateFactory(team=interview.team, first_name=name, last_name="Test")
    invite = CandidateInterviewFactory(
        interview=interview,
        candidate=candidate,
        status=CandidateInterview.Status.COMPLETED,
        completed_at=at,
        **kwargs,
    )
    EvaluationFactory(candidate_interview=invite, overall_score=Decimal(ai))
    template = ScorecardTemplateFactory(interview=interview)
    criterion = template.criteria.first() or ScorecardCriterionFactory(template=template)
    card = ScorecardFactory(candidate_interview=invite, submitted_at=at if submitted else None)
    RatingFactory(scorecard=card, criterion=criterion, score=human)
    return invite


def sample(interview, *, at=OCT, prefix="Cand"):
    return [
        pair(interview, a, h, at=at, name=f"{prefix}{i}")
        for i, (a, h) in enumerate(zip(AI, HUMAN, strict=True))
    ]


# ---------------------------------------------------------------- Spearman


def test_spearman_of_the_same_order_is_one():
    assert spearman([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]) == pytest.approx(1.0)


def test_spearman_of_the_opposite_order_is_minus_one():
    assert spearman([1, 2, 3, 4, 5], [9, 7, 5, 3, 1]) == pytest.approx(-1.0)


def test_spearman_without_ties_matches_the_textbook_formula():
    # d = (-1, 1, -1, 1, 0): rho = 1 - 6·4 / (5·24) = 0.8
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)


def test_spearman_gives_ties_their_average_rank():
    # x ranks (1, 2.5, 2.5, 4), y ranks (1, 3, 2, 4): rho = 4.5 / sqrt(4.5 · 5) = 3 / sqrt(10)
    assert spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(3 / math.sqrt(10))


def test_spearman_is_undefined_on_too_few_or_constant_values():
    assert spearman([], []) is None
    assert spearman([3], [4]) is None
    assert spearman([3, 3, 3], [1, 2, 3]) is None
    with pytest.raises(ValueError):
        spearman([1, 2], [1])


# ---------------------------------------------------------------- figures


def test_the_figures_of_a_hand_made_sample(interview):
    sample(interview)
    overall = interview_agreement(interview=interview).overall
    # ranks x (1.5, 3, 4, 5, 6, 7, 8, 9, 10, 1.5), y (1.5, 1.5, 3.5, 3.5, 5.5, 5.5, 7.5, 7.5,
    # 9.5, 9.5): cov 44, var 82 and 80 → 44 / sqrt(6560)
    assert overall.pairs == 10
    assert overall.rho == pytest.approx(44 / math.sqrt(6560), abs=1e-4)
    assert overall.rho_text == "0.54"
    # One pair of ten is 2 points apart or more (1.0 vs 5); 0.5 apart never counts.
    assert overall.disagree_share == Decimal("0.1000")
    assert overall.disagree_text == "10%"


def test_exactly_two_points_apart_counts_as_disagreeing(interview):
    for i in range(MIN_PAIRS):
        pair(interview, "3.0", 5 if i < 3 else 3, name=f"C{i}")  # 3 pairs exactly 2 apart
    pair(interview, "3.1", 5, name="Near")  # 1.9 apart: agrees
    overall = interview_agreement(interview=interview).overall
    assert overall.pairs == 11
    assert overall.disagree_share == (Decimal(3) / Decimal(11)).quantize(Decimal("0.0001"))


def test_below_the_minimum_sample_no_figure_is_given(interview):
    for i, (a, h) in enumerate(list(zip(AI, HUMAN, strict=True))[: MIN_PAIRS - 1]):
        pair(interview, a, h, name=f"C{i}")
    overall = interview_agreement(interview=interview).overall
    assert (overall.pairs, overall.rho, overall.disagree_share) == (9, None, None)
    assert overall.rho_text == "not enough pairs yet (9)"
    assert overall.disagree_text == "not enough pairs yet (9)"
    assert agreement_figure([]).rho_text == "not enough pairs yet (0)"


def test_only_candidates_with_both_figures_form_pairs(interview, team):
    sample(interview)
    # Only AI advice; a draft scorecard; a candidate who declined AI evaluation.
    lonely = CandidateInterviewFactory(
        interview=interview, status=CandidateInterview.Status.COMPLETED, completed_at=OCT
    )
    EvaluationFactory(candidate_interview=lonely, overall_score=Decimal("1.0"))
    pair(interview, "1.0", 5, submitted=False, name="Draft")
    pair(interview, "1.0", 5, name="Declined", ai_declined_at=timezone.now())
    assert interview_agreement(interview=interview).overall.pairs == 10


def test_months_get_their_own_figures(interview):
    sample(interview, at=OCT)
    for i in range(3):
        pair(interview, "4.0", 4, at=NOV, name=f"Nov{i}")
    periods = interview_agreement(interview=interview).periods
    assert [p.label for p in periods] == ["2026-10", "2026-11"]
    october, november = (p.figure for p in periods)
    assert (october.pairs, october.rho_text, october.disagree_text) == (10, "0.54", "10%")
    assert (november.pairs, november.enough, november.rho) == (3, False, None)


def test_the_most_disagreeing_come_first_and_link_to_the_review(interview):
    sample(interview)
    worst = pair(interview, "5.0", 1, name="Worst")
    pair(interview, "1.0", 3, name="Two")
    found = interview_agreement(interview=interview).disagreements
    # Ties keep their order (oldest first); pairs under 2 points apart are not listed.
    assert [(p.candidate_name, p.difference) for p in found] == [
        ("Cand9 Test", Decimal("4.0")),
        ("Worst Test", Decimal("4.0")),
        ("Two Test", Decimal("2.0")),
    ]
    assert found[1].invite_id == worst.pk
    review = reverse("candidates:invite_review", args=[worst.pk])
    assert found[1].review_url == f"{review}#human-summary"


# ---------------------------------------------------------------- pages


def _testid(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>([^<]*)<', html)
    assert match, testid
    return match.group(1).strip()


def test_the_results_page_shows_the_figures_beside_the_scores(login, recruiter, interview):
    invites = sample(interview)
    page = login(recruiter).get(reverse("candidates:interview_results", args=[interview.pk]))
    assert page.status_code == 200
    assert _testid(page.text, "agreement-rho") == "0.54"
    assert _testid(page.text, "agreement-disagree") == "10%"
    assert _testid(page.text, "agreement-pairs") == "10"
    # The disagreeing candidate is one click away: a link to its review page's scores.
    link = reverse("candidates:invite_review", args=[invites[-1].pk]) + "#human-summary"
    assert f'href="{link}"' in page.text
    review = login(recruiter).get(link.split("#")[0])
    assert review.status_code == 200
    assert 'id="human-summary"' in review.text


def test_a_small_sample_says_so_on_the_page(login, recruiter, interview):
    pair(interview, "4.0", 4)
    page = login(recruiter).get(reverse("candidates:interview_results", args=[interview.pk]))
    assert _testid(page.text, "agreement-rho") == "not enough pairs yet (1)"


def test_the_team_page_and_the_results_page_show_the_same_figure(login, owner, team, interview):
    sample(interview, at=OCT)
    pair(interview, "2.0", 5, at=NOV, name="Late")
    other = InterviewFactory(team=team, title="Designer")
    for i in range(4):
        pair(other, "3.0", 3, name=f"D{i}")
    client = login(owner)
    results = client.get(reverse("candidates:interview_results", args=[interview.pk])).text
    team_page = client.get(reverse("candidates:team_impact")).text
    row = re.search(
        rf'data-testid="agreement-interview-{interview.pk}".*?</tr>', team_page, re.S
    ).group(0)
    assert _testid(row, "row-rho") == _testid(results, "agreement-rho")
    assert _testid(row, "row-disagree") == _testid(results, "agreement-disagree")
    assert _testid(results, "agreement-pairs") == "11"
    # The team figure pools both interviews: 15 pairs.
    assert _testid(team_page, "agreement-pairs") == "15"
    assert team_agreement(team=team).interviews[0].figure == (
        interview_agreement(interview=interview).overall
    )


def test_another_teams_pairs_never_count(login, owner, team, other_team, interview):
    sample(interview)
    theirs = InterviewFactory(team=other_team, title="Their interview")
    for i in range(12):
        pair(theirs, "1.0", 5, name=f"Them{i}")
    result = team_agreement(team=team)
    assert result.overall.pairs == 10
    assert [row.title for row in result.interviews] == ["Backend Engineer"]
    page = login(owner).get(reverse("candidates:team_impact")).text
    assert "Them0" not in page
    assert "Their interview" not in page


def test_another_teams_results_page_is_a_404(login, owner, other_team):
    theirs = InterviewFactory(team=other_team)
    pair(theirs, "1.0", 5)
    response = login(owner).get(reverse("candidates:interview_results", args=[theirs.pk]))
    assert response.status_code == 404


def test_an_empty_team_page_explains_what_a_pair_is(login, owner):
    page = login(owner).get(reverse("candidates:team_impact"))
    assert page.status_code == 200
    assert 'data-testid="agreement-empty"' in page.text


# ---------------------------------------------------------------- query counts


def test_the_results_page_keeps_its_query_count(
    login, recruiter, interview, django_assert_max_num_queries
):
    client = login(recruiter)
    for i in range(3):
        pair(interview, "3.0", 1 + i, name=f"A{i}")
    url = reverse("candidates:interview_results", args=[interview.pk])
    with django_assert_max_num_queries(13) as few:
        assert client.get(url).status_code == 200
    sample(interview, at=NOV)
    for i in range(20):
        pair(interview, "2.0", 5, name=f"B{i}", at=OCT)
    # +1: the bounded total a table with a next page shows.
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        response = client.get(url)
    assert _testid(response.text, "agreement-pairs") == "33"


def test_the_team_page_keeps_its_query_count(
    login, owner, team, interview, django_assert_max_num_queries
):
    client = login(owner)
    pair(interview, "3.0", 3)
    url = reverse("candidates:team_impact")
    with django_assert_max_num_queries(20) as few:
        assert client.get(url).status_code == 200
    for n in range(4):
        extra = InterviewFactory(team=team, title=f"Role {n}")
        for i in range(6):
            pair(extra, "2.0", 1 + i % 5, name=f"R{n}-{i}", at=NOV if i % 2 else OCT)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert _testid(response.text, "agreement-pairs") == "25"
