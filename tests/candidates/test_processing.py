"""The answer-processing pipeline: survey scoring, keyword spotting, transcription, steps."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from candidates.models import Answer, CandidateInterview, Evaluation, Turn
from candidates.services.processing import (
    answer_process,
    keywords_find,
    survey_answer_score,
)
from interviews.models import InterviewQuestion, SurveyQuestion
from speech.tts import get_provider
from tests.factories import (
    AnswerFactory,
    AudioQuestionFactory,
    CandidateInterviewFactory,
    InterviewQuestionFactory,
    KeywordFactory,
    SurveyOptionFactory,
    SurveyQuestionFactory,
)
from tests.speech.media_helpers import tone

pytestmark = pytest.mark.django_db
SurveyType = SurveyQuestion.SurveyType

SPOKEN = (
    "I deployed our Django application with Docker containers. "
    "Then I wrote automated tests in Python for every release."
)


# ---------------------------------------------------------------- survey scoring


@pytest.fixture
def invite():
    return CandidateInterviewFactory()


def _survey(invite, survey_type, *, knockout=False, options=(), **question):
    survey = SurveyQuestionFactory(
        team=invite.team,
        survey_type=survey_type,
        preferred_option=question.pop("preferred_option", ""),
        **question,
    )
    made = [
        SurveyOptionFactory(question=survey, text=text, weight=weight, is_preferred=preferred)
        for text, weight, preferred in options
    ]
    item = InterviewQuestionFactory(
        interview=invite.interview,
        kind=InterviewQuestion.Kind.SURVEY,
        audio_question=None,
        survey_question=survey,
        knockout=knockout,
    )
    return item, made


def _answer(invite, item, *, text="", chosen=()):
    answer = AnswerFactory(candidate_interview=invite, interview_question=item, text=text)
    answer.selected_options.set(chosen)
    return answer


def test_it_scores_a_single_choice_by_the_chosen_options_weight(invite):
    item, (low, high) = _survey(
        invite,
        SurveyType.MULTIPLE_CHOICE_WEIGHTED,
        options=[("Junior", Decimal(1), False), ("Senior", Decimal(5), True)],
    )
    assert survey_answer_score(answer=_answer(invite, item, chosen=[high])) == (Decimal(5), False)
    low_answer = AnswerFactory(candidate_interview=invite, interview_question=item, attempt=2)
    low_answer.selected_options.set([low])
    assert survey_answer_score(answer=low_answer) == (Decimal(1), False)


def test_a_preferred_option_without_weight_counts_one(invite):
    item, (_yes, no) = _survey(
        invite,
        SurveyType.THUMBS_UP_DOWN,
        options=[("Up", None, True), ("Down", None, False)],
    )
    assert survey_answer_score(answer=_answer(invite, item, chosen=[no])) == (Decimal(0), False)


def test_a_choice_question_without_preferences_or_weights_has_no_score(invite):
    item, (first, _second) = _survey(
        invite, SurveyType.MULTIPLE_CHOICE, options=[("A", None, False), ("B", None, False)]
    )
    assert survey_answer_score(answer=_answer(invite, item, chosen=[first])) == (None, False)


def test_multiple_answers_sum_their_weights(invite):
    item, (a, b, c) = _survey(
        invite,
        SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER,
        options=[("Python", Decimal(3), True), ("SQL", Decimal(2), True), ("COBOL", None, False)],
    )
    assert survey_answer_score(answer=_answer(invite, item, chosen=[a, b])) == (Decimal(5), False)
    partial = AnswerFactory(candidate_interview=invite, interview_question=item, attempt=2)
    partial.selected_options.set([a, c])
    assert survey_answer_score(answer=partial)[0] == Decimal(3)


def test_select_all_for_full_score_is_all_or_nothing(invite):
    item, (a, b, c) = _survey(
        invite,
        SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER,
        knockout=True,
        select_all_for_full_score=True,
        options=[("Python", Decimal(3), True), ("SQL", Decimal(2), True), ("COBOL", None, False)],
    )
    full = _answer(invite, item, chosen=[a, b])
    assert survey_answer_score(answer=full) == (Decimal(5), False)
    missing = AnswerFactory(candidate_interview=invite, interview_question=item, attempt=2)
    missing.selected_options.set([a])
    assert survey_answer_score(answer=missing) == (Decimal(0), True)
    extra = AnswerFactory(candidate_interview=invite, interview_question=item, attempt=3)
    extra.selected_options.set([a, b, c])
    assert survey_answer_score(answer=extra) == (Decimal(0), True)


def test_without_select_all_a_partial_choice_gets_partial_credit(invite):
    item, (a, _b) = _survey(
        invite,
        SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER,
        select_all_for_full_score=False,
        options=[("Python", Decimal(3), True), ("SQL", Decimal(2), True)],
    )
    assert survey_answer_score(answer=_answer(invite, item, chosen=[a])) == (Decimal(3), False)


@pytest.mark.parametrize(
    ("preferred", "said", "score"), [("YES", "YES", 1), ("YES", "NO", 0), ("NO", "NO", 1)]
)
def test_yes_no_scores_the_preferred_option(invite, preferred, said, score):
    item, _ = _survey(invite, SurveyType.YES_NO, preferred_option=preferred)
    assert survey_answer_score(answer=_answer(invite, item, text=said)) == (Decimal(score), False)


def test_yes_no_without_a_preferred_option_and_free_text_have_no_score(invite):
    yes_no, _ = _survey(invite, SurveyType.YES_NO)
    free, _ = _survey(invite, SurveyType.FREE_TEXT, knockout=False)
    assert survey_answer_score(answer=_answer(invite, yes_no, text="NO")) == (None, False)
    assert survey_answer_score(answer=_answer(invite, free, text="Anything")) == (None, False)


def test_a_knockout_flags_the_answer_and_leaves_the_invite_alone(invite):
    item, _ = _survey(invite, SurveyType.YES_NO, preferred_option="YES", knockout=True)
    answer = _answer(invite, item, text="NO")
    processed = answer_process(answer_id=answer.pk)
    assert processed.knockout_flagged is True
    assert processed.survey_score == Decimal(0)
    assert processed.status == Answer.Status.PROCESSED
    assert processed.processing["score"]["status"] == "done"
    invite.refresh_from_db()
    assert invite.status == CandidateInterview.Status.INVITED


def test_a_knockout_on_a_single_choice_flags_a_non_preferred_option(invite):
    item, (good, bad) = _survey(
        invite,
        SurveyType.MULTIPLE_CHOICE,
        knockout=True,
        options=[("Full time", None, True), ("Weekends only", None, False)],
    )
    assert survey_answer_score(answer=_answer(invite, item, chosen=[bad]))[1] is True
    other = AnswerFactory(candidate_interview=invite, interview_question=item, attempt=2)
    other.selected_options.set([good])
    assert survey_answer_score(answer=other)[1] is False


# ---------------------------------------------------------------- keyword spotting


def _hits(keywords, *texts):
    return {h["keyword"]: (h["count"], h["turns"]) for h in keywords_find(keywords, texts)}


def test_it_finds_keywords_case_insensitively_with_their_turns():
    hits = _hits(
        ["Django", "REST API"], (3, "I use django daily."), (4, "A rest   api, in DJANGO!")
    )
    assert hits == {"Django": (2, [3, 4]), "REST API": (1, [4])}


def test_it_matches_whole_words_only():
    assert _hits(["java"], (1, "I write JavaScript and javadoc.")) == {}
    assert _hits(["java"], (1, "Java, mostly.")) == {"java": (1, [1])}
    assert _hits(["sql"], (1, "PostgreSQL and NoSQL")) == {}


def test_it_tolerates_plurals_possessives_and_hyphens():
    hits = _hits(
        ["container", "library", "machine learning", "team"],
        (1, "Containers everywhere; two libraries; machine-learning; the team's goals."),
    )
    assert hits == {
        "container": (1, [1]),
        "library": (1, [1]),
        "machine learning": (1, [1]),
        "team": (1, [1]),
    }


def test_it_does_not_stem_beyond_plurals():
    assert _hits(["manage"], (1, "Management and managers.")) == {}


def test_it_handles_punctuation_inside_keywords():
    hits = _hits(["C++", "node.js"], (None, "I know c++ and Node.js; not nodexjs."))
    assert hits == {"C++": (1, []), "node.js": (1, [])}


def test_processing_a_free_text_answer_records_its_keyword_hits(invite):
    KeywordFactory(interview=invite.interview, text="Python")
    item, _ = _survey(invite, SurveyType.FREE_TEXT)
    answer = _answer(invite, item, text="Mostly Python; some python scripts.")
    processed = answer_process(answer_id=answer.pk)
    assert processed.keyword_hits == [{"keyword": "Python", "count": 2, "turns": []}]
    assert processed.survey_score is None
    assert set(processed.processing) == {"score", "keywords"}


# ---------------------------------------------------------------- recorded answers


@pytest.fixture(scope="module")
def spoken_wav():
    return get_provider("espeak").synthesize(SPOKEN, voice="en-us", language="en", speed=0.9)


def _recorded(invite, data, name):
    audio = AudioQuestionFactory(team=invite.team, question_script="How do you ship software?")
    item = InterviewQuestionFactory(interview=invite.interview, audio_question=audio)
    answer = AnswerFactory(candidate_interview=invite, interview_question=item, text="")
    answer.media.save(name, ContentFile(data))
    return answer


def test_it_transcribes_a_spoken_answer_into_timed_turns(invite, spoken_wav):
    KeywordFactory(interview=invite.interview, text="Docker")
    KeywordFactory(interview=invite.interview, text="test")
    KeywordFactory(interview=invite.interview, text="Kubernetes")
    # A turn the agent already took keeps its number; the answer's turns come after it.
    Turn.objects.create(candidate_interview=invite, turn_number=1, role="agent", content="Hi")
    answer = _recorded(invite, spoken_wav, "answer.wav")

    processed = answer_process(answer_id=answer.pk)

    assert processed.status == Answer.Status.PROCESSED, processed.processing
    words = processed.transcript.lower()
    assert "django" in words
    assert "docker" in words
    assert "python" in words
    assert processed.transcript_language == "en"
    # The transcript names its model by its entry in ./panelist models.
    assert processed.transcript_model == "tiny.en"
    turns = list(processed.turns.order_by("turn_number"))
    assert turns
    assert turns[0].turn_number == 2
    assert all(t.role == Turn.Role.CANDIDATE for t in turns)
    starts = [t.start_seconds or 0.0 for t in turns]
    assert starts == sorted(starts)
    assert all((t.end_seconds or 0.0) >= (t.start_seconds or 0.0) for t in turns)
    hits = {h["keyword"]: h for h in processed.keyword_hits}
    assert set(hits) == {"Docker", "test"}
    docker_turns = [t.turn_number for t in turns if "docker" in t.content.lower()]
    assert hits["Docker"]["turns"] == docker_turns
    assert {"transcribe", "keywords", "evaluate"} <= set(processed.processing)
    assert all(s["status"] == "done" for s in processed.processing.values())
    evaluation = Evaluation.objects.get(answer=processed)
    assert evaluation.status == Evaluation.Status.COMPLETED
    assert [s.criterion_name for s in evaluation.scores.all()] == ["Relevance"]

    again = answer_process(answer_id=answer.pk)
    assert again.turns.count() == len(turns)
    assert Evaluation.objects.filter(answer=answer).count() == 1
    assert again.processing == processed.processing


def test_it_transcribes_a_browser_recording(invite, spoken_wav):
    from speech.media import to_wav

    webm = _webm_of(spoken_wav)
    assert to_wav(webm)  # a real WebM/Opus file, decodable
    answer = _recorded(invite, webm, "answer.webm")
    processed = answer_process(answer_id=answer.pk)
    assert processed.status == Answer.Status.PROCESSED, processed.processing
    assert "docker" in processed.transcript.lower()


def _webm_of(wav: bytes) -> bytes:
    """The WAV re-encoded as Opus in WebM, as Chrome's MediaRecorder makes it."""
    import io

    import av

    out = io.BytesIO()
    with av.open(io.BytesIO(wav)) as source, av.open(out, "w", format="webm") as target:
        stream = target.add_stream("libopus", rate=48_000, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
        for frame in source.decode(audio=0):
            for resampled in resampler.resample(frame):
                target.mux(stream.encode(resampled))
        for resampled in resampler.resample(None):
            target.mux(stream.encode(resampled))
        target.mux(stream.encode(None))
    return out.getvalue()


def test_a_recording_without_speech_fails_the_answer_with_a_reason(invite):
    answer = _recorded(invite, b"not audio at all", "answer.webm")
    processed = answer_process(answer_id=answer.pk)
    assert processed.status == Answer.Status.FAILED
    step = processed.processing["transcribe"]
    assert step["status"] == "failed"
    assert step["error"]
    assert not processed.turns.exists()


def test_a_tone_has_no_words_and_its_evaluation_is_refused(invite):
    answer = _recorded(invite, tone("webm", seconds=1.0), "tone.webm")
    processed = answer_process(answer_id=answer.pk)
    assert processed.status == Answer.Status.PROCESSED, processed.processing
    evaluation = Evaluation.objects.get(answer=processed)
    assert evaluation.status == Evaluation.Status.REFUSED
    assert evaluation.error
    assert not evaluation.scores.exists()


def test_a_draft_answer_is_left_alone(invite):
    item, _ = _survey(invite, SurveyType.YES_NO, preferred_option="YES")
    answer = AnswerFactory(
        candidate_interview=invite, interview_question=item, text="YES", status="draft"
    )
    assert answer_process(answer_id=answer.pk).processing == {}


def test_a_changed_typed_answer_is_processed_again(invite, django_capture_on_commit_callbacks):
    from candidates.runner.services import runner_answer_typed, runner_consent
    from tests.factories import AITextQuestionFactory, RubricCriterionFactory

    KeywordFactory(interview=invite.interview, text="GraphQL")
    question = AITextQuestionFactory(team=invite.team)
    RubricCriterionFactory(question=question, name="Trade-offs", strong_answer="Caching.")
    item = InterviewQuestionFactory(
        interview=invite.interview,
        kind=InterviewQuestion.Kind.AI_TEXT,
        audio_question=None,
        ai_text_question=question,
    )
    invite = runner_consent(invite=invite, ip=None)
    with django_capture_on_commit_callbacks(execute=True):
        answer = runner_answer_typed(
            invite=invite, item=item, data={"text": "REST caches responses well over plain HTTP."}
        )
    answer.refresh_from_db()
    assert answer.status == Answer.Status.PROCESSED
    assert answer.keyword_hits == []
    first = Evaluation.objects.get(answer=answer)

    with django_capture_on_commit_callbacks(execute=True):
        runner_answer_typed(
            invite=invite,
            item=item,
            data={"text": "GraphQL fetches exactly the fields a screen needs, in one request."},
        )
    answer.refresh_from_db()
    assert answer.status == Answer.Status.PROCESSED
    assert answer.keyword_hits == [{"keyword": "GraphQL", "count": 1, "turns": []}]
    current = Evaluation.objects.get(answer=answer, is_current=True)
    assert current.version == 2
    first.refresh_from_db()
    assert not first.is_current
