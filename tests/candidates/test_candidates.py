"""Candidates: the services (clean, create, update, get-or-create by email) and the pages
(list, detail, create, edit)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from candidates.models import Candidate, CandidateInterview
from candidates.services.candidates import (
    DuplicateCandidate,
    candidate_create,
    candidate_get_or_create_by_email,
    candidate_update,
)
from tests.factories import CandidateFactory, CandidateInterviewFactory, InterviewFactory

pytestmark = pytest.mark.django_db


def _errors(exc_info) -> dict[str, list[str]]:
    return exc_info.value.message_dict


# ---------------------------------------------------------------- services


def test_it_normalises_the_phone_to_e164(team, recruiter):
    candidate = candidate_create(
        team=team, by=recruiter, first_name=" Ada ", phone="+44 20-7946 0958"
    )
    assert candidate.phone == "+442079460958"
    assert candidate.first_name == "Ada"
    assert candidate.created_by == recruiter


@pytest.mark.parametrize(
    ("phone", "says"),
    [
        ("020 7946 0958", "starting with +"),
        ("+1 415 555 O123", "cannot contain letters"),
        ("+1 999", "not valid"),
    ],
)
def test_it_explains_a_bad_phone_number_next_to_the_field(team, recruiter, phone, says):
    with pytest.raises(ValidationError) as exc_info:
        candidate_create(team=team, by=recruiter, first_name="Ada", phone=phone)
    assert says in " ".join(_errors(exc_info)["phone"])
    assert not Candidate.objects.exists()


def test_it_needs_a_first_name_and_an_email_or_phone(team, recruiter):
    with pytest.raises(ValidationError) as exc_info:
        candidate_create(team=team, by=recruiter, first_name="  ", last_name="Lovelace")
    errors = _errors(exc_info)
    assert errors["first_name"] == ["First name is required."]
    assert "email or a phone number" in errors["email"][0]


def test_it_refuses_an_invalid_email(team, recruiter):
    with pytest.raises(ValidationError) as exc_info:
        candidate_create(team=team, by=recruiter, first_name="Ada", email="ada@")
    assert "not a valid address" in _errors(exc_info)["email"][0]


def test_it_refuses_a_second_candidate_with_the_same_email_ignoring_case(team, recruiter):
    first = candidate_create(team=team, by=recruiter, first_name="Ada", email="ada@example.com")
    with pytest.raises(DuplicateCandidate) as exc_info:
        candidate_create(team=team, by=recruiter, first_name="Other", email="ADA@Example.com ")
    assert exc_info.value.existing == first
    assert "already exists in this team (Ada)" in _errors(exc_info)["email"][0]
    assert Candidate.objects.count() == 1


def test_it_allows_the_same_email_in_another_team(team, other_team, recruiter):
    candidate_create(team=team, by=recruiter, first_name="Ada", email="ada@example.com")
    candidate_create(team=other_team, by=None, first_name="Ada", email="ada@example.com")
    assert Candidate.objects.count() == 2


def test_it_allows_many_candidates_without_email(team, recruiter):
    candidate_create(team=team, by=recruiter, first_name="A", phone="+14155550100")
    candidate_create(team=team, by=recruiter, first_name="B", phone="+14155550101")
    assert Candidate.objects.count() == 2


def test_it_updates_given_fields_only_and_keeps_its_own_email(team, recruiter):
    candidate = CandidateFactory(team=team, first_name="Ada", email="ada@example.com")
    candidate_update(candidate=candidate, last_name="Byron", email="ADA@example.com")
    candidate.refresh_from_db()
    assert (candidate.first_name, candidate.last_name) == ("Ada", "Byron")
    assert candidate.email == "ADA@example.com"


def test_it_refuses_an_update_to_another_candidates_email(team):
    CandidateFactory(team=team, email="taken@example.com")
    candidate = CandidateFactory(team=team, email="mine@example.com")
    with pytest.raises(DuplicateCandidate):
        candidate_update(candidate=candidate, email="Taken@example.com")
    candidate.refresh_from_db()
    assert candidate.email == "mine@example.com"


def test_it_refuses_to_clear_both_ways_to_reach_a_candidate(team):
    candidate = CandidateFactory(team=team, email="ada@example.com", phone="")
    with pytest.raises(ValidationError) as exc_info:
        candidate_update(candidate=candidate, email="")
    assert "email" in _errors(exc_info)


def test_it_gets_or_creates_by_email_and_fills_only_empty_fields(team, recruiter):
    candidate, created = candidate_get_or_create_by_email(
        team=team, by=recruiter, email="ada@example.com", first_name="Ada"
    )
    assert created
    same, created = candidate_get_or_create_by_email(
        team=team,
        by=recruiter,
        email="Ada@Example.com",
        first_name="Augusta",
        last_name="Lovelace",
        phone="+1 415 555 0123",
    )
    assert not created
    assert same.pk == candidate.pk
    same.refresh_from_db()
    assert (same.first_name, same.last_name, same.phone) == ("Ada", "Lovelace", "+14155550123")
    assert same.email == "ada@example.com"


def test_it_needs_an_email_to_get_or_create_by_it(team, recruiter):
    with pytest.raises(ValidationError) as exc_info:
        candidate_get_or_create_by_email(team=team, by=recruiter, email=" ", first_name="Ada")
    assert "email" in _errors(exc_info)


# ---------------------------------------------------------------- pages


@pytest.fixture
def candidate(team):
    return CandidateFactory(team=team, first_name="Ada", last_name="Lovelace")


def _share_with(hiring_manager, candidate):
    """Hiring managers see a candidate only through an invite to an interview they review."""
    invite = CandidateInterviewFactory(candidate=candidate, interview__team=candidate.team)
    invite.interview.reviewers.add(hiring_manager)


def _pages(candidate):
    return [
        reverse("candidates:candidate_list"),
        reverse("candidates:candidate_detail", args=[candidate.pk]),
    ]


@pytest.mark.parametrize("persona", ["owner", "admin_user", "recruiter", "hiring_manager"])
def test_it_shows_the_list_and_detail_to_every_role(login, request, candidate, persona):
    _share_with(request.getfixturevalue("hiring_manager"), candidate)
    client = login(request.getfixturevalue(persona))
    for url in _pages(candidate):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Ada Lovelace" in response.content.decode()


def test_it_needs_login(client, candidate):
    for url in [
        *_pages(candidate),
        reverse("candidates:candidate_create"),
        reverse("candidates:candidate_edit", args=[candidate.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_it_hides_another_teams_candidate(login, outsider, candidate):
    client = login(outsider)
    for url in [
        reverse("candidates:candidate_detail", args=[candidate.pk]),
        reverse("candidates:candidate_edit", args=[candidate.pk]),
        "/candidates/not-a-uuid/",
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("candidates:candidate_edit", args=[candidate.pk]),
        {"first_name": "Mallory", "email": "m@example.com"},
    )
    assert response.status_code == 404
    listed = client.get(reverse("candidates:candidate_list"))
    assert "Ada Lovelace" not in listed.content.decode()


def test_it_forbids_every_write_to_a_hiring_manager(login, hiring_manager, candidate):
    _share_with(hiring_manager, candidate)
    client = login(hiring_manager)
    writes = [
        (reverse("candidates:candidate_create"), {"first_name": "X", "email": "x@example.com"}),
        (
            reverse("candidates:candidate_edit", args=[candidate.pk]),
            {"first_name": "X", "email": "x@example.com"},
        ),
    ]
    for url, data in writes:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    candidate.refresh_from_db()
    assert candidate.first_name == "Ada"
    assert Candidate.objects.count() == 1
    assert AuditEvent.objects.filter(action="permission.denied").count() == 2 * len(writes)


def test_it_hides_writing_controls_from_a_hiring_manager(login, hiring_manager, candidate):
    client = login(hiring_manager)
    html = client.get(reverse("candidates:candidate_list")).content.decode()
    assert 'id="bulk-form"' not in html
    assert "row-select" not in html
    assert "Add candidate" not in html
    detail = client.get(reverse("candidates:candidate_detail", args=[candidate.pk]))
    assert reverse("candidates:candidate_edit", args=[candidate.pk]) not in detail.content.decode()


def test_it_creates_a_candidate_and_opens_their_page(login, recruiter, team):
    response = login(recruiter).post(
        reverse("candidates:candidate_create"),
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@example.com",
            "phone": "+1 (415) 555-0123",
            "external_id": "ATS-7",
        },
    )
    candidate = Candidate.objects.get(email="grace@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("candidates:candidate_detail", args=[candidate.pk])
    assert candidate.team == team
    assert candidate.phone == "+14155550123"
    assert candidate.external_id == "ATS-7"


def test_it_shows_every_error_next_to_its_field_and_saves_nothing(login, recruiter):
    response = login(recruiter).post(
        reverse("candidates:candidate_create"),
        {"first_name": "", "email": "", "phone": "415 555 0123"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_first_name-error"' in html
    assert 'id="id_phone-error"' in html
    assert "starting with +" in html
    assert not Candidate.objects.exists()


def test_it_links_a_duplicate_email_to_the_existing_candidate(login, recruiter, candidate):
    response = login(recruiter).post(
        reverse("candidates:candidate_create"),
        {"first_name": "Other", "email": candidate.email.upper()},
    )
    html = response.content.decode()
    assert response.status_code == 422
    url = reverse("candidates:candidate_detail", args=[candidate.pk])
    assert f'<a href="{url}">Ada Lovelace</a>' in html
    assert Candidate.objects.count() == 1


def test_it_edits_a_candidate(login, recruiter, candidate):
    url = reverse("candidates:candidate_edit", args=[candidate.pk])
    client = login(recruiter)
    page = client.get(url)
    assert page.context["form"].initial["first_name"] == "Ada"
    response = client.post(
        url,
        {"first_name": "Augusta Ada", "last_name": "King", "email": candidate.email, "phone": ""},
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.first_name, candidate.last_name, candidate.phone) == (
        "Augusta Ada",
        "King",
        "",
    )


def test_it_lists_a_candidates_invites_on_their_page(login, hiring_manager, team, candidate):
    interview = InterviewFactory(team=team, title="Backend Engineer")
    interview.reviewers.add(hiring_manager)
    CandidateInterviewFactory(
        interview=interview,
        candidate=candidate,
        status=CandidateInterview.Status.COMPLETED,
        completed_at="2026-01-02T00:00Z",
    )
    response = login(hiring_manager).get(
        reverse("candidates:candidate_detail", args=[candidate.pk])
    )
    html = response.content.decode()
    assert 'data-testid="invite-row"' in html
    assert "Backend Engineer" in html
    assert "Completed" in html


@pytest.fixture
def listed(team):
    """Candidates in several states: never invited, invited, completed (two interviews)."""
    backend = InterviewFactory(team=team, title="Backend")
    design = InterviewFactory(team=team, title="Design")
    never = CandidateFactory(team=team, first_name="Nora", last_name="Never", phone="")
    invited = CandidateFactory(team=team, first_name="Ivan", last_name="Invited", phone="")
    both = CandidateFactory(
        team=team, first_name="Bea", last_name="Both", phone="+14155550177", email="bea@x.org"
    )
    CandidateInterviewFactory(interview=backend, candidate=invited)
    CandidateInterviewFactory(
        interview=backend, candidate=both, status="COMPLETED", completed_at="2026-01-02T00:00Z"
    )
    CandidateInterviewFactory(interview=design, candidate=both, status="INVITED")
    return {"backend": backend, "design": design, "never": never, "invited": invited, "both": both}


def _names(client, **params):
    response = client.get(reverse("candidates:candidate_list"), params)
    assert response.status_code == 200
    return sorted(row.record.first_name for row in response.context["table"].paginated_rows)


def test_it_searches_by_name_email_and_phone(login, recruiter, listed):
    client = login(recruiter)
    assert _names(client) == ["Bea", "Ivan", "Nora"]
    assert _names(client, q="never") == ["Nora"]
    assert _names(client, q="nora NEVER") == ["Nora"]
    assert _names(client, q="bea@x") == ["Bea"]
    assert _names(client, q="555-0177") == ["Bea"]
    assert _names(client, q="nobody") == []


def test_it_filters_by_interview_and_latest_invite_status(login, recruiter, listed):
    client = login(recruiter)
    backend, design = str(listed["backend"].pk), str(listed["design"].pk)
    assert _names(client, interview=backend) == ["Bea", "Ivan"]
    assert _names(client, interview=design) == ["Bea"]
    assert _names(client, status="INVITED") == ["Bea", "Ivan"]
    assert _names(client, status="none") == ["Nora"]
    # With an interview chosen, the status is that interview's invite.
    assert _names(client, interview=backend, status="COMPLETED") == ["Bea"]
    assert _names(client, status="COMPLETED") == []


def test_it_shows_the_latest_invite_and_the_invite_count(login, recruiter, listed):
    response = login(recruiter).get(reverse("candidates:candidate_list"), {"q": "bea"})
    row = next(iter(response.context["table"].paginated_rows)).record
    assert (row.invite_count, row.latest_status, row.latest_interview) == (2, "INVITED", "Design")


def test_it_sorts_the_table(login, recruiter, listed):
    client = login(recruiter)
    response = client.get(reverse("candidates:candidate_list"), {"sort": "-invite_count"})
    first = next(iter(response.context["table"].paginated_rows)).record
    assert first.first_name == "Bea"
    response = client.get(reverse("candidates:candidate_list"), {"sort": "name"})
    assert [r.record.first_name for r in response.context["table"].paginated_rows] == [
        "Bea",
        "Ivan",
        "Nora",
    ]


def test_it_answers_htmx_list_requests_with_the_table_fragment(login, recruiter, listed):
    response = login(recruiter).get(
        reverse("candidates:candidate_list"), {"q": "bea"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="table-region"')
    assert "Bea Both" in html
    assert "HX-Request" in response["Vary"]


def test_it_offers_bulk_invites_through_a_get_form(login, recruiter, listed):
    html = login(recruiter).get(reverse("candidates:candidate_list")).content.decode()
    assert 'id="bulk-form" method="get"' in html
    assert 'action="/invites/new/"' in html
    boxes = re.findall(r"<input [^>]*row-select[^>]*>", html)
    assert len(boxes) == 3
    assert all('name="candidates"' in b and 'form="bulk-form"' in b for b in boxes)
    assert any(f'value="{listed["both"].pk}"' in b and "Select Bea Both" in b for b in boxes)


def test_it_says_what_to_do_when_there_are_no_candidates(login, recruiter):
    html = login(recruiter).get(reverse("candidates:candidate_list")).content.decode()
    assert "No candidates yet" in html
    assert "Add a candidate or import a CSV" in html
    assert reverse("candidates:candidate_import") in html


def test_it_lists_many_candidates_in_a_constant_number_of_queries(
    login, recruiter, team, django_assert_max_num_queries
):
    interviews = [InterviewFactory(team=team) for _ in range(3)]
    for n in range(35):
        invite = CandidateInterviewFactory(interview=interviews[n % 3])
        if n % 2:
            CandidateInterviewFactory(interview=interviews[(n + 1) % 3], candidate=invite.candidate)
    client = login(recruiter)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("candidates:candidate_list"))
    assert len(list(response.context["table"].paginated_rows)) == 25
    with django_assert_max_num_queries(12):
        client.get(
            reverse("candidates:candidate_list"),
            {"sort": "latest_status", "q": "example"},
            headers={"HX-Request": "true"},
        )
