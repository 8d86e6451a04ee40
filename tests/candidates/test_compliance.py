"""Privacy settings, a candidate's export and erasure pages, and adverse-impact reports."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.impact import impact_report, interview_impact_report
from candidates.models import Candidate, CandidateInterview
from tests import factories

pytestmark = pytest.mark.django_db
COMPLETED = CandidateInterview.Status.COMPLETED

# (sex, race/ethnicity, candidates, advanced): 100 in all.
SAMPLE = [
    ("female", "white", 20, 10),
    ("male", "white", 25, 17),
    ("female", "black", 12, 5),
    ("male", "black", 18, 7),
    ("female", "asian", 8, 5),
    ("male", "asian", 12, 7),
    ("declined", "aian", 1, 1),
    ("declined", "declined", 4, 0),
]


def _sample(interview):
    for sex, race, n, advanced in SAMPLE:
        for i in range(n):
            invite = factories.CandidateInterviewFactory(
                team=interview.team,
                interview=interview,
                status=COMPLETED,
                completed_at=timezone.now(),
                decision="advance" if i < advanced else "reject",
            )
            factories.SelfIdentificationFactory(
                candidate_interview=invite, sex=sex, race_ethnicity=race
            )


@pytest.fixture
def interview(team):
    return factories.InterviewFactory(team=team)


def _row(report, dimension, label):
    [row] = [r for r in report.dimension(dimension) if r.label == label]
    return row


def test_impact_ratios_on_a_hand_made_sample(interview):
    _sample(interview)
    # Neither unfinished interviews nor other interviews count.
    unfinished = factories.CandidateInterviewFactory(
        team=interview.team, interview=interview, decision="advance"
    )
    factories.SelfIdentificationFactory(candidate_interview=unfinished, sex="female")

    report = interview_impact_report(interview=interview)

    assert (report.sample, report.selected, report.declined) == (100, 52, 4)
    female, male = _row(report, "sex", "Female"), _row(report, "sex", "Male")
    assert (female.applicants, female.selected, female.selection_rate) == (40, 20, Decimal("0.5"))
    assert (male.applicants, male.selected) == (55, 31)
    assert male.impact_ratio == Decimal("1.000")
    assert female.impact_ratio == Decimal("0.887")  # 0.5 / 0.5636
    assert not female.below_four_fifths
    black = _row(report, "race_ethnicity", "Black or African American")
    assert (black.selection_rate, black.impact_ratio) == (Decimal("0.4"), Decimal("0.667"))
    assert black.below_four_fifths
    assert _row(report, "race_ethnicity", "White").impact_ratio == Decimal("1.000")
    # 1 of 100 is under 2%: shown, but left out of the ratios (it would have been the best).
    aian = _row(report, "race_ethnicity", "American Indian or Alaska Native")
    assert aian.applicants == 1
    assert aian.impact_ratio is None
    assert aian.excluded == "Under 2% of the sample"
    best_pair = _row(report, "intersectional", "White male")
    assert best_pair.impact_ratio == Decimal("1.000")
    black_female = _row(report, "intersectional", "Black or African American female")
    assert black_female.impact_ratio == Decimal("0.613")
    assert [r.label for r in report.flagged if r.dimension == "race_ethnicity"] == [
        "Black or African American"
    ]


def test_an_empty_sample_gives_an_empty_report(team):
    report = impact_report(invites=CandidateInterview.objects.for_team(team))
    assert report.sample == 0
    assert all(r.impact_ratio is None for r in report.rows)


def test_the_impact_page_shows_totals_only_and_exports_csv(login, owner, interview):
    _sample(interview)
    client = login(owner)
    response = client.get(reverse("candidates:interview_impact", args=[interview.pk]))
    assert response.status_code == 200
    assert "0.667" in response.text
    assert "below 0.8" in response.text
    # No candidate appears on it.
    some = Candidate.objects.filter(team=interview.team).first()
    assert some.email not in response.text
    csv_response = client.get(
        reverse("candidates:interview_impact", args=[interview.pk]), {"format": "csv"}
    )
    lines = csv_response.content.decode().splitlines()
    assert lines[0].startswith("dimension,category,applicants,selected")
    assert "race_ethnicity,Black or African American,30,12,0.4000,0.667,yes,,decisions," in lines
    assert AuditEvent.objects.filter(action="report.adverse_impact_viewed").count() == 2


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_only_admins_see_impact_reports(login, request, persona, interview):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("candidates:team_impact")).status_code == 403
    assert (
        client.get(reverse("candidates:interview_impact", args=[interview.pk])).status_code == 403
    )


def test_another_teams_interview_report_is_a_404(login, owner, other_team):
    theirs = factories.InterviewFactory(team=other_team)
    response = login(owner).get(reverse("candidates:interview_impact", args=[theirs.pk]))
    assert response.status_code == 404


# --- privacy settings -----------------------------------------------------------------------


def test_privacy_settings_save_and_bump_the_notice_version(login, owner, team):
    client = login(owner)
    page = client.get(reverse("candidates:privacy_settings"))
    assert page.status_code == 200
    assert team.name in page.text  # the default notice names the team
    response = client.post(
        reverse("candidates:privacy_settings"),
        {
            "privacy_notice": "We keep your answers for a year.",
            "ai_notice": "",
            "alternative_contact_email": "people@example.org",
            "retention_months": "12",
            "media_retention_months": "6",
            "self_id_survey_enabled": "on",
        },
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.privacy_notice == "We keep your answers for a year."
    assert (team.retention_months, team.media_retention_months) == (12, 6)
    assert team.self_id_survey_enabled
    assert team.notice_version == 2
    assert AuditEvent.objects.filter(action="team.privacy_updated").exists()


def test_privacy_settings_errors_name_the_field_and_save_nothing(login, owner, team):
    response = login(owner).post(
        reverse("candidates:privacy_settings"),
        {"retention_months": "12", "media_retention_months": "18", "privacy_notice": "x"},
    )
    assert response.status_code == 200
    assert "Recordings cannot be kept longer" in response.text
    assert 'id="id_media_retention_months-error"' in response.text
    team.refresh_from_db()
    assert (team.retention_months, team.privacy_notice) == (24, "")


def test_the_settings_page_previews_the_next_30_days(login, owner, team):
    team.retention_months = 12
    team.save()
    soon = factories.CandidateFactory(team=team, first_name="Soonest")
    Candidate.objects.filter(pk=soon.pk).update(
        last_activity_at=timezone.now() - timedelta(days=360)
    )
    response = login(owner).get(reverse("candidates:privacy_settings"))
    assert "Soonest" in response.text
    assert '<strong data-testid="retention-count">1</strong>' in response.text


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_privacy_settings_are_for_admins(login, request, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("candidates:privacy_settings")).status_code == 403


# --- export and erasure pages ---------------------------------------------------------------


def test_a_recruiter_downloads_a_candidates_data(login, recruiter, team):
    candidate = factories.CandidateFactory(team=team, email="kim@example.org")
    response = login(recruiter).get(reverse("candidates:candidate_export", args=[candidate.pk]))
    assert response.status_code == 200
    assert b"kim@example.org" in zipfile.ZipFile(io.BytesIO(response.content)).read(
        "candidate.json"
    )


def test_erasure_needs_the_typed_name(login, recruiter, team):
    candidate = factories.CandidateFactory(team=team, first_name="Ana", last_name="Lima")
    client = login(recruiter)
    url = reverse("candidates:candidate_erase", args=[candidate.pk])
    assert client.get(url).status_code == 200
    wrong = client.post(url, {"confirm": "Ana"})
    assert wrong.status_code == 422
    assert "to confirm" in wrong.text
    assert "is-invalid" in wrong.text
    assert Candidate.objects.filter(pk=candidate.pk).exists()
    right = client.post(url, {"confirm": "ana lima"})
    assert right.status_code == 302
    assert not Candidate.objects.filter(pk=candidate.pk).exists()


def test_hiring_managers_cannot_export_or_erase(login, hiring_manager, team):
    candidate = factories.CandidateFactory(team=team)
    invite = factories.CandidateInterviewFactory(team=team, candidate=candidate)
    invite.interview.reviewers.add(hiring_manager)
    client = login(hiring_manager)
    assert (
        client.get(reverse("candidates:candidate_export", args=[candidate.pk])).status_code == 403
    )
    erase = reverse("candidates:candidate_erase", args=[candidate.pk])
    assert client.post(erase, {"confirm": candidate.full_name}).status_code == 403
    assert Candidate.objects.filter(pk=candidate.pk).exists()


def test_another_teams_candidate_is_a_404(login, owner, other_team):
    theirs = factories.CandidateFactory(team=other_team)
    client = login(owner)
    assert client.get(reverse("candidates:candidate_export", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("candidates:candidate_erase", args=[theirs.pk])).status_code == 404
