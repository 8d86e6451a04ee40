"""The results pages: the table (filters, sorting, scores, access, query counts), the
side-by-side comparison, the CSV export and the printable scorecards."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import ACTION_LABELS
from accounts.models import AuditEvent
from candidates.models import CandidateInterview, Evaluation, Scorecard
from kit.csv_export import csv_safe
from tests.factories import (
    AnswerFactory,
    CandidateFactory,
    CandidateInterviewFactory,
    EvaluationFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    RatingFactory,
    ScorecardCriterionFactory,
    ScorecardFactory,
    ScorecardTemplateFactory,
    SurveyQuestionFactory,
)

pytestmark = pytest.mark.django_db

Status = CandidateInterview.Status
NOW = timezone.now()


@pytest.fixture
def interview(team):
    return InterviewFactory(team=team, title="Backend Engineer")


def invite(interview, first, last="Test", *, status=Status.COMPLETED, days_ago=1, **kwargs):
    candidate = CandidateFactory(
        team=interview.team, first_name=first, last_name=last, email=f"{first.lower()}@x.test"
    )
    done = status == Status.COMPLETED
    values = {
        "started_at": NOW - timedelta(days=days_ago, hours=1) if status != Status.INVITED else None,
        "completed_at": NOW - timedelta(days=days_ago) if done else None,
        **kwargs,
    }
    return CandidateInterviewFactory(
        interview=interview, candidate=candidate, status=status, **values
    )


def ai(invite_, score):
    return EvaluationFactory(candidate_interview=invite_, overall_score=Decimal(score))


def human(invite_, *scores, submitted=True, criteria=None):
    card = ScorecardFactory(
        candidate_interview=invite_,
        submitted_at=NOW if submitted else None,
        recommendation=Scorecard.Recommendation.YES,
        notes="Clear and concrete.",
    )
    criteria = criteria or [None] * len(scores)
    for score, criterion in zip(scores, criteria, strict=True):
        if criterion is None:
            RatingFactory(scorecard=card, score=score)
        else:
            RatingFactory(scorecard=card, score=score, criterion=criterion)
    return card


@pytest.fixture
def sample(interview):
    """Ada (AI 4.5, reviewers 4 and 2 → 3.0, advanced), Grace (AI 2, flagged twice),
    Linus (in progress), a draft nobody should see."""
    ada = invite(interview, "Ada", "Lovelace", days_ago=3, decision="advance")
    ai(ada, "4.5")
    human(ada, 4)
    human(ada, 2)
    human(ada, 1, submitted=False)  # a draft scorecard does not count
    # An outdated evaluation does not count either.
    EvaluationFactory(
        candidate_interview=ada, overall_score=Decimal("1.0"), is_current=False, version=2
    )
    grace = invite(interview, "Grace", "Hopper", days_ago=1, decision="reject")
    ai(grace, "2.0")
    AnswerFactory(candidate_interview=grace, knockout_flagged=True)
    AnswerFactory(candidate_interview=grace, knockout_flagged=True)
    linus = invite(interview, "Linus", "Torvalds", status=Status.IN_PROGRESS)
    draft = invite(interview, "Drafty", "Draft", status=Status.DRAFT)
    return {"ada": ada, "grace": grace, "linus": linus, "draft": draft}


def url(interview, **query):
    base = reverse("candidates:interview_results", args=[interview.pk])
    if query:
        from urllib.parse import urlencode

        base += "?" + urlencode(query, doseq=True)
    return base


def names(response):
    return [row.candidate.first_name for row in records(response)]


def records(response):
    return [row.record for row in response.context["table"].paginated_rows]


# ---------------------------------------------------------------- the table


def test_it_lists_every_invite_but_drafts_with_scores(login, recruiter, interview, sample):
    response = login(recruiter).get(url(interview))
    assert response.status_code == 200
    assert names(response) == ["Grace", "Ada", "Linus"]  # latest completion first
    rows = {r.candidate.first_name: r for r in records(response)}
    assert rows["Ada"].ai_score == Decimal("4.5")
    assert rows["Ada"].human_score == pytest.approx(3.0)
    assert rows["Ada"].scorecard_count == 2
    assert rows["Grace"].knockout_count == 2
    assert rows["Linus"].ai_score is None
    html = response.content.decode()
    assert "AI advice" in html
    assert "Drafty" not in html
    assert "2 flagged" in html


def test_it_needs_login(client, interview):
    response = client.get(url(interview))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_hides_another_teams_interview(login, outsider, interview):
    assert login(outsider).get(url(interview)).status_code == 404


def test_it_404s_a_malformed_interview_id(login, recruiter):
    response = login(recruiter).get("/interviews/not-a-uuid/results/")
    assert response.status_code == 404


def test_it_hides_an_interview_from_a_hiring_manager_who_does_not_review_it(
    login, hiring_manager, interview, sample
):
    client = login(hiring_manager)
    assert client.get(url(interview)).status_code == 404
    ids = [sample["ada"].pk, sample["grace"].pk]
    compare = reverse("candidates:interview_compare", args=[interview.pk])
    assert client.get(compare, {"ids": ids}).status_code == 404
    export = reverse("candidates:interview_results_export", args=[interview.pk])
    assert client.get(export).status_code == 404


def test_it_shows_a_reviewing_hiring_manager_results_and_lets_them_export(
    login, hiring_manager, interview, sample
):
    interview.reviewers.add(hiring_manager)
    client = login(hiring_manager)
    assert client.get(url(interview)).status_code == 200
    export = reverse("candidates:interview_results_export", args=[interview.pk])
    assert client.get(export).status_code == 200
    assert compare(client, interview, [sample["ada"].pk, sample["grace"].pk]).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "COMPLETED"}, ["Grace", "Ada"]),
        ({"status": "IN_PROGRESS"}, ["Linus"]),
        ({"decision": "advance"}, ["Ada"]),
        ({"decision": "none"}, ["Linus"]),
        ({"knockout": "yes"}, ["Grace"]),
        ({"knockout": "no"}, ["Ada", "Linus"]),
        ({"q": "hopper"}, ["Grace"]),
        ({"q": "ada@x"}, ["Ada"]),
        ({"sort": "ai_score"}, ["Grace", "Ada", "Linus"]),
        ({"sort": "-ai_score"}, ["Ada", "Grace", "Linus"]),
        # Ties (no reviewer score yet) newest invite first.
        ({"sort": "-human_score"}, ["Ada", "Linus", "Grace"]),
        ({"sort": "completed_at"}, ["Ada", "Grace", "Linus"]),
        ({"sort": "candidate"}, ["Grace", "Ada", "Linus"]),
        ({"sort": "-candidate"}, ["Linus", "Ada", "Grace"]),
    ],
)
def test_it_filters_and_sorts(login, recruiter, interview, sample, query, expected):
    response = login(recruiter).get(url(interview, **query))
    assert response.status_code == 200
    assert names(response) == expected


def test_it_ignores_an_unknown_filter_value(login, recruiter, interview, sample):
    response = login(recruiter).get(url(interview, status="BOGUS", sort="password"))
    assert response.status_code == 200
    assert len(names(response)) == 3


def test_it_answers_htmx_with_the_table_and_the_export_links(login, recruiter, interview, sample):
    response = login(recruiter).get(
        url(interview, decision="advance"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="table-region"
    )
    html = response.content.decode()
    assert "HX-Request" in response["Vary"]
    assert 'id="table-region"' in html
    assert "<html" not in html
    assert 'hx-swap-oob="true"' in html
    assert "export.csv?decision=advance" in html
    assert "Analytics" not in html


def test_it_shows_an_empty_state_without_invites(login, recruiter, interview):
    response = login(recruiter).get(url(interview))
    assert "No candidates yet" in response.content.decode()


def test_it_links_each_row_to_the_review(login, recruiter, interview, sample):
    html = login(recruiter).get(url(interview)).content.decode()
    try:
        target = reverse("candidates:invite_review", args=[sample["ada"].pk])
    except Exception:  # The review page may not be registered yet.
        target = reverse("candidates:invite_detail", args=[sample["ada"].pk])
    assert f'href="{target}"' in html


def _rows(interview, n, start=0):
    template = ScorecardTemplateFactory(interview=interview)
    criterion = ScorecardCriterionFactory(template=template)
    for i in range(start, start + n):
        row = invite(interview, f"Cand{i}", days_ago=i + 1)
        ai(row, "3.0")
        human(row, 3, criteria=[criterion])
        AnswerFactory(candidate_interview=row, knockout_flagged=bool(i % 2))


def test_it_keeps_the_query_count_constant(
    login, recruiter, interview, django_assert_max_num_queries
):
    client = login(recruiter)
    _rows(interview, 3)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url(interview)).status_code == 200
    _rows(interview, 27, start=3)
    # +1: the bounded total ("1–25 of 30") that a table with a next page shows.
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        response = client.get(url(interview))
    assert len(names(response)) == 25


# ---------------------------------------------------------------- compare


def compare(client, interview, ids):
    return client.get(
        reverse("candidates:interview_compare", args=[interview.pk]), {"ids": [str(i) for i in ids]}
    )


def test_it_compares_two_candidates_side_by_side(login, recruiter, interview, sample):
    survey = InterviewQuestionFactory(
        interview=interview,
        kind="survey",
        audio_question=None,
        survey_question=SurveyQuestionFactory(team=interview.team, title="Work permit"),
        knockout=True,
    )
    answer = AnswerFactory(
        candidate_interview=sample["grace"],
        interview_question=survey,
        knockout_flagged=True,
        survey_score=Decimal("0"),
        text="",
    )
    EvaluationFactory(
        candidate_interview=sample["grace"], answer=answer, overall_score=Decimal("2.5")
    )
    response = compare(login(recruiter), interview, [sample["ada"].pk, sample["grace"].pk])
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Ada Lovelace") < html.index("Grace Hopper")
    assert "Work permit" in html
    assert "Knockout flagged" in html
    assert "AI 2.5" in html
    assert "4.5" in html
    assert "3.0" in html
    assert "position-sticky" in html


def test_it_compares_four(login, recruiter, interview, sample):
    extra = invite(interview, "Barbara", "Liskov")
    ids = [sample["ada"].pk, sample["grace"].pk, sample["linus"].pk, extra.pk]
    response = compare(login(recruiter), interview, ids)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="compare-candidate"') == 4


@pytest.mark.parametrize("count", [0, 1, 5])
def test_it_refuses_fewer_than_two_or_more_than_four(login, recruiter, interview, sample, count):
    extra = [invite(interview, f"More{i}").pk for i in range(2)]
    ids = [sample["ada"].pk, sample["grace"].pk, sample["linus"].pk, *extra][:count]
    response = compare(login(recruiter), interview, ids)
    assert response.status_code == 400
    assert f"Choose between 2 and 4 candidates to compare; you chose {count}." in (
        response.content.decode()
    )


def test_it_404s_another_teams_invite_in_the_comparison(
    login, recruiter, interview, sample, other_team
):
    theirs = CandidateInterviewFactory(interview=InterviewFactory(team=other_team))
    response = compare(login(recruiter), interview, [sample["ada"].pk, theirs.pk])
    assert response.status_code == 404


def test_it_404s_an_invite_of_another_interview_or_a_draft(login, recruiter, interview, sample):
    elsewhere = CandidateInterviewFactory(interview=InterviewFactory(team=interview.team))
    client = login(recruiter)
    assert compare(client, interview, [sample["ada"].pk, elsewhere.pk]).status_code == 404
    assert compare(client, interview, [sample["ada"].pk, sample["draft"].pk]).status_code == 404
    assert compare(client, interview, [sample["ada"].pk, "nonsense"]).status_code == 404


# ---------------------------------------------------------------- exports


def export(client, interview, **query):
    response = client.get(
        reverse("candidates:interview_results_export", args=[interview.pk]), query
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_it_exports_the_table_as_csv(login, recruiter, interview, sample):
    rows = export(login(recruiter), interview)
    assert rows[0][:3] == ["Candidate", "Email", "Status"]
    assert "AI score (advice)" in rows[0]
    by_name = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_name) == {"Ada Lovelace", "Grace Hopper", "Linus Torvalds"}
    assert by_name["Ada Lovelace"]["AI score (advice)"] == "4.5"
    assert by_name["Ada Lovelace"]["Reviewer score"] == "3.0"
    assert by_name["Ada Lovelace"]["Scorecards"] == "2"
    assert by_name["Ada Lovelace"]["Decision"] == "Advance"
    assert by_name["Grace Hopper"]["Knockout flags"] == "2"
    assert by_name["Linus Torvalds"]["AI score (advice)"] == ""


def test_it_exports_with_the_filters_and_sort(login, recruiter, interview, sample):
    rows = export(login(recruiter), interview, status="COMPLETED", sort="-ai_score")
    assert [r[0] for r in rows[1:]] == ["Ada Lovelace", "Grace Hopper"]


def test_it_escapes_formulas_in_the_csv(login, recruiter, interview):
    invite(interview, '=HYPERLINK("http://evil")', "+1", decision="hold")
    invite(interview, "@SUM(A1)", "-2")
    rows = export(login(recruiter), interview)
    cells = [r[0] for r in rows[1:]]
    assert '\'=HYPERLINK("http://evil") +1' in cells
    assert "'@SUM(A1) -2" in cells
    assert csv_safe("-3") == "'-3"
    assert csv_safe("plain") == "plain"
    assert csv_safe(None) == ""


def test_it_audits_the_exports(login, recruiter, interview, sample):
    client = login(recruiter)
    export(client, interview, decision="advance")
    client.get(reverse("candidates:interview_results_scorecards", args=[interview.pk]))
    events = list(
        AuditEvent.objects.filter(team=interview.team, action__startswith="results.").order_by(
            "created_at"
        )
    )
    actions = [e.action for e in events]
    assert actions == ["results.exported", "results.scorecards_printed"]
    assert events[0].data["filters"]["decision"] == "advance"
    assert events[0].object_id == str(interview.pk)
    assert set(actions) <= set(ACTION_LABELS)


def test_it_prints_one_sheet_per_candidate_with_scorecards(login, recruiter, interview, sample):
    response = login(recruiter).get(
        reverse("candidates:interview_results_scorecards", args=[interview.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="scorecard-sheet"') == 1  # only Ada has submitted ones
    assert "Ada Lovelace" in html
    assert "Grace Hopper" not in html
    assert html.count("<article") == 2  # the draft scorecard is left out
    assert "Yes" in html
    assert "Clear and concrete." in html
    assert "Advance" in html


def test_it_prints_an_empty_state_without_scorecards(login, recruiter, interview):
    response = login(recruiter).get(
        reverse("candidates:interview_results_scorecards", args=[interview.pk])
    )
    assert "No submitted scorecards" in response.content.decode()


def test_it_hides_printable_scorecards_from_outsiders(login, outsider, interview):
    response = login(outsider).get(
        reverse("candidates:interview_results_scorecards", args=[interview.pk])
    )
    assert response.status_code == 404


def test_it_does_not_count_a_failed_evaluation(login, recruiter, interview):
    row = invite(interview, "Failing")
    EvaluationFactory(candidate_interview=row, status=Evaluation.Status.FAILED, overall_score=None)
    response = login(recruiter).get(url(interview))
    assert records(response)[0].ai_score is None


# ---------------------------------------------------------------- bulk decisions


def decide_url(interview):
    return reverse("candidates:interview_results_decide", args=[interview.pk])


def test_bulk_decide_confirms_naming_them_then_records_one_audited_decision_each(
    login, recruiter, interview
):
    ada, grace, linus = (invite(interview, n) for n in ("Ada", "Grace", "Linus"))
    client = login(recruiter)
    page = client.get(decide_url(interview), {"ids": [ada.pk, grace.pk], "decision": "reject"})
    assert page.status_code == 200
    assert "Ada Test" in page.text
    assert "Grace Test" in page.text
    assert "Linus" not in page.text
    ada.refresh_from_db()
    assert ada.decision == ""  # a GET only asks

    response = client.post(decide_url(interview), {"ids": [ada.pk, grace.pk], "decision": "reject"})
    assert response.status_code == 302
    decided = CandidateInterview.objects.filter(decision="reject")
    assert {i.pk for i in decided} == {ada.pk, grace.pk}
    assert AuditEvent.objects.filter(action="invite.decided").count() == 2
    linus.refresh_from_db()
    assert linus.decision == ""


def test_bulk_decide_is_all_or_nothing_and_names_who_has_not_finished(login, recruiter, interview):
    ada = invite(interview, "Ada")
    bob = invite(interview, "Bob", status=Status.IN_PROGRESS)
    response = login(recruiter).post(
        decide_url(interview), {"ids": [ada.pk, bob.pk], "decision": "advance"}
    )
    assert response.status_code == 400
    assert "Bob Test" in response.text
    assert not CandidateInterview.objects.exclude(decision="").exists()


def test_bulk_share_links_to_the_share_page_with_each_invite(login, recruiter, interview):
    ada, grace = invite(interview, "Ada"), invite(interview, "Grace")
    response = login(recruiter).get(
        decide_url(interview), {"ids": [ada.pk, grace.pk], "decision": "share"}
    )
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("candidates:share_create", args=[ada.pk]) + f"?invite={ada.pk}&invite={grace.pk}"
    )


def test_bulk_decide_refuses_hiring_managers_and_other_teams(
    login, hiring_manager, recruiter, outsider, interview
):
    ada = invite(interview, "Ada")
    interview.reviewers.add(hiring_manager)
    assert (
        login(hiring_manager)
        .post(decide_url(interview), {"ids": [ada.pk], "decision": "reject"})
        .status_code
        == 403
    )
    assert (
        login(outsider)
        .post(decide_url(interview), {"ids": [ada.pk], "decision": "reject"})
        .status_code
        == 404
    )
    other = InterviewFactory(team=interview.team)
    foreign = CandidateInterviewFactory(interview=other, status=Status.INVITED)
    assert (
        login(recruiter)
        .post(decide_url(interview), {"ids": [foreign.pk], "decision": "reject"})
        .status_code
        == 404
    )
    assert (
        login(recruiter)
        .post(decide_url(interview), {"ids": ["not-a-uuid"], "decision": "reject"})
        .status_code
        == 404
    )
    assert not CandidateInterview.objects.exclude(decision="").exists()


def test_bulk_decide_without_a_selection_or_with_an_unknown_action_goes_back(
    login, recruiter, interview
):
    ada = invite(interview, "Ada")
    client = login(recruiter)
    back = reverse("candidates:interview_results", args=[interview.pk])
    assert client.post(decide_url(interview), {"decision": "reject"})["Location"] == back
    assert (
        client.post(decide_url(interview), {"ids": [ada.pk], "decision": "fire"})["Location"]
        == back
    )
    ada.refresh_from_db()
    assert ada.decision == ""


def test_the_api_decides_in_bulk_with_the_same_service(owner, team, interview):
    from rest_framework.test import APIClient

    from api.keys import SCOPES, api_key_create

    ada, grace = invite(interview, "Ada"), invite(interview, "Grace")
    bob = invite(interview, "Bob", status=Status.IN_PROGRESS)
    _key, raw = api_key_create(
        organization=team.organization, name="ATS", scopes=list(SCOPES), team=team, by=owner
    )
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=raw)
    endpoint = "/qsi/gather/candidate-interviews/decisions"

    body = {"candidateInterviewIds": [str(ada.pk), str(bob.pk)], "decision": "hold"}
    assert api.post(endpoint, body, format="json").status_code == 409
    assert not CandidateInterview.objects.exclude(decision="").exists()

    body = {"candidateInterviewIds": [str(ada.pk)], "decision": "fire"}
    response = api.post(endpoint, body, format="json")
    assert response.status_code == 400
    assert "decision" in response.text

    foreign = CandidateInterviewFactory(status=Status.INVITED)
    body = {"candidateInterviewIds": [str(foreign.pk)], "decision": "hold"}
    assert api.post(endpoint, body, format="json").status_code == 404

    body = {"candidateInterviewIds": [str(ada.pk), str(grace.pk)], "decision": "hold"}
    response = api.post(endpoint, body, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["result"]["decision"] == "hold"
    assert set(CandidateInterview.objects.filter(decision="hold")) == {ada, grace}
    assert AuditEvent.objects.filter(action="invite.decided").count() == 2
