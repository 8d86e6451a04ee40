"""Impact ratios on AI advice and the team's score at which AI advice passes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.impact import impact_report
from candidates.impact_ai import (
    ai_advice_impact_report,
    interview_ai_impact_report,
    team_ai_impact_report,
)
from candidates.models import CandidateInterview
from candidates.services.fairness import team_ai_threshold_update
from tests import factories

pytestmark = pytest.mark.django_db
COMPLETED = CandidateInterview.Status.COMPLETED


@pytest.fixture
def interview(team):
    return factories.InterviewFactory(team=team, title="Backend Engineer")


def applicant(interview, sex, race, ai, *, decision="", **kwargs):
    invite = factories.CandidateInterviewFactory(
        team=interview.team,
        interview=interview,
        status=kwargs.pop("status", COMPLETED),
        completed_at=timezone.now(),
        decision=decision,
        **kwargs,
    )
    factories.SelfIdentificationFactory(candidate_interview=invite, sex=sex, race_ethnicity=race)
    if ai is not None:
        factories.EvaluationFactory(candidate_interview=invite, overall_score=Decimal(ai))
    return invite


def sample(interview):
    """20 women, 8 passing at 3.5; 20 men, 16 passing. Everyone was advanced."""
    for sex, passing in (("female", 8), ("male", 16)):
        for i in range(20):
            # 3.45 shows as 3.5 and passes; 3.44 shows as 3.4 and does not.
            ai = ("3.45" if i % 2 else "4.00") if i < passing else "3.44"
            applicant(interview, sex, "white", ai, decision="advance")


def row(report, dimension, label):
    return next(r for r in report.rows if r.dimension == dimension and r.label == label)


def test_ai_advice_rows_flag_the_four_fifths_rule(interview, team):
    sample(interview)
    report = interview_ai_impact_report(interview=interview)
    assert (report.sample, report.selected) == (40, 24)
    female, male = row(report, "sex", "Female"), row(report, "sex", "Male")
    assert (female.applicants, female.selected, female.selection_rate) == (20, 8, Decimal("0.4"))
    assert (male.applicants, male.selected, male.selection_rate) == (20, 16, Decimal("0.8"))
    assert (male.impact_ratio, female.impact_ratio) == (Decimal("1.000"), Decimal("0.500"))
    assert female.below_four_fifths
    assert not male.below_four_fifths
    # The decisions show no impact at all: the tool's bias is caught before it reaches them.
    decisions = impact_report(invites=CandidateInterview.objects.filter(interview=interview))
    assert not decisions.flagged
    assert team_ai_impact_report(team=team).sample == 40


def test_the_threshold_moves_the_pass_rate(interview):
    sample(interview)
    invites = CandidateInterview.objects.filter(interview=interview)
    low = ai_advice_impact_report(invites=invites, threshold=Decimal("3.4"))
    assert low.selected == 40
    assert not low.flagged
    high = ai_advice_impact_report(invites=invites, threshold=Decimal("4.0"))
    assert high.selected == 12  # the 4.00s: 4 women, 8 men


def test_only_completed_interviews_with_ai_advice_count(interview):
    sample(interview)
    applicant(interview, "female", "white", None)  # no AI advice yet
    applicant(interview, "female", "white", "5.0", ai_declined_at=timezone.now())
    applicant(interview, "female", "white", "5.0", status=CandidateInterview.Status.IN_PROGRESS)
    assert interview_ai_impact_report(interview=interview).sample == 40


def test_another_teams_applicants_never_count(interview, team, other_team):
    sample(interview)
    theirs = factories.InterviewFactory(team=other_team)
    for _ in range(5):
        applicant(theirs, "female", "white", "5.0")
    assert team_ai_impact_report(team=team).sample == 40


def test_small_categories_are_left_out_as_in_the_decision_report(interview):
    sample(interview)
    for _ in range(10):
        applicant(interview, "male", "white", "2.0")
    applicant(interview, "female", "aian", "5.0")  # 1 of 51: under 2 %
    aian = row(
        interview_ai_impact_report(interview=interview),
        "race_ethnicity",
        "American Indian or Alaska Native",
    )
    assert aian.impact_ratio is None
    assert aian.excluded == "Under 2% of the sample"


# ---------------------------------------------------------------- pages


def test_both_report_pages_show_the_ai_rows(login, owner, interview):
    sample(interview)
    client = login(owner)
    for url in (
        reverse("candidates:team_impact"),
        reverse("candidates:interview_impact", args=[interview.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        section = page.text[page.text.index('id="ai-impact"') :]
        assert 'data-testid="ai-impact-flagged"' in section
        assert "0.500" in section
        assert "below 0.8" in section
        assert re.search(r'data-testid="ai-threshold">3\.5<', section)


def test_both_csv_exports_carry_the_ai_rows_beside_the_decisions(login, owner, interview):
    sample(interview)
    client = login(owner)
    for url in (
        reverse("candidates:team_impact"),
        reverse("candidates:interview_impact", args=[interview.pk]),
    ):
        lines = client.get(url, {"format": "csv"}).content.decode().splitlines()
        assert lines[0].endswith(",excluded,measure,ai_pass_score")
        # Everyone was advanced: no decision flag; the AI advice passes 8 of 20 women and 16
        # of 20 men at 3.5, a ratio of 0.5, flagged.
        assert "sex,Female,20,20,1.0000,1.000,no,,decisions," in lines
        assert "sex,Female,20,8,0.4000,0.500,yes,,ai_advice,3.5" in lines
        assert "sex,Male,20,16,0.8000,1.000,no,,ai_advice,3.5" in lines


def test_the_threshold_is_saved_and_audited(login, owner, team):
    response = login(owner).post(reverse("candidates:team_impact"), {"ai_pass_threshold": "4.2"})
    assert response.status_code == 302
    assert response["Location"].endswith("#ai-impact")
    team.refresh_from_db()
    assert team.ai_pass_threshold == Decimal("4.2")
    event = AuditEvent.objects.get(action="team.ai_threshold_updated")
    assert event.data == {"from": "3.5", "to": "4.2"}
    # Saving the same value again records nothing.
    login(owner).post(reverse("candidates:team_impact"), {"ai_pass_threshold": "4.2"})
    assert AuditEvent.objects.filter(action="team.ai_threshold_updated").count() == 1


def test_an_admin_may_set_it(login, admin_user, team):
    response = login(admin_user).post(reverse("candidates:team_impact"), {"ai_pass_threshold": "3"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.ai_pass_threshold == Decimal("3.0")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("6", "less than or equal to 5"),
        ("0.5", "greater than or equal to 1"),
        ("3.25", "decimal place"),
        ("abc", "Enter a number"),
        ("", "required"),
    ],
)
def test_a_bad_threshold_is_a_422_next_to_the_field(login, owner, team, value, message):
    response = login(owner).post(reverse("candidates:team_impact"), {"ai_pass_threshold": value})
    assert response.status_code == 422
    error = re.search(r'data-testid="threshold-error">([^<]*)<', response.text)
    assert error
    assert message in error.group(1)
    assert 'aria-invalid="true"' in response.text
    team.refresh_from_db()
    assert team.ai_pass_threshold == Decimal("3.5")
    assert not AuditEvent.objects.filter(action="team.ai_threshold_updated").exists()


def test_the_service_refuses_a_value_out_of_range(team, owner):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        team_ai_threshold_update(team=team, threshold=Decimal("5.5"), by=owner)
    assert "ai_pass_threshold" in exc.value.message_dict


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_only_owners_and_admins_set_it(login, request, persona, team):
    client = login(request.getfixturevalue(persona))
    response = client.post(reverse("candidates:team_impact"), {"ai_pass_threshold": "1"})
    assert response.status_code == 403
    team.refresh_from_db()
    assert team.ai_pass_threshold == Decimal("3.5")


def test_the_interview_report_of_another_team_is_a_404(login, owner, other_team):
    theirs = factories.InterviewFactory(team=other_team)
    applicant(theirs, "female", "white", "5.0")
    response = login(owner).get(reverse("candidates:interview_impact", args=[theirs.pk]))
    assert response.status_code == 404


def test_the_interview_report_keeps_its_query_count(
    login, owner, interview, django_assert_max_num_queries
):
    client = login(owner)
    applicant(interview, "female", "white", "4.0")
    url = reverse("candidates:interview_impact", args=[interview.pk])
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    sample(interview)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
