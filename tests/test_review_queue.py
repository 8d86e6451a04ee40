"""'Waiting for your scorecard': a reviewer's own queue on the home page, walked in order."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from candidates.selectors_review import review_queue
from tests.factories import CandidateInterviewFactory, InterviewFactory, ScorecardFactory


def _completed(interview, name, days_ago):
    return CandidateInterviewFactory(
        interview=interview,
        status="COMPLETED",
        completed_at=timezone.now() - timedelta(days=days_ago),
        candidate__first_name=name,
        candidate__last_name="Queue",
    )


def _setup(team, other_team, hiring_manager):
    mine = InterviewFactory(team=team, title="Backend Engineer")
    mine.reviewers.add(hiring_manager)
    not_mine = InterviewFactory(team=team, title="Designer")
    newest = _completed(mine, "Newest", 1)
    oldest = _completed(mine, "Oldest", 5)
    middle = _completed(mine, "Middle", 3)
    rated = _completed(mine, "Rated", 4)
    ScorecardFactory(
        candidate_interview=rated, reviewer=hiring_manager, submitted_at=timezone.now()
    )
    drafted = _completed(mine, "Drafted", 2)  # a draft scorecard is not a rating yet
    ScorecardFactory(candidate_interview=drafted, reviewer=hiring_manager, submitted_at=None)
    CandidateInterviewFactory(interview=mine, status="IN_PROGRESS")
    _completed(not_mine, "Elsewhere", 6)
    _completed(InterviewFactory(team=other_team), "Othertem", 7)
    return [oldest, middle, drafted, newest]


def test_the_queue_holds_completed_unrated_candidates_of_interviews_i_review_oldest_first(
    login, team, other_team, hiring_manager
):
    expected = _setup(team, other_team, hiring_manager)
    membership = hiring_manager.memberships.get(team=team)
    assert list(review_queue(membership=membership)) == expected


def test_the_home_page_shows_the_queue_with_its_count(
    login, team, other_team, hiring_manager, django_assert_max_num_queries
):
    expected = _setup(team, other_team, hiring_manager)
    client = login(hiring_manager)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("dashboard:home"))
    html = response.content.decode()
    assert response.context["queue"] == expected
    assert response.context["queue_count"] == 4
    assert 'data-testid="review-queue-count">4<' in html
    start = reverse("candidates:invite_review", args=[expected[0].pk]) + "?queue=mine"
    assert f'data-testid="start-reviewing" href="{start}"' in html
    assert "Elsewhere" not in html
    assert html.index("Oldest Queue") < html.index("Newest Queue")


def test_walking_the_queue_goes_to_the_oldest_candidate_still_waiting(
    login, team, other_team, hiring_manager
):
    oldest, middle, _drafted, _newest = _setup(team, other_team, hiring_manager)
    client = login(hiring_manager)
    page = client.get(reverse("candidates:invite_review", args=[oldest.pk]) + "?queue=mine")
    assert page.status_code == 200
    assert page.context["next"] == middle
    following = reverse("candidates:invite_review", args=[middle.pk]) + "?queue=mine"
    assert f'href="{following}" rel="next"' in page.content.decode()
    middle_page = client.get(reverse("candidates:invite_review", args=[middle.pk]) + "?queue=mine")
    assert middle_page.context["next"] == _drafted
    # Once the oldest is rated it leaves the queue; the middle one's next is the draft.
    ScorecardFactory(
        candidate_interview=oldest, reviewer=hiring_manager, submitted_at=timezone.now()
    )
    waiting = review_queue(membership=hiring_manager.memberships.get(team=team))
    assert waiting.first() == middle


def test_a_reviewer_with_nothing_waiting_sees_no_queue(login, team, hiring_manager):
    html = login(hiring_manager).get(reverse("dashboard:home")).content.decode()
    assert 'data-testid="review-queue"' not in html


def test_the_count_reads_the_whole_queue_past_the_ten_listed(login, team, hiring_manager):
    interview = InterviewFactory(team=team, title="Backend Engineer")
    interview.reviewers.add(hiring_manager)
    for n in range(12):
        _completed(interview, f"C{n}", n + 1)
    response = login(hiring_manager).get(reverse("dashboard:home"))
    assert len(response.context["queue"]) == 10
    assert response.context["queue_count"] == 12
    assert "and 2 more." in response.content.decode()
