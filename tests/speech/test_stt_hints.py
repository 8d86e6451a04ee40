"""Hints for the recogniser: the interview's keywords, the criterion names and the question reach
the real faster-whisper model (a spy records its arguments and calls through), stay bounded,
help it spell a keyword, and never put a keyword in a candidate's mouth."""

import pytest
from django.core.files.base import ContentFile

from candidates.services.processing import answer_process, transcription_hints
from speech.stt import (
    HOTWORDS_CHARS,
    PROMPT_CHARS,
    get_transcriber,
    hint_hotwords,
    hint_prompt,
    whisper_model,
)
from speech.tts import get_provider
from tests.factories import (
    AnswerFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewQuestionFactory,
    KeywordFactory,
    ScorecardCriterionFactory,
    ScorecardTemplateFactory,
)
from tests.speech.openai_server import TRANSCRIPTIONS

SAID = "We tuned the PostgreSQL index and updated the runbook."
HINTS = ("PostgreSQL", "runbook", "Kubernetes", "How do you keep a database fast?")


@pytest.fixture(scope="module")
def spoken():
    return get_provider("espeak").synthesize(SAID, voice="en-us", language="en", speed=1.0)


@pytest.fixture
def recogniser_calls(monkeypatch):
    """The keyword arguments of every call to the real English model's ``transcribe``."""
    model = whisper_model(language="en").model
    real = model.transcribe
    calls: list[dict] = []

    def spy(audio, **kwargs):
        calls.append(kwargs)
        return real(audio, **kwargs)

    monkeypatch.setattr(model, "transcribe", spy)
    return calls


def test_it_gives_the_hints_to_the_recogniser(recogniser_calls, spoken):
    transcript = get_transcriber("whisper").transcribe(spoken, language="en", hints=HINTS)

    [call] = recogniser_calls
    assert call["initial_prompt"] == (
        "How do you keep a database fast? Keywords: PostgreSQL, runbook, Kubernetes."
    )
    assert call["hotwords"] == "PostgreSQL, runbook, Kubernetes"
    assert call["language"] == "en"
    # tiny.en alone writes "post-garescue L"; told to expect it, it spells the keyword.
    assert "PostgreSQL" in transcript.text, transcript.text


def test_without_hints_the_recogniser_gets_no_prompt(recogniser_calls, spoken):
    get_transcriber("whisper").transcribe(spoken, language="en")

    [call] = recogniser_calls
    assert (call["initial_prompt"], call["hotwords"]) == (None, None)


def test_it_puts_no_keyword_in_a_candidates_mouth(recogniser_calls):
    other = get_provider("espeak").synthesize(
        "My favourite hobby is baking bread.", voice="en-us", language="en", speed=1.0
    )
    text = get_transcriber("whisper").transcribe(other, language="en", hints=HINTS).text.lower()

    assert recogniser_calls[0]["hotwords"]
    assert not {"postgresql", "runbook", "kubernetes", "database"} & set(text.split()), text


def test_the_prompt_and_hot_words_are_bounded_and_deduplicated():
    keywords = [f"keyword{n}" for n in range(200)]
    question = "Describe " + "a very long question " * 60
    hints = ["PostgreSQL", " postgresql ", "", "Index", "index", *keywords, question]

    prompt = hint_prompt(hints)
    hotwords = hint_hotwords(hints)

    assert len(prompt) <= PROMPT_CHARS
    assert len(hotwords) <= HOTWORDS_CHARS
    assert prompt.startswith("Keywords: PostgreSQL, Index, keyword0, keyword1,")
    assert prompt.endswith(".")
    assert hotwords.startswith("PostgreSQL, Index, keyword0,")
    assert prompt.lower().count("postgresql") == hotwords.lower().count("postgresql") == 1
    assert "question" not in hotwords
    # A question that does not fit is cut at a word, after the keywords have their room.
    short = hint_prompt(["PostgreSQL", question])
    assert len(short) <= PROMPT_CHARS
    assert short.startswith("Describe a very long question a very")
    assert short.endswith(" Keywords: PostgreSQL.")
    assert hint_prompt([]) == hint_hotwords([]) == ""
    assert hint_prompt(["  ", ""]) == ""


def test_the_openai_transcriber_sends_the_hints_as_the_prompt(openai_server, spoken):
    openai_server.reply(TRANSCRIPTIONS, json={"text": SAID}, times=2)
    transcriber = get_transcriber("openai")

    transcriber.transcribe(spoken, language="en", hints=HINTS)
    transcriber.transcribe(spoken, language="en")

    with_hints, without = openai_server.requests
    assert with_hints.form["prompt"] == hint_prompt(HINTS)
    assert "prompt" not in without.form


@pytest.mark.django_db
def test_processing_an_answer_hints_the_interviews_keywords(
    recogniser_calls, spoken, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    invite = CandidateInterviewFactory()
    KeywordFactory(interview=invite.interview, text="PostgreSQL")
    template = ScorecardTemplateFactory(interview=invite.interview)
    ScorecardCriterionFactory(template=template, name="Database tuning")
    audio = AudioQuestionFactory(
        team=invite.team, question_script="How do you keep a database fast?"
    )
    item = InterviewQuestionFactory(interview=invite.interview, audio_question=audio)
    answer = AnswerFactory(candidate_interview=invite, interview_question=item, text="")
    answer.media.save("answer.wav", ContentFile(spoken))
    assert transcription_hints(answer) == [
        "PostgreSQL",
        "Database tuning",
        "How do you keep a database fast?",
    ]

    processed = answer_process(answer_id=answer.pk)

    assert processed.processing["transcribe"]["status"] == "done", processed.processing
    [call] = recogniser_calls
    assert "PostgreSQL" in call["hotwords"]
    assert "Database tuning" in call["hotwords"]
    assert call["initial_prompt"] == (
        "How do you keep a database fast? Keywords: PostgreSQL, Database tuning."
    )
    assert [h["keyword"] for h in processed.keyword_hits] == ["PostgreSQL"]
