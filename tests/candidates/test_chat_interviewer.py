"""The built-in text-chat AI interviewer: base questions, follow-ups from a real local
OpenAI-compatible server, turns, answers, resume and refusals."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Answer, CandidateInterview, Turn
from candidates.runner.chat import (
    FOLLOWUP_MAX_CHARS,
    FOLLOWUP_MAX_TOKENS,
    chat_mode_notice,
    chat_reply,
    chat_state,
    validate_followup,
)
from candidates.runner.services import RunnerClosed
from candidates.tokens import new_invite_token
from interviews.services.interviews import interview_question_add
from tests.factories import (
    AITextQuestionFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    RubricCriterionFactory,
    SurveyQuestionFactory,
)
from tests.speech.openai_server import CHAT, openai_server  # noqa: F401

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status

Q1 = "Tell us about a production incident you handled."
Q2 = "How do you decide what to cache?"
Q3 = "Walk us through your last code review."


@pytest.fixture(autouse=True)
def _no_llm(settings):
    settings.LLM_BASE_URL = ""


@pytest.fixture
def interview(team):
    interview = InterviewFactory(
        team=team,
        title="Backend engineer",
        interview_type="ai",
        ai_style="second-interview",
        ai_seniority="senior",
        ai_tone="professional",
        ai_followups_max=1,
    )
    first = AITextQuestionFactory(team=team, question_text=Q1)
    first.max_answer_length = 600
    first.save()
    RubricCriterionFactory(question=first, name="Ownership", strong_answer="Owns the fix.")
    weekends = SurveyQuestionFactory(team=team, question_text="Can you work weekends?")
    spoken = AudioQuestionFactory(team=team, question_script=Q2)
    third = AITextQuestionFactory(team=team, question_text=Q3)
    for q in (first, weekends, spoken, third):
        interview_question_add(interview=interview, question=q)
    return interview


@pytest.fixture
def invite_and_token(interview):
    token, digest = new_invite_token()
    return CandidateInterviewFactory(interview=interview, token_hash=digest), token


def start(client, token):
    client.get(reverse("candidates:runner_enter", args=[token]))
    client.post(reverse("candidates:runner_welcome"))
    client.post(reverse("candidates:runner_consent"), {"agree": "yes"})


def reply(client, invite, text="", htmx=False, **data):
    state = chat_state(invite=invite)
    payload = {"item": str(state.current.pk), "version": state.version, "text": text, **data}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("candidates:runner_chat"), payload, **headers)


def page(client):
    response = client.get(reverse("candidates:runner"))
    assert response.status_code == 200
    return response.content.decode()


def turns(invite):
    return list(
        Turn.objects.filter(candidate_interview=invite)
        .order_by("turn_number")
        .values_list("turn_number", "role", "content")
    )


def test_it_asks_each_base_question_as_written_and_hands_in(client, invite_and_token):
    invite, token = invite_and_token
    start(client, token)
    html = page(client)
    assert Q1 in html
    assert "Question 1 of 4" in html
    assert 'aria-live="polite"' in html

    assert (
        reply(client, invite, "I rolled back a bad deploy and wrote the postmortem.").status_code
        == 302
    )
    html = page(client)
    assert "Can you work weekends?" in html
    assert "Question 2 of 4" in html
    reply(client, invite, choice="YES")
    assert Q2 in page(client)
    reply(client, invite, "Hot reads that are expensive to compute, with a short TTL.")
    assert Q3 in page(client)
    reply(client, invite, "I asked for smaller pull requests and tests for the edge cases.")

    html = page(client)
    assert "Hand in my interview" in html
    assert "4 of 4 answered" in html
    assert [(n, role) for n, role, _c in turns(invite)] == [
        (n, "agent" if n % 2 else "candidate") for n in range(1, 9)
    ]
    contents = [c for _n, _r, c in turns(invite)]
    assert contents[0::2] == [Q1, "Can you work weekends?", Q2, Q3]
    assert contents[3] == "Yes"
    items = list(invite.interview.items.order_by("ordinal"))
    for item, text in zip(items, contents[1::2], strict=True):
        answer = Answer.objects.get(candidate_interview=invite, interview_question=item)
        assert answer.status == Answer.Status.SUBMITTED
        assert set(answer.turns.values_list("role", flat=True)) == {"agent", "candidate"}
        if item.kind != "survey":
            assert answer.text == text
            assert answer.processing["followups"]["status"] == "off"
    assert Answer.objects.get(interview_question=items[1]).text == "YES"

    response = client.post(reverse("candidates:runner_finish"))
    assert response["Location"] == reverse("candidates:runner_thanks")
    invite.refresh_from_db()
    assert invite.status == Status.COMPLETED


def test_it_answers_htmx_with_the_new_messages_and_the_next_reply_box(client, invite_and_token):
    invite, token = invite_and_token
    start(client, token)
    response = reply(client, invite, "We failed over to the replica.", htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "We failed over to the replica." in html
    assert "Can you work weekends?" in html
    assert Q1 not in html  # already on the page: only new messages are sent
    assert 'id="chat-composer"' in html
    assert 'hx-swap-oob="true"' in html
    assert "Question 2 of 4" in html


def test_it_shows_reply_errors_next_to_the_box(client, invite_and_token):
    invite, token = invite_and_token
    start(client, token)
    response = reply(client, invite, "   ")
    assert response.status_code == 422
    assert "Write a reply before you send it." in response.content.decode()
    too_long = reply(client, invite, "x" * 601, htmx=True)
    assert too_long.status_code == 422
    assert too_long["HX-Retarget"] == "#chat-composer"
    assert "the limit is 600" in too_long.content.decode()
    assert turns(invite) == []


def test_it_resumes_the_conversation_after_a_reload(client, invite_and_token):
    invite, token = invite_and_token
    start(client, token)
    reply(client, invite, "I paged the on-call and fixed the index.")
    reply(client, invite, choice="NO")
    other = type(client)()
    other.get(reverse("candidates:runner_enter", args=[token]))
    html = page(other)
    for text in (Q1, "I paged the on-call and fixed the index.", "Can you work weekends?", Q2):
        assert text in html
    assert "Question 3 of 4" in html
    assert html.index(Q1) < html.index("I paged the on-call") < html.index(Q2)


def test_it_ignores_a_stale_or_double_reply(client, invite_and_token):
    invite, token = invite_and_token
    start(client, token)
    state = chat_state(invite=invite)
    data = {"item": str(state.current.pk), "version": state.version, "text": "First try."}
    client.post(reverse("candidates:runner_chat"), data)
    again = client.post(reverse("candidates:runner_chat"), {**data, "text": "Second try."})
    assert again.status_code == 302
    assert [c for _n, _r, c in turns(invite)] == [Q1, "First try."]
    htmx = client.post(reverse("candidates:runner_chat"), data, HTTP_HX_REQUEST="true")
    assert htmx["HX-Refresh"] == "true"


def test_another_invites_session_cannot_post_into_this_chat(client, invite_and_token, team):
    invite, token = invite_and_token
    start(client, token)
    own_state = chat_state(invite=invite)
    other_interview = InterviewFactory(team=team, interview_type="ai")
    interview_question_add(interview=other_interview, question=AITextQuestionFactory(team=team))
    other_token, digest = new_invite_token()
    other = CandidateInterviewFactory(interview=other_interview, token_hash=digest)
    intruder = type(client)()
    start(intruder, other_token)
    response = intruder.post(
        reverse("candidates:runner_chat"),
        {"item": str(own_state.current.pk), "version": own_state.version, "text": "Hijack!"},
    )
    assert response.status_code == 302
    assert turns(invite) == []
    assert turns(other) == []
    assert not Answer.objects.filter(text__contains="Hijack").exists()


@pytest.mark.parametrize(
    ("status", "code"), [(Status.COMPLETED, 302), (Status.EXPIRED, 410), (Status.CANCELLED, 410)]
)
def test_it_refuses_replies_once_the_invite_is_closed(client, invite_and_token, status, code):
    invite, token = invite_and_token
    start(client, token)
    state = chat_state(invite=invite)
    CandidateInterview.objects.filter(pk=invite.pk).update(
        status=status, completed_at=timezone.now()
    )
    data = {"item": str(state.current.pk), "version": state.version, "text": "Late reply."}
    response = client.post(reverse("candidates:runner_chat"), data)
    assert response.status_code == code
    htmx = client.post(reverse("candidates:runner_chat"), data, HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == reverse("candidates:runner")
    assert turns(invite) == []
    invite.refresh_from_db()
    with pytest.raises(RunnerClosed):
        chat_reply(invite=invite, item_id=str(state.current.pk), version=0, text="Late.")


def test_it_refuses_replies_after_the_link_lapsed(client, invite_and_token):
    invite, token = invite_and_token
    start(client, token)
    state = chat_state(invite=invite)
    CandidateInterview.objects.filter(pk=invite.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    data = {"item": str(state.current.pk), "version": state.version, "text": "Late reply."}
    assert client.post(reverse("candidates:runner_chat"), data).status_code == 410
    assert turns(invite) == []


def test_a_standard_interview_keeps_its_question_pages(client, team):
    interview = InterviewFactory(team=team)
    interview_question_add(interview=interview, question=AITextQuestionFactory(team=team))
    token, digest = new_invite_token()
    CandidateInterviewFactory(interview=interview, token_hash=digest)
    start(client, token)
    html = page(client)
    assert "chat-log" not in html
    assert "Save and review" in html


def test_it_tells_the_recruiter_when_no_model_is_configured(interview, settings):
    assert "base questions only" in (chat_mode_notice(interview) or "")
    settings.LLM_BASE_URL = "http://127.0.0.1:9/v1"
    assert chat_mode_notice(interview) is None
    interview.interview_type = "standard"
    settings.LLM_BASE_URL = ""
    assert chat_mode_notice(interview) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"followUp": None}, None),
        ({"followUp": "  What was your part in it?  "}, "What was your part in it?"),
        ({"followUp": "¿Qué hiciste tú?"}, "¿Qué hiciste tú?"),
    ],
)
def test_it_accepts_a_question_or_null(value, expected):
    assert validate_followup(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        [],
        {"question": "Why?"},
        {"followUp": ""},
        {"followUp": 3},
        {"followUp": "Tell me more."},
        {"followUp": "W" * FOLLOWUP_MAX_CHARS + "?"},
    ],
)
def test_it_refuses_a_malformed_followup(value):
    with pytest.raises(ValueError, match="followUp"):
        validate_followup(value)


# --------------------------------------------------------------------------- with a model


def followup(text):
    return json.dumps({"followUp": text})


def test_it_asks_the_models_followup_and_stores_the_whole_exchange(
    client,
    invite_and_token,
    openai_server,  # noqa: F811
):
    invite, token = invite_and_token
    openai_server.chat_reply(followup("What did you change so it would not happen again?"))
    start(client, token)
    response = reply(client, invite, "I rolled back the deploy.", htmx=True)
    html = response.content.decode()
    assert "What did you change so it would not happen again?" in html
    assert "follow-up" in html
    assert "Question 1 of 4" in html

    [request] = openai_server.requests_to(CHAT)
    sent = "\n".join(m["content"] for m in request.json["messages"])
    for expected in (
        "second-round interview",
        "senior (experienced professional)",
        "professional: formal",
        Q1,
        "Ownership: Owns the fix.",
        "I rolled back the deploy.",
        "protected characteristic",
        "English",
    ):
        assert expected in sent
    assert request.json["response_format"] == {"type": "json_object"}

    # ai_followups_max is 1: the reply to the follow-up ends the exchange without asking again.
    reply(client, invite, "I added a canary stage to the pipeline.")
    assert len(openai_server.requests_to(CHAT)) == 1
    assert "Can you work weekends?" in page(client)
    assert [(r, c) for _n, r, c in turns(invite)] == [
        ("agent", Q1),
        ("candidate", "I rolled back the deploy."),
        ("agent", "What did you change so it would not happen again?"),
        ("candidate", "I added a canary stage to the pipeline."),
    ]
    answer = Answer.objects.get(candidate_interview=invite, interview_question__ordinal=1)
    assert answer.text == "I rolled back the deploy.\n\nI added a canary stage to the pipeline."
    assert answer.turns.count() == 4
    assert not answer.turns.filter(is_pending_question=True).exists()
    assert answer.processing["followups"]["status"] == "complete"
    assert answer.processing["followups"]["asked"] == 1


def test_it_asks_at_most_the_configured_number_of_followups(
    client,
    invite_and_token,
    interview,
    openai_server,  # noqa: F811
):
    invite, token = invite_and_token
    interview.ai_followups_max = 2
    interview.save()
    openai_server.chat_reply(followup("Which metric told you?"))
    openai_server.chat_reply(followup("Who did you tell?"))
    openai_server.chat_reply(followup("One more?"))  # must never be asked for
    start(client, token)
    reply(client, invite, "The error rate spiked.")
    reply(client, invite, "The p99 latency.")
    assert "Who did you tell?" in page(client)
    reply(client, invite, "My lead and the support team.")
    assert len(openai_server.requests_to(CHAT)) == 2
    html = page(client)
    assert "One more?" not in html
    assert "Can you work weekends?" in html
    # Survey questions get no follow-up; the spoken one does.
    reply(client, invite, choice="YES")
    assert len(openai_server.requests_to(CHAT)) == 2
    reply(client, invite, "Whatever is read often and changes rarely.")
    assert len(openai_server.requests_to(CHAT)) == 3
    assert "One more?" in page(client)


def test_the_model_declining_moves_on(client, invite_and_token, openai_server):  # noqa: F811
    invite, token = invite_and_token
    openai_server.chat_reply(followup(None))
    start(client, token)
    reply(client, invite, "A full, clear answer about the incident.")
    assert "Can you work weekends?" in page(client)
    answer = Answer.objects.get(candidate_interview=invite, interview_question__ordinal=1)
    assert answer.processing["followups"]["status"] == "complete"
    assert answer.processing["followups"]["asked"] == 0


def test_a_malformed_reply_moves_on_without_an_error(
    client,
    invite_and_token,
    openai_server,  # noqa: F811
    caplog,
):
    invite, token = invite_and_token
    openai_server.chat_reply("Sure! Here is a question: tell me more.", times=2)
    start(client, token)
    response = reply(client, invite, "I restarted the workers.", htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Can you work weekends?" in html
    assert "language model" not in html
    assert len(openai_server.requests_to(CHAT)) == 2  # asked again once, then gave up
    answer = Answer.objects.get(candidate_interview=invite, interview_question__ordinal=1)
    assert answer.text == "I restarted the workers."
    assert answer.processing["followups"]["status"] == "skipped"
    assert "usable" in answer.processing["followups"]["error"]
    assert "follow-up skipped" in caplog.text


def test_a_slow_or_failing_model_moves_on(
    client,
    invite_and_token,
    openai_server,  # noqa: F811
    settings,
):
    invite, token = invite_and_token
    settings.LLM_TIMEOUT = 1
    openai_server.chat_reply(followup("Too late?"), delay=3)
    openai_server.reply(CHAT, status=500, json={"error": {"message": "overloaded"}})
    start(client, token)
    response = reply(client, invite, "I restarted the workers.", htmx=True)
    assert response.status_code == 200
    assert "Can you work weekends?" in response.content.decode()
    assert "Too late?" not in page(client)
    reply(client, invite, choice="YES")
    response = reply(client, invite, "Read-heavy data.")
    assert response.status_code == 302
    assert Q3 in page(client)
    skipped = Answer.objects.filter(
        candidate_interview=invite, processing__followups__status="skipped"
    )
    assert skipped.count() == 2


def test_no_followup_when_the_limit_leaves_no_room(
    client,
    invite_and_token,
    interview,
    openai_server,  # noqa: F811
):
    invite, token = invite_and_token
    start(client, token)
    reply(client, invite, "x" * 580)
    assert openai_server.requests_to(CHAT) == []
    assert "Can you work weekends?" in page(client)


def test_a_survey_question_keeps_its_form_in_the_chat(client, invite_and_token):
    invite, token = invite_and_token
    start(client, token)
    reply(client, invite, "I rolled back the deploy.")
    html = page(client)
    assert 'name="choice"' in html
    refused = reply(client, invite, htmx=True)
    assert refused.status_code == 422
    assert "Choose Yes or No." in refused.content.decode()
    assert len(turns(invite)) == 2


def test_a_spoken_question_is_asked_as_text_and_its_answer_processed(
    client, invite_and_token, django_capture_on_commit_callbacks
):
    invite, token = invite_and_token
    start(client, token)
    reply(client, invite, "I rolled back the deploy.")
    reply(client, invite, choice="YES")
    assert chat_state(invite=invite).current.kind == "audio"
    with django_capture_on_commit_callbacks() as callbacks:
        reply(client, invite, "Whatever is read often and changes rarely.")
    assert callbacks
    answer = Answer.objects.get(candidate_interview=invite, interview_question__kind="audio")
    assert answer.text == "Whatever is read often and changes rarely."
    assert not answer.media
    assert answer.turns.first().content == Q2


def test_the_chat_page_query_count_does_not_grow_with_the_conversation(
    client, invite_and_token, django_assert_max_num_queries
):
    invite, token = invite_and_token
    start(client, token)
    reply(client, invite, "I rolled back the deploy.")
    with django_assert_max_num_queries(20) as short:
        page(client)
    baseline = len(short.captured_queries)
    reply(client, invite, choice="YES")
    reply(client, invite, "Read-heavy data.")
    with django_assert_max_num_queries(baseline):
        page(client)


# --------------------------------------------------------------------------- staying in bounds


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"followUp": "one question?"}, "placeholder"),
        ({"followUp": "One  Question?"}, "placeholder"),
        ({"followUp": "<your question>?"}, "placeholder"),
        ({"followUp": "Why did you roll back? And what did you tell the team?"}, "not several"),
        ({"followUp": "¿Por qué? ¿Y después?"}, "not several"),
        ({"followUp": f"{Q1[:-1]}?"}, "repeats a question already asked"),
        ({"followUp": "Which metric told you?"}, "repeats a question already asked"),
    ],
)
def test_it_refuses_the_placeholder_several_questions_and_repeats(value, problem):
    asked = [Q1, "Which metric told you?"]
    with pytest.raises(ValueError, match=problem):
        validate_followup(value, asked=asked)


def test_a_real_followup_about_the_answer_passes_beside_the_question():
    asked = [Q1]
    text = "What did the rollback cost the customers who were mid-checkout?"
    assert validate_followup({"followUp": text}, asked=asked) == text


def test_a_model_that_echoes_the_format_hint_asks_nothing(
    client,
    invite_and_token,
    openai_server,  # noqa: F811
):
    invite, token = invite_and_token
    openai_server.echo_format_hint(times=2)
    start(client, token)
    reply(client, invite, "I rolled back the deploy.")
    html = page(client)
    assert "one question?" not in html
    assert "Can you work weekends?" in html
    requests = openai_server.requests_to(CHAT)
    assert len(requests) == 2  # asked again once with the problem, then gave up
    assert {r.json["max_tokens"] for r in requests} == {FOLLOWUP_MAX_TOKENS}
    answer = Answer.objects.get(candidate_interview=invite, interview_question__ordinal=1)
    assert answer.processing["followups"]["status"] == "skipped"
    assert "placeholder" in answer.processing["followups"]["error"]
