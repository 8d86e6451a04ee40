"""The review page: answers, AI advice and overrides, blind scorecards, comments with
mentions, the recruiter's decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import CandidateInterview, Comment, CriterionScore, Rating, Scorecard
from candidates.selectors_review import mark_keywords
from candidates.services.review import (
    candidate_interview_decide,
    comment_create,
    comment_delete,
    criterion_score_override,
    mentions_in,
    scorecard_save,
)
from interviews.models import InterviewQuestion
from tests.factories import (
    AnswerFactory,
    CandidateInterviewFactory,
    CommentFactory,
    CriterionScoreFactory,
    EvaluationFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    MembershipFactory,
    ScorecardCriterionFactory,
    ScorecardFactory,
    ScorecardTemplateFactory,
    SurveyOptionFactory,
    SurveyQuestionFactory,
    TurnFactory,
)

pytestmark = pytest.mark.django_db

ANCHORS = {"1": "No evidence", "3": "Meets the bar", "5": "Exceptional"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def interview(team):
    interview = InterviewFactory(team=team, title="Backend Engineer")
    template = ScorecardTemplateFactory(interview=interview)
    ScorecardCriterionFactory(template=template, name="Communication", anchors=ANCHORS, ordinal=1)
    ScorecardCriterionFactory(template=template, name="Problem solving", ordinal=2)
    return interview


@pytest.fixture
def criteria(interview):
    return list(interview.scorecard_template.criteria.order_by("ordinal"))


def completed(interview, minutes_ago=0, **kwargs):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return CandidateInterviewFactory(
        interview=interview, status=CandidateInterview.Status.COMPLETED, completed_at=at, **kwargs
    )


def add_answers(invite, n, *, media=True):
    """``n`` audio answers, each with two transcript lines, a keyword hit and an AI evaluation
    of two criteria, a comment; plus one survey answer."""
    answers = []
    for _ in range(n):
        item = InterviewQuestionFactory(interview=invite.interview)
        answer = AnswerFactory(
            candidate_interview=invite,
            interview_question=item,
            text="",
            media_type="audio/webm",
            keyword_hits=[{"keyword": "Django", "count": 1, "turns": [1]}],
        )
        if media:
            answer.media.save("a.webm", ContentFile(b"\x1a\x45\xdf\xa3" + b"0" * 2000))
        for start in (0.0, 4.0):
            TurnFactory(
                candidate_interview=invite,
                answer=answer,
                start_seconds=start,
                end_seconds=start + 3.5,
            )
        evaluation = EvaluationFactory(candidate_interview=invite, answer=answer, overall_score=3)
        CriterionScoreFactory(evaluation=evaluation, criterion_name="Clarity", score=2)
        CriterionScoreFactory(evaluation=evaluation, criterion_name="Depth", score=4)
        CommentFactory(candidate_interview=invite, answer=answer, author=invite.created_by)
        answers.append(answer)
    survey = SurveyQuestionFactory(team=invite.team)
    option = SurveyOptionFactory(question=survey, text="Yes, I am")
    item = InterviewQuestionFactory(
        interview=invite.interview,
        kind=InterviewQuestion.Kind.SURVEY,
        audio_question=None,
        survey_question=survey,
        knockout=True,
    )
    survey_answer = AnswerFactory(
        candidate_interview=invite,
        interview_question=item,
        text="",
        survey_score=2,
        knockout_flagged=True,
    )
    survey_answer.selected_options.add(option)
    return answers


def url(invite, name="invite_review", *args):
    return reverse(f"candidates:{name}", args=[invite.pk, *args])


# --- the page


def test_it_shows_answers_transcripts_and_ai_advice(login, recruiter, interview):
    invite = completed(interview)
    answers = add_answers(invite, 2)
    html = login(recruiter).get(url(invite)).content.decode()
    assert invite.candidate.full_name in html
    assert "Backend Engineer" in html
    assert url(invite, "answer_media", answers[0].pk) in html
    assert html.count('data-testid="transcript-line"') == 4
    assert 'data-start="4.00"' in html
    assert "<mark>Django</mark>" in html
    assert "AI advice" in html
    assert 'data-testid="knockout"' in html
    assert "Yes, I am" in html
    assert "Comment on this answer" in html


def test_it_shows_a_transcript_even_without_a_playable_recording(login, recruiter, interview):
    invite = completed(interview)
    add_answers(invite, 1, media=False)
    html = login(recruiter).get(url(invite)).content.decode()
    assert 'data-testid="transcript-without-recording"' in html
    assert html.count('data-testid="transcript-line"') == 2
    assert "<mark>Django</mark>" in html
    assert "<audio" not in html


def test_a_written_answer_with_transcript_lines_is_not_called_a_missing_recording(
    login, recruiter, interview
):
    from tests.factories import AITextQuestionFactory

    invite = completed(interview)
    item = InterviewQuestionFactory(
        interview=interview,
        kind=InterviewQuestion.Kind.AI_TEXT,
        audio_question=None,
        ai_text_question=AITextQuestionFactory(team=interview.team),
    )
    answer = AnswerFactory(
        candidate_interview=invite, interview_question=item, text="I cache reads."
    )
    TurnFactory(candidate_interview=invite, answer=answer, content="I cache reads.")
    html = login(recruiter).get(url(invite)).content.decode()
    assert "I cache reads." in html
    assert 'data-testid="transcript-without-recording"' not in html
    assert "No playable recording" not in html


def test_it_records_a_view_of_the_answers(login, recruiter, interview):
    invite = completed(interview)
    login(recruiter).get(url(invite))
    event = AuditEvent.objects.get(action="invite.answers_viewed")
    assert event.actor == recruiter
    assert event.object_id == str(invite.pk)


def test_it_labels_an_offline_evaluation_as_heuristic(login, recruiter, interview):
    invite = completed(interview)
    EvaluationFactory(candidate_interview=invite, provider="offline", overall_score=4)
    html = login(recruiter).get(url(invite)).content.decode()
    assert 'data-testid="heuristic-note"' in html
    assert 'data-testid="ai-overall">4.0' in html


def test_it_shows_an_ai_interview_conversation(login, recruiter, team):
    interview = InterviewFactory(team=team, interview_type="ai")
    invite = completed(interview)
    TurnFactory(candidate_interview=invite, role="agent", content="Why Django?")
    TurnFactory(
        candidate_interview=invite,
        content="It is batteries included.",
        evaluation={"score": 4, "rationale": "Clear"},
    )
    html = login(recruiter).get(url(invite)).content.decode()
    assert "Why Django?" in html
    assert 'data-testid="turn-evaluation"' in html
    assert "Clear" in html


def test_it_links_the_previous_and_next_candidates(login, recruiter, interview):
    first = completed(interview, minutes_ago=30)
    middle = completed(interview, minutes_ago=20)
    last = completed(interview, minutes_ago=10)
    CandidateInterviewFactory(interview=interview)  # not completed: skipped
    html = login(recruiter).get(url(middle)).content.decode()
    assert url(first) in html
    assert url(last) in html
    html = login(recruiter).get(url(first)).content.decode()
    assert 'rel="prev"' not in html
    assert url(middle) in html


def test_it_needs_login(client, interview):
    invite = completed(interview)
    response = client.get(url(invite))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_an_outsider_gets_404(login, outsider, interview):
    invite = completed(interview)
    assert login(outsider).get(url(invite)).status_code == 404
    answer = add_answers(invite, 1)[0]
    assert login(outsider).get(url(invite, "answer_media", answer.pk)).status_code == 404


def test_a_hiring_manager_not_a_reviewer_gets_404(login, hiring_manager, interview):
    invite = completed(interview)
    assert login(hiring_manager).get(url(invite)).status_code == 404
    interview.reviewers.add(hiring_manager)
    assert login(hiring_manager).get(url(invite)).status_code == 200


def test_a_malformed_id_is_404(login, recruiter):
    assert login(recruiter).get("/invites/not-a-uuid/review/").status_code == 404


@pytest.mark.parametrize("answers", [3, 12])
def test_it_makes_a_constant_number_of_queries(
    login, recruiter, interview, answers, django_assert_max_num_queries
):
    invite = completed(interview)
    add_answers(invite, answers)
    other = MembershipFactory(team=interview.team).user
    scorecard_save(
        invite=invite,
        reviewer=other,
        ratings=[
            {"criterion": c.pk, "score": 3} for c in interview.scorecard_template.criteria.all()
        ],
        recommendation="yes",
        notes="",
        submit=True,
    )
    ScorecardFactory(candidate_interview=invite, reviewer=recruiter, submitted_at=timezone.now())
    client = login(recruiter)
    # 23 + outside reviewers' ratings + integrity facts
    with django_assert_max_num_queries(25):
        response = client.get(url(invite))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="question"') == answers + 1


# --- media


def test_it_serves_an_answers_media_with_ranges(login, recruiter, interview):
    invite = completed(interview)
    answer = add_answers(invite, 1)[0]
    response = login(recruiter).get(
        url(invite, "answer_media", answer.pk), headers={"Range": "bytes=0-9"}
    )
    assert response.status_code == 206
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Range"] == f"bytes 0-9/{answer.media.size}"
    assert b"".join(response.streaming_content) == answer.media.open("rb").read(10)


def test_an_answer_without_media_is_404(login, recruiter, interview):
    invite = completed(interview)
    answer = AnswerFactory(candidate_interview=invite)
    assert login(recruiter).get(url(invite, "answer_media", answer.pk)).status_code == 404


def test_another_invites_answer_is_404(login, recruiter, interview):
    invite = completed(interview)
    answer = add_answers(completed(interview), 1)[0]
    assert login(recruiter).get(url(invite, "answer_media", answer.pk)).status_code == 404


# --- scorecards


def ratings_post(criteria, scores, action="submit", recommendation="yes"):
    data = {"action": action, "recommendation": recommendation, "notes": "Solid."}
    for criterion, score in zip(criteria, scores, strict=True):
        data[f"score_{criterion.pk}"] = str(score)
        data[f"note_{criterion.pk}"] = f"note {score}"
    return data


def test_scorecards_are_blind_until_submitted(
    login, recruiter, hiring_manager, interview, criteria
):
    interview.reviewers.add(hiring_manager)
    invite = completed(interview)
    other = MembershipFactory(team=interview.team, user__full_name="Olga Other").user
    scorecard_save(
        invite=invite,
        reviewer=other,
        ratings=[
            {"criterion": criteria[0].pk, "score": 5},
            {"criterion": criteria[1].pk, "score": 1, "note": "SECRET-NOTE"},
        ],
        recommendation="strong_yes",
        notes="OLGA-NOTES",
        submit=True,
    )
    client = login(hiring_manager)
    html = client.get(url(invite)).content.decode()
    assert "1 other reviewer submitted" in html
    for hidden in ("SECRET-NOTE", "OLGA-NOTES", "Olga Other", 'data-testid="aggregate"'):
        assert hidden not in html

    # A draft does not unlock them.
    client.post(url(invite, "review_scorecard"), ratings_post(criteria, [3, ""], action="draft"))
    assert "SECRET-NOTE" not in client.get(url(invite)).content.decode()

    response = client.post(url(invite, "review_scorecard"), ratings_post(criteria, [3, 3]))
    assert response.status_code == 302
    html = client.get(url(invite)).content.decode()
    for shown in ("SECRET-NOTE", "OLGA-NOTES", "Olga Other"):
        assert shown in html
    # Communication: (5 + 3) / 2 = 4.0; problem solving (1 + 3) / 2 = 2.0; overall 3.0.
    assert '<td class="text-end" data-testid="aggregate-mean">4.0</td>' in html
    assert '<td class="text-end" data-testid="aggregate-mean">2.0</td>' in html
    assert 'data-testid="human-overall">3.0' in html
    assert "Strong yes: <strong>1</strong>" in html
    assert "Yes: <strong>1</strong>" in html


def test_it_saves_a_draft_then_submits(login, recruiter, interview, criteria):
    invite = completed(interview)
    client = login(recruiter)
    client.post(url(invite, "review_scorecard"), ratings_post(criteria, [2, ""], action="draft"))
    card = Scorecard.objects.get(candidate_interview=invite, reviewer=recruiter)
    assert card.submitted_at is None
    assert [r.score for r in card.ratings.all()] == [2]
    client.post(url(invite, "review_scorecard"), ratings_post(criteria, [4, 5]))
    card.refresh_from_db()
    assert card.submitted_at is not None
    assert [(r.score, r.note) for r in card.ratings.all()] == [(4, "note 4"), (5, "note 5")]
    assert AuditEvent.objects.filter(action="scorecard.submitted").count() == 1


def test_submitting_needs_every_criterion_and_a_recommendation(
    login, recruiter, interview, criteria
):
    invite = completed(interview)
    response = login(recruiter).post(
        url(invite, "review_scorecard"), ratings_post(criteria, [4, ""], recommendation="")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Problem solving: rate it from 1 to 5 to submit." in html
    assert "Choose a recommendation to submit." in html
    assert not Scorecard.objects.exists()


@pytest.mark.parametrize("bad", ["0", "6", "x"])
def test_a_score_out_of_range_is_an_error_next_to_the_field(
    login, recruiter, interview, criteria, bad
):
    invite = completed(interview)
    response = login(recruiter).post(
        url(invite, "review_scorecard"), ratings_post(criteria, [bad, 3])
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_score_{criteria[0].pk}-error"' in html
    assert f"Communication: choose a score from 1 to 5 (got {bad})." in html
    assert not Scorecard.objects.exists()
    assert not Rating.objects.exists()


def test_an_unknown_criterion_is_an_error_naming_the_field(recruiter, interview, criteria):
    invite = completed(interview)
    stranger = ScorecardCriterionFactory()  # another interview's criterion
    with pytest.raises(ValidationError) as exc:
        scorecard_save(
            invite=invite,
            reviewer=recruiter,
            ratings=[
                {"criterion": criteria[0].pk, "score": 3},
                {"criterion": stranger.pk, "score": 3},
            ],
            recommendation="yes",
            notes="",
            submit=False,
        )
    assert f"score_{stranger.pk}" in exc.value.message_dict
    assert not Scorecard.objects.exists()


def test_an_unknown_criterion_posted_is_an_error(login, recruiter, interview, criteria):
    invite = completed(interview)
    data = ratings_post(criteria, [3, 3])
    data["score_1234"] = "3"
    response = login(recruiter).post(url(invite, "review_scorecard"), data)
    assert response.status_code == 400
    assert "score_1234: not a criterion" in response.content.decode()
    assert not Scorecard.objects.exists()


def test_an_htmx_save_swaps_the_scorecard_panel(login, recruiter, interview, criteria):
    invite = completed(interview)
    response = login(recruiter).post(
        url(invite, "review_scorecard"),
        ratings_post(criteria, [3, 4], action="draft"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card mb-4" id="scorecard-panel"')
    assert "Draft saved." in html
    assert "<html" not in html
    # The summary card above the answers is swapped out of band.
    assert 'id="human-summary" hx-swap-oob="true"' in html


def test_the_page_shows_the_anchors(login, recruiter, interview, criteria):
    invite = completed(interview)
    html = login(recruiter).get(url(invite)).content.decode()
    assert "Meets the bar" in html
    assert f'name="score_{criteria[0].pk}"' in html


# --- AI score overrides


def test_an_override_needs_a_reason_and_keeps_both_scores(login, recruiter, interview):
    invite = completed(interview)
    add_answers(invite, 1)
    score = CriterionScore.objects.get(criterion_name="Clarity")
    with pytest.raises(ValidationError) as exc:
        criterion_score_override(score=score, value=4, reason="  ", by=recruiter)
    assert "reason" in exc.value.message_dict
    score.refresh_from_db()
    assert score.override_score is None

    client = login(recruiter)
    prefix = f"o{score.pk}"
    response = client.post(
        url(invite, "review_override", score.pk),
        {f"{prefix}-value": "4", f"{prefix}-reason": ""},
        headers={"HX-Request": "true"},
    )
    assert "This field is required." in response.content.decode()
    score.refresh_from_db()
    assert score.override_score is None

    client.post(
        url(invite, "review_override", score.pk),
        {f"{prefix}-value": "4", f"{prefix}-reason": "Gave a concrete example at 1:20."},
    )
    score.refresh_from_db()
    assert (score.score, score.override_score) == (2, 4)
    assert score.overridden_by == recruiter
    html = client.get(url(invite)).content.decode()
    name = recruiter.display_name
    assert f"AI 2 → 4 by {name}: Gave a concrete example at 1:20." in html
    event = AuditEvent.objects.get(action="evaluation.score_overridden")
    assert (event.data["ai_score"], event.data["override"]) == (2, 4)


@pytest.mark.parametrize("value", [0, 6])
def test_an_override_score_must_be_1_to_5(recruiter, interview, value):
    score = CriterionScoreFactory(evaluation__candidate_interview=completed(interview))
    with pytest.raises(ValidationError) as exc:
        criterion_score_override(score=score, value=value, reason="why", by=recruiter)
    assert "value" in exc.value.message_dict


def test_another_invites_score_cannot_be_overridden(login, recruiter, interview):
    invite = completed(interview)
    score = CriterionScoreFactory(evaluation__candidate_interview=completed(interview))
    response = login(recruiter).post(
        url(invite, "review_override", score.pk),
        {f"o{score.pk}-value": "4", f"o{score.pk}-reason": "x"},
    )
    assert response.status_code == 404


# --- comments


def test_a_mention_emails_only_the_mentioned_member(
    login, recruiter, admin_user, hiring_manager, interview, django_capture_on_commit_callbacks
):
    admin_user.full_name = "Jane Doe"
    admin_user.save()
    invite = completed(interview)
    answer = add_answers(invite, 1)[0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(recruiter).post(
            url(invite, "review_comment"),
            {"answer": str(answer.pk), "body": "@jane.doe listen to 0:40. cc @nobody"},
        )
    assert response.status_code == 302
    comment = Comment.objects.get(body__startswith="@jane.doe")
    assert list(comment.mentions.all()) == [admin_user]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin_user.email]
    assert url(invite) + f"#answer-{answer.pk}" in message.body
    assert "listen to 0:40" in message.body


def test_a_mention_by_email_works_and_ignores_members_who_cannot_see(
    recruiter, admin_user, hiring_manager, interview, django_capture_on_commit_callbacks
):
    invite = completed(interview)
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(
            invite=invite,
            answer=None,
            author=recruiter,
            body=f"@{admin_user.email} and @{hiring_manager.email}, thoughts?",
        )
    # The hiring manager is not a reviewer of this interview: not mentioned, not emailed.
    assert list(comment.mentions.all()) == [admin_user]
    assert [m.to for m in mail.outbox] == [[admin_user.email]]


def test_mentions_are_parsed_from_text(recruiter, admin_user):
    admin_user.full_name = "Jane Doe"
    recruiter.full_name = ""
    assert mentions_in("Hi @Jane.Doe.", [recruiter, admin_user]) == [admin_user]
    assert mentions_in(f"({'@' + recruiter.email})", [recruiter, admin_user]) == [recruiter]
    assert mentions_in("mail jane@jane.doe", [admin_user]) == []


def test_an_htmx_comment_swaps_the_thread(login, recruiter, interview):
    invite = completed(interview)
    response = login(recruiter).post(
        url(invite, "review_comment"), {"body": "Overall good."}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="comments-general"')
    assert "Overall good." in html


def test_an_empty_comment_is_an_error(login, recruiter, interview):
    invite = completed(interview)
    response = login(recruiter).post(
        url(invite, "review_comment"), {"body": "  "}, headers={"HX-Request": "true"}
    )
    assert "invalid-feedback" in response.content.decode()
    assert not Comment.objects.exists()


def test_only_the_author_deletes_a_comment(login, recruiter, admin_user, interview):
    invite = completed(interview)
    mine = CommentFactory(candidate_interview=invite, author=recruiter)
    theirs = CommentFactory(candidate_interview=invite, author=admin_user)
    client = login(recruiter)
    assert client.post(url(invite, "review_comment_delete", theirs.pk)).status_code == 403
    assert client.post(url(invite, "review_comment_delete", mine.pk)).status_code == 302
    assert list(Comment.objects.all()) == [theirs]
    with pytest.raises(PermissionDenied):
        comment_delete(comment=theirs, by=recruiter)


# --- decision


def test_the_recruiter_records_the_decision(login, recruiter, interview):
    invite = completed(interview)
    response = login(recruiter).post(url(invite, "review_decide"), {"decision": "advance"})
    assert response.status_code == 302
    invite.refresh_from_db()
    assert (invite.decision, invite.decided_by) == ("advance", recruiter)
    assert AuditEvent.objects.get(action="invite.decided").data["decision"] == "advance"
    assert 'data-testid="decision">Advance' in login(recruiter).get(url(invite)).content.decode()


def test_a_hiring_manager_cannot_decide(login, hiring_manager, interview):
    interview.reviewers.add(hiring_manager)
    invite = completed(interview)
    client = login(hiring_manager)
    assert client.post(url(invite, "review_decide"), {"decision": "reject"}).status_code == 403
    invite.refresh_from_db()
    assert invite.decision == ""
    html = client.get(url(invite)).content.decode()
    assert "Not decided yet." in html
    assert url(invite, "review_decide") not in html


def test_a_decision_needs_a_valid_choice_and_a_completed_interview(recruiter, interview):
    invite = completed(interview)
    with pytest.raises(ValidationError) as exc:
        candidate_interview_decide(invite=invite, decision="hire", by=recruiter)
    assert "decision" in exc.value.message_dict
    open_invite = CandidateInterviewFactory(interview=interview)
    with pytest.raises(ValidationError):
        candidate_interview_decide(invite=open_invite, decision="hold", by=recruiter)


def test_an_outsider_cannot_write(login, outsider, interview, criteria):
    invite = completed(interview)
    client = login(outsider)
    assert client.post(url(invite, "review_decide"), {"decision": "hold"}).status_code == 404
    assert (
        client.post(url(invite, "review_scorecard"), ratings_post(criteria, [3, 3])).status_code
        == 404
    )
    assert client.post(url(invite, "review_comment"), {"body": "hi"}).status_code == 404


# --- helpers


def test_mark_keywords_escapes_and_marks_whole_words():
    html = mark_keywords("<b>Django</b> djangonaut and DJANGO", ["django"])
    assert html == "&lt;b&gt;<mark>Django</mark>&lt;/b&gt; djangonaut and <mark>DJANGO</mark>"


# --- re-running the AI evaluation


def test_a_hiring_manager_cannot_rerun_the_evaluation(login, hiring_manager, interview):
    interview.reviewers.add(hiring_manager)
    invite = completed(interview)
    response = login(hiring_manager).post(url(invite, "review_rerun"))
    assert response.status_code == 403


def test_the_recruiter_reruns_an_answers_evaluation(
    login, recruiter, interview, django_capture_on_commit_callbacks
):
    invite = completed(interview)
    answer = add_answers(invite, 1, media=False)[0]
    with django_capture_on_commit_callbacks(execute=True):  # the re-run is a task, run eagerly
        response = login(recruiter).post(url(invite, "review_rerun"), {"answer": str(answer.pk)})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#answer-{answer.pk}")
    assert answer.evaluations.count() == 2
    assert answer.evaluations.get(is_current=True).version == 2
    page = login(recruiter).get(url(invite, "invite_review")).text
    assert 'data-testid="evaluation-history"' in page
    assert "Earlier evaluations (1)" in page
    assert "v2" in page


# --- what the AI figure rests on


def test_the_ai_card_says_what_the_figure_rests_on(login, recruiter, interview):
    from candidates.scores import candidate_scores

    invite = completed(interview)
    evaluated, abstained, refused, waiting = add_answers(invite, 4)
    for answer, status, error in (
        (abstained, "abstained", "Not enough evidence to advise: the answer has 7 words."),
        (refused, "refused", "There is no answer to evaluate: the transcript is empty."),
    ):
        answer.evaluations.update(status=status, overall_score=None, error=error)
    waiting.evaluations.all().delete()
    evaluated.evaluations.update(provider="offline", prompt_version="offline-2")

    html = login(recruiter).get(url(invite)).content.decode()

    scores = candidate_scores([invite])[invite.pk]
    assert scores.ai_answers == 1
    assert f'data-testid="ai-overall">{scores.ai_text}' in html
    assert "Rests on 1 of 4 answers evaluated" in html  # partial: marked, and the figure muted
    assert 'data-testid="ai-abstentions">1 with no advice' in html
    assert 'data-testid="ai-refusals">1 refused' in html
    assert 'data-testid="ai-waiting">1 not evaluated yet' in html
    assert "offline · multilingual-e5-small-q4 · prompt offline-2" in html
    assert 'data-testid="ai-abstained">No advice (not a low score, not counted): Not enough' in html


def test_the_ai_card_explains_a_candidate_with_no_advice(login, recruiter, interview):
    invite = completed(interview)
    (answer,) = add_answers(invite, 1)
    answer.evaluations.update(status="abstained", overall_score=None, error="Too short.")
    html = login(recruiter).get(url(invite)).content.decode()
    assert 'data-testid="ai-none">No AI advice for this candidate.' in html
    assert 'data-testid="ai-abstentions">1 with no advice' in html
    assert 'data-testid="ai-overall"' not in html
