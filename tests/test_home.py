import pytest
from django.urls import reverse

from accounts.models import Membership, Organization
from tests.factories import (
    AuditEventFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_it_needs_login(client):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["owner", "admin_user", "recruiter", "hiring_manager"])
def test_it_shows_the_current_teams_interviews_and_invites(
    login, request, persona, team, other_team
):
    interview = InterviewFactory(team=team, title="Backend Engineer")
    # Hiring managers see only the interviews they review.
    interview.reviewers.add(request.getfixturevalue("hiring_manager"))
    InterviewFactory(team=other_team, title="Secret Globex Role")
    CandidateInterviewFactory.create_batch(2, interview=interview, status="INVITED")
    CandidateInterviewFactory(
        interview=interview, status="COMPLETED", completed_at="2026-01-01T00:00Z"
    )
    client = login(request.getfixturevalue(persona))
    response = client.get(reverse("dashboard:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Backend Engineer" in html
    assert "Secret Globex Role" not in html
    assert response.context["counts"]["INVITED"] == 2
    assert response.context["counts"]["COMPLETED"] == 1
    assert 'data-testid="current-team">Acme Recruiting<' in html


def test_it_shows_an_empty_state_that_says_what_to_do(login, owner):
    html = login(owner).get(reverse("dashboard:home")).content.decode()
    assert "No interviews yet" in html
    assert "Invite your recruiters" in html
    assert "you'll see it here" in html


def test_it_counts_only_this_teams_invites(login, recruiter, other_team):
    CandidateInterviewFactory.create_batch(3, interview__team=other_team)
    response = login(recruiter).get(reverse("dashboard:home"))
    assert sum(response.context["counts"].values()) == 0


def test_it_answers_htmx_with_the_table_fragment(login, recruiter, team):
    InterviewFactory.create_batch(12, team=team)
    response = login(recruiter).get(
        reverse("dashboard:home"), {"page": 2}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="table-region"')
    assert "Invites by status" not in html
    assert html.count("<tr") == 3  # header + the 2 rows of page 2


def test_it_sorts_by_a_column(login, recruiter, team):
    InterviewFactory(team=team, title="Zeta")
    InterviewFactory(team=team, title="Alpha")
    response = login(recruiter).get(reverse("dashboard:home"), {"sort": "title"})
    titles = [row.record.title for row in response.context["table"].paginated_rows]
    assert titles == ["Alpha", "Zeta"]


def test_it_sends_someone_without_a_team_to_the_welcome_page(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:welcome")


def test_it_sets_up_an_organization_from_the_welcome_page(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("dashboard:welcome"), {"organization": "Initech", "team": "Hiring"}
    )
    assert response.status_code == 302
    membership = Membership.objects.select_related("team__organization").get(user=user)
    assert membership.role == "owner"
    assert membership.team.organization.name == "Initech"


def test_it_keeps_nothing_when_the_welcome_form_is_invalid(client):
    client.force_login(UserFactory())
    response = client.post(reverse("dashboard:welcome"), {"organization": "Initech", "team": "  "})
    assert response.status_code == 200
    assert 'id="id_team-error"' in response.content.decode()
    assert not Organization.objects.exists()


def _fill(team, n):
    for _ in range(n):
        interview = InterviewFactory(team=team)
        InterviewQuestionFactory(interview=interview)
        CandidateInterviewFactory(interview=interview, status="INVITED")
        CandidateInterviewFactory(interview=interview, status="IN_PROGRESS")


@pytest.mark.parametrize("rows", [2, 12])
def test_it_renders_home_in_constant_queries(
    login, owner, team, rows, django_assert_max_num_queries
):
    _fill(team, rows)
    client = login(owner)
    # 12, plus the three "Needs attention" lists and "Waiting for your scorecard".
    with django_assert_max_num_queries(16):
        response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    assert len(response.context["recent"]) == min(8, rows * 2)


def test_it_renders_members_in_constant_queries(login, owner, team, django_assert_max_num_queries):
    for _ in range(30):
        MembershipFactory(team=team)
    client = login(owner)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("dashboard:members"))
    assert len(list(response.context["table"].paginated_rows)) == 25


def test_it_renders_teams_in_constant_queries(login, owner, team, django_assert_max_num_queries):
    for i in range(30):
        extra = TeamFactory(organization=team.organization, name=f"Extra {i}")
        MembershipFactory(team=extra, user=owner, role="owner")
        MembershipFactory(team=extra)
    client = login(owner)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("dashboard:teams"))
    assert len(list(response.context["table"].paginated_rows)) == 25


def test_it_renders_the_audit_log_in_constant_queries(
    login, owner, team, django_assert_max_num_queries
):
    AuditEventFactory.create_batch(80, team=team, actor=owner)
    client = login(owner)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("dashboard:audit"))
    assert len(list(response.context["table"].paginated_rows)) == 50


def test_it_names_the_open_invites_column_for_what_it_counts(login, recruiter, team):
    """The column counts invites still open (invited or in progress), so it says so."""
    interview = InterviewFactory(team=team, title="Backend Engineer")
    CandidateInterviewFactory(interview=interview, status="INVITED")
    CandidateInterviewFactory(interview=interview, status="IN_PROGRESS")
    CandidateInterviewFactory(
        interview=interview, status="COMPLETED", completed_at="2026-01-01T00:00Z"
    )
    html = login(recruiter).get(reverse("dashboard:home")).content.decode()
    assert "Awaiting" not in html
    assert "Open invites" in html
    table = login(recruiter).get(reverse("dashboard:home")).context["table"]
    [row] = list(table.rows)
    assert row.get_cell("invited_count") == 2


def test_its_status_cards_link_to_the_invites_with_that_status(login, recruiter, team):
    interview = InterviewFactory(team=team, title="Backend Engineer")
    CandidateInterviewFactory(interview=interview, status="INVITED")
    CandidateInterviewFactory(
        interview=interview, status="COMPLETED", completed_at="2026-01-01T00:00Z"
    )
    client = login(recruiter)
    html = client.get(reverse("dashboard:home")).content.decode()
    url = reverse("candidates:invite_list") + "?status=COMPLETED"
    assert f'data-testid="count-link-COMPLETED" href="{url}"' in html
    listed = client.get(url)
    assert listed.status_code == 200
    assert [i.status for i in listed.context["table"].data] == ["COMPLETED"]


def test_it_lists_what_needs_attention(login, recruiter, team, other_team):
    from datetime import timedelta

    from django.utils import timezone

    from candidates.models import InviteDelivery

    interview = InterviewFactory(team=team, title="Backend Engineer")
    now = timezone.now()
    expired = CandidateInterviewFactory(
        interview=interview,
        status="EXPIRED",
        expires_at=now - timedelta(days=2),
        candidate__first_name="Eve",
        candidate__last_name="Expired",
    )
    CandidateInterviewFactory(  # expired long ago: no longer a task
        interview=interview,
        status="EXPIRED",
        expires_at=now - timedelta(days=90),
        candidate__first_name="Olga",
        candidate__last_name="Oldexpiry",
    )
    bounced = CandidateInterviewFactory(
        interview=interview, status="INVITED", candidate__last_name="Bounced"
    )
    InviteDelivery.objects.create(candidate_interview=bounced, channel="email", status="failed")
    resent = CandidateInterviewFactory(
        interview=interview, status="INVITED", candidate__last_name="Resent"
    )
    InviteDelivery.objects.create(candidate_interview=resent, channel="email", status="failed")
    InviteDelivery.objects.create(candidate_interview=resent, channel="email", status="sent")
    elsewhere = CandidateInterviewFactory(
        interview=InterviewFactory(team=other_team),
        status="INVITED",
        candidate__last_name="Elsewhere",
    )
    InviteDelivery.objects.create(candidate_interview=elsewhere, channel="email", status="failed")
    asked = CandidateInterviewFactory(
        interview=interview,
        status="IN_PROGRESS",
        alternative_requested_at=now - timedelta(hours=5),
        alternative_note="I use a screen reader.",
        candidate__first_name="Ann",
        candidate__last_name="Asked",
    )
    CandidateInterviewFactory(  # answered already: no longer a task
        interview=interview,
        status="IN_PROGRESS",
        alternative_requested_at=now - timedelta(days=3),
        alternative_resolved_at=now - timedelta(days=1),
        candidate__last_name="Handled",
    )

    response = login(recruiter).get(reverse("dashboard:home"))
    attention = response.context["attention"]
    assert attention["expired"] == [expired]
    assert attention["failed_delivery"] == [bounced]
    assert attention["alternative"] == [asked]
    html = response.content.decode()
    assert "Needs attention" in html
    assert reverse("candidates:invite_detail", args=[bounced.pk]) in html
    section = html.split('data-testid="needs-attention"', 1)[1].split("</section>", 1)[0]
    assert "Eve Expired" in section
    assert "Ann Asked" in section
    assert "Asked for another way to be assessed" in section
    assert "Handled" not in section
    assert "Oldexpiry" not in section
    assert "Elsewhere" not in html
