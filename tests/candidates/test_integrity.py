"""Integrity as evidence, not surveillance (issue 18, item 8): off by default; the candidate is
told on the consent page; the browser's reports (page hidden, paste) are bounded and refused
for a candidate who was not told; near-duplicates are found by the real embedding model in the
processing pipeline, both ways, never for the human-only lane; reviewers see facts with times,
never a score; nothing changes a status."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Answer, AnswerEmbedding, CandidateInterview, IntegrityFact
from candidates.services.integrity import (
    NEAR_DUPLICATE_AT,
    near_duplicates_find,
)
from candidates.services.processing import answer_process
from candidates.tokens import new_invite_token
from interviews.models import Interview
from interviews.services.interviews import interview_question_add
from kit import limits
from tests.factories import (
    AITextQuestionFactory,
    AnswerFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
)

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status
Kind = IntegrityFact.Kind

COPIED = (
    "In my last role I led the migration of our billing system from a monolith to services. "
    "I started by mapping every dependency, then moved the invoice generation first because "
    "it had the clearest boundaries, and I kept both paths running in parallel for a month "
    "while we compared the outputs line by line before switching over."
)
COPIED_AGAIN = COPIED.replace("for a month", "for four weeks").replace("I started", "We started")
OWN_WORDS = (
    "Honestly the hardest project was a warehouse app for a small shop: the owner kept "
    "changing what he wanted, so I set up a weekly call, wrote down every decision in a shared "
    "document and showed him a working screen each Friday, which finally stopped the surprises "
    "and we shipped it in spring without any more arguments."
)


@pytest.fixture
def interview(team):
    interview = InterviewFactory(team=team, integrity_facts=True)
    written = AITextQuestionFactory(team=team, question_text="Tell us about a migration.")
    interview_question_add(interview=interview, question=written)
    audio = AudioQuestionFactory(team=team, question_script="Introduce yourself.")
    interview_question_add(interview=interview, question=audio)
    return interview


def items(interview):
    written, audio = interview.items.order_by("ordinal")
    return written, audio


def started(client, interview, *, consent=True):
    token, digest = new_invite_token()
    invite = CandidateInterviewFactory(interview=interview, token_hash=digest)
    client.get(reverse("candidates:runner_enter", args=[token]))
    client.post(reverse("candidates:runner_welcome"))
    if consent:
        client.post(reverse("candidates:runner_consent"), {"agree": "yes"})
    invite.refresh_from_db()
    return invite


def report(client, item, **data):
    return client.post(reverse("candidates:runner_integrity_fact", args=[item.pk]), data)


# ---------------------------------------------------------------- told first, off by default


def test_it_is_off_by_default(team):
    assert Interview().integrity_facts is False
    assert InterviewFactory(team=team).integrity_facts is False


def test_the_candidate_is_told_on_the_consent_page_and_it_is_recorded(client, interview):
    invite = started(client, interview, consent=False)
    page = client.get(reverse("candidates:runner")).content.decode()
    assert 'data-testid="integrity-notice"' in page
    assert "when this page was hidden" in page
    assert "Nothing is read from your face, voice or emotions" in page
    client.post(reverse("candidates:runner_consent"), {"agree": "yes"})
    invite.refresh_from_db()
    assert invite.integrity_told_at == invite.consented_at is not None
    # The question page carries the reporting address only now.
    client.post(reverse("candidates:runner_device"))
    client.post(reverse("candidates:runner_practice"))
    question = client.get(reverse("candidates:runner")).content.decode()
    written, _audio = items(interview)
    assert reverse("candidates:runner_integrity_fact", args=[written.pk]) in question


def test_an_interview_without_it_tells_nothing_and_notes_nothing(client, team):
    interview = InterviewFactory(team=team)
    interview_question_add(interview=interview, question=AITextQuestionFactory(team=team))
    invite = started(client, interview, consent=False)
    assert 'data-testid="integrity-notice"' not in client.get(reverse("candidates:runner")).text
    client.post(reverse("candidates:runner_consent"), {"agree": "yes"})
    invite.refresh_from_db()
    assert invite.integrity_told_at is None
    [item] = interview.items.all()
    assert "data-integrity" not in client.get(reverse("candidates:runner")).text
    response = report(client, item, kind="paste", characters="40")
    assert response.status_code == 403
    assert not IntegrityFact.objects.exists()


def test_turning_it_on_after_a_candidate_started_does_not_observe_them(client, team):
    interview = InterviewFactory(team=team)
    interview_question_add(interview=interview, question=AITextQuestionFactory(team=team))
    started(client, interview)
    Interview.objects.filter(pk=interview.pk).update(integrity_facts=True)
    [item] = interview.items.all()
    assert report(client, item, kind="page_hidden", seconds="30").status_code == 403
    assert not IntegrityFact.objects.exists()


# ---------------------------------------------------------------- the browser's reports


def test_page_hidden_and_paste_are_noted_with_their_times(client, interview):
    invite = started(client, interview)
    written, audio = items(interview)
    before = timezone.now()
    assert report(client, written, kind="paste", characters="312").status_code == 204
    assert report(client, audio, kind="page_hidden", seconds="42").status_code == 204
    paste, hidden = IntegrityFact.objects.filter(candidate_interview=invite).order_by("pk")
    assert (paste.kind, paste.characters, paste.seconds) == (Kind.PASTE, 312, None)
    assert paste.interview_question == written
    assert (hidden.kind, hidden.seconds, hidden.interview_question) == (Kind.PAGE_HIDDEN, 42, audio)
    # When the page was hidden from: 42 seconds before the report.
    assert before - timedelta(seconds=43) <= hidden.occurred_at <= timezone.now()
    assert hidden.occurred_at < paste.occurred_at
    # Nothing else changed.
    invite.refresh_from_db()
    assert invite.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "keystrokes", "seconds": "3"}, "kind", "kind must be page_hidden or paste."),
        ({"kind": "page_hidden", "seconds": "soon"}, "seconds", "seconds must be a whole number."),
        ({"kind": "page_hidden", "seconds": "0"}, "seconds", "seconds must be at least 1."),
        ({"kind": "page_hidden"}, "seconds", "seconds must be a whole number."),
        ({"kind": "paste", "characters": "-5"}, "characters", "characters must be at least 1."),
    ],
)
def test_bad_reports_name_the_field_and_save_nothing(client, interview, data, field, message):
    started(client, interview)
    written, _audio = items(interview)
    response = report(client, written, **data)
    assert response.status_code == 400
    assert response.json() == {"errors": {field: [message]}}
    assert not IntegrityFact.objects.exists()


def test_a_paste_is_noted_only_for_a_written_answer(client, interview):
    started(client, interview)
    _written, audio = items(interview)
    response = report(client, audio, kind="paste", characters="10")
    assert response.status_code == 400
    assert response.json()["errors"] == {"kind": ["paste is noted only for a written answer."]}


def test_a_long_absence_counts_as_a_day_at_most(client, interview):
    started(client, interview)
    written, _audio = items(interview)
    assert report(client, written, kind="page_hidden", seconds="9999999").status_code == 204
    assert IntegrityFact.objects.get().seconds == limits.INTEGRITY_SECONDS


def test_a_question_of_another_interview_is_a_404(client, interview, team):
    started(client, interview)
    other = InterviewFactory(team=team)
    interview_question_add(interview=other, question=AITextQuestionFactory(team=team))
    [foreign] = other.items.all()
    assert report(client, foreign, kind="paste", characters="3").status_code == 404
    assert not IntegrityFact.objects.exists()


def test_the_reports_of_one_invite_are_capped(client, interview, monkeypatch):
    monkeypatch.setattr(limits, "INTEGRITY_FACTS", 3)
    started(client, interview)
    written, _audio = items(interview)
    codes = [report(client, written, kind="page_hidden", seconds="2").status_code for _ in range(5)]
    assert codes == [204, 204, 204, 429, 429]
    assert IntegrityFact.objects.count() == 3


def test_a_burst_of_reports_is_rate_limited(client, interview):
    started(client, interview)
    written, _audio = items(interview)
    codes = [report(client, written, kind="paste", characters="2").status_code for _ in range(32)]
    assert codes.count(204) == 30
    assert codes[-2:] == [429, 429]


def test_a_report_needs_the_candidates_session(client, interview):
    written, _audio = items(interview)
    assert report(client, written, kind="paste", characters="3").status_code == 403
    assert not IntegrityFact.objects.exists()


# ---------------------------------------------------------------- near-duplicates


def told(interview, **kwargs):
    invite = CandidateInterviewFactory(
        interview=interview, status=Status.COMPLETED, completed_at=timezone.now(), **kwargs
    )
    CandidateInterview.objects.filter(pk=invite.pk).update(integrity_told_at=timezone.now())
    invite.refresh_from_db()
    return invite


def answered(interview, text, **kwargs):
    written, _audio = items(interview)
    return AnswerFactory(
        candidate_interview=told(interview, **kwargs),
        interview_question=written,
        text=text,
        status=Answer.Status.SUBMITTED,
    )


def test_the_pipeline_notes_a_near_duplicate_on_both_answers_and_changes_nothing(interview):
    first = answered(interview, COPIED)
    other = answered(interview, OWN_WORDS)
    processed = answer_process(answer_id=first.pk)
    assert processed.processing["similar"]["status"] == "done"
    answer_process(answer_id=other.pk)
    assert not IntegrityFact.objects.exists()  # different answers: nothing noted

    copy = answered(interview, COPIED_AGAIN)
    processed = answer_process(answer_id=copy.pk)

    assert processed.status == Answer.Status.PROCESSED
    facts = IntegrityFact.objects.filter(kind=Kind.NEAR_DUPLICATE).order_by("pk")
    pairs = {(f.answer_id, f.similar_answer_id) for f in facts}
    assert pairs == {(copy.pk, first.pk), (first.pk, copy.pk)}
    similarity = facts[0].similarity
    assert similarity is not None
    assert similarity >= Decimal(str(NEAR_DUPLICATE_AT))
    assert {f.candidate_interview_id for f in facts} == {
        copy.candidate_interview_id,
        first.candidate_interview_id,
    }
    # Evidence only: the statuses stay as they were.
    assert set(
        CandidateInterview.objects.filter(
            pk__in=[copy.candidate_interview_id, first.candidate_interview_id]
        ).values_list("status", flat=True)
    ) == {Status.COMPLETED}
    # Found again (a re-run): not noted twice.
    near_duplicates_find(answer=processed)
    assert IntegrityFact.objects.filter(kind=Kind.NEAR_DUPLICATE).count() == 2


def test_short_answers_the_human_only_lane_and_untold_candidates_are_not_compared(interview):
    first = answered(interview, COPIED)
    near_duplicates_find(answer=first)
    short = answered(interview, "I migrated billing.")
    near_duplicates_find(answer=short)
    declined = answered(interview, COPIED_AGAIN, ai_declined_at=timezone.now())
    assert "similar" not in answer_process(answer_id=declined.pk).processing
    untold_invite = CandidateInterviewFactory(
        interview=interview, status=Status.COMPLETED, completed_at=timezone.now()
    )
    written, _audio = items(interview)
    untold = AnswerFactory(
        candidate_interview=untold_invite, interview_question=written, text=COPIED
    )
    assert "similar" not in answer_process(answer_id=untold.pk).processing
    assert not IntegrityFact.objects.exists()
    # Nor kept for later comparisons.
    assert set(AnswerEmbedding.objects.values_list("answer_id", flat=True)) == {first.pk}


def test_the_same_person_invited_twice_is_not_another_candidate(interview):
    first = answered(interview, COPIED)
    near_duplicates_find(answer=first)
    again = answered(interview, COPIED, candidate=first.candidate_interview.candidate)
    near_duplicates_find(answer=again)
    assert not IntegrityFact.objects.exists()


# ---------------------------------------------------------------- what reviewers see


def test_the_review_page_shows_facts_with_times_and_no_score(login, recruiter, interview):
    first = answered(interview, COPIED)
    copy = answered(interview, COPIED_AGAIN)
    near_duplicates_find(answer=first)
    near_duplicates_find(answer=copy)
    written, _audio = items(interview)
    IntegrityFact.objects.create(
        candidate_interview=copy.candidate_interview,
        interview_question=written,
        kind=Kind.PASTE,
        characters=1234,
        occurred_at=timezone.now(),
    )
    url = reverse("candidates:invite_review", args=[copy.candidate_interview_id])
    page = login(recruiter).get(url).content.decode()
    box = page.split('data-testid="integrity-facts"')[1].split("</div>")[0]
    assert "1,234 characters were pasted into the answer." in box
    assert "Nearly identical (similarity" in box
    other = reverse("candidates:invite_review", args=[first.candidate_interview_id])
    assert f'{other}#answer-{first.pk}"' in box
    assert "<time datetime=" in box
    assert "score" not in box.lower().replace("not a score", "")


def test_a_review_page_without_facts_shows_no_box(login, recruiter, interview):
    answer = answered(interview, OWN_WORDS)
    url = reverse("candidates:invite_review", args=[answer.candidate_interview_id])
    assert 'data-testid="integrity-facts"' not in login(recruiter).get(url).text


# ---------------------------------------------------------------- the interview setting


def test_the_interview_form_turns_it_on(login, recruiter, team):
    interview = InterviewFactory(team=team)
    data = {
        "title": interview.title,
        "interview_type": "standard",
        "language": "en",
        "status": 0,
        "visibility": "invite",
        "recording_mode": "video",
        "think_time_seconds": 30,
        "answer_time_seconds": 120,
        "retakes_allowed": 1,
        "attempts_allowed": 1,
        "integrity_facts": "on",
    }
    client = login(recruiter)
    response = client.post(reverse("interviews:interview_edit", args=[interview.pk]), data)
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.integrity_facts is True
    detail = client.get(reverse("interviews:interview_detail", args=[interview.pk])).text
    assert "Noted (candidates told)" in detail


# ---------------------------------------------------------------- the candidate's decision file


def test_the_decision_file_says_how_many_facts_were_noted_never_which(interview):
    from candidates.selectors_decision_files import decision_file_compose, decision_file_text
    from tests.factories import IntegrityFactFactory

    invite = told(interview)
    for _ in range(2):
        IntegrityFactFactory(candidate_interview=invite)
    text = decision_file_text(decision_file_compose(invite=invite, language="en"))
    assert "== Integrity facts ==" in text
    assert "2 facts were noted for the reviewers" in text
    french = decision_file_text(decision_file_compose(invite=invite, language="fr"))
    assert "2 faits ont été notés" in french
    untold = CandidateInterviewFactory(
        interview=interview, status=Status.COMPLETED, completed_at=timezone.now()
    )
    assert "Integrity facts" not in decision_file_text(decision_file_compose(invite=untold))
