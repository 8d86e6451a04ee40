"""Say it in the product (issue 20, items 2 and 3): a spoken question whose voice a listener
would not understand well in its language (the figures bench/tts_quality measured), or whose
narrator speaks another language, is flagged on the question's page with the way out: record
it yourself. A recorded question is not flagged."""

import pytest
from django.urls import reverse

from interviews.models import AudioQuestion
from speech.voice_quality import MEASURED, WER_TARGET, voice_quality
from tests.factories import AudioQuestionFactory, NarratorFactory

pytestmark = pytest.mark.django_db


def page(client, question):
    return client.get(reverse("interviews:audio_edit", args=[question.pk])).content.decode()


def warning(html):
    if 'data-testid="voice-warning"' not in html:
        return ""
    return html.split('data-testid="voice-warning">')[1].split("</div>")[0]


def test_the_quality_tiers_follow_the_measured_figures():
    assert voice_quality(provider="espeak", language="fr-FR").tier == "hard to understand"
    assert voice_quality(provider="espeak", language="en").tier == "understandable with effort"
    assert voice_quality(provider="openai", language="fr").tier == "not measured"
    assert not voice_quality(provider="espeak", language="es").meets_target
    assert all(0 <= wer <= 1 for wer in MEASURED.values())
    assert WER_TARGET == 0.05


def test_a_french_question_read_by_the_built_in_voice_is_flagged(login, recruiter, team):
    question = AudioQuestionFactory(team=team, language="fr", audio_type="tts")
    text = warning(page(login(recruiter), question))
    missed = round(100 * MEASURED[("espeak", "", "fr")])
    assert (
        "This voice is hard to understand in French: in our test a listener missed about "
        f"{missed}% of the words" in text
    )
    assert "Record the question yourself below" in text
    assert 'href="#upload-heading"' in text


def test_a_recorded_question_is_not_flagged(login, recruiter, team):
    question = AudioQuestionFactory(
        team=team, language="fr", audio_type=AudioQuestion.AudioType.UPLOAD
    )
    assert warning(page(login(recruiter), question)) == ""


def test_a_narrator_of_another_language_is_flagged(login, recruiter, team):
    narrator = NarratorFactory(team=team, name="Ada", language="en", voice="en-us")
    question = AudioQuestionFactory(team=team, language="es", narrator=narrator, audio_type="tts")
    text = warning(page(login(recruiter), question))
    assert "The narrator “Ada” speaks English, but this script is in Spanish" in text


def test_the_form_offers_the_questions_language_first_with_each_voices_clarity(
    login, recruiter, team
):
    NarratorFactory(team=team, name="Adam", language="en", voice="en-us")
    NarratorFactory(team=team, name="Zoé", language="fr", voice="fr-fr")
    question = AudioQuestionFactory(team=team, language="fr", audio_type="tts")
    html = page(login(recruiter), question)
    options = html.split('name="narrator"')[1].split("</select>")[0]
    assert options.index("Zoé (French, hard to understand)") < options.index(
        "Adam (English, understandable with effort)"
    )


def test_a_question_made_for_a_french_interview_offers_french_voices_first(
    login, recruiter, team, settings
):
    from tests.factories import InterviewFactory

    settings.TTS_DEFAULT_PROVIDER = ""  # each language's clearest voice, as on a server
    NarratorFactory(team=team, name="Adam", language="en", voice="en-us")
    NarratorFactory(team=team, name="Zoé", language="fr", voice="fr-fr")
    interview = InterviewFactory(team=team, language="fr")
    url = reverse("interviews:audio_create") + f"?add_to={interview.pk}"
    html = login(recruiter).get(url).content.decode()
    assert '<option value="fr" selected>' in html
    options = html.split('name="narrator"')[1].split("</select>")[0]
    # The default voice says what it is and how clear it is in French, then French voices.
    assert options.index("Default voice (Kokoro, hard to understand)") < options.index("Zoé")
    assert options.index("Zoé (French") < options.index("Adam (English")
    # Another team's interview id changes nothing.
    from tests.factories import TeamFactory

    foreign = InterviewFactory(team=TeamFactory(), language="fr")
    html = (
        login(recruiter)
        .get(reverse("interviews:audio_create") + f"?add_to={foreign.pk}")
        .content.decode()
    )
    assert '<option value="en" selected>' in html
    assert "Default voice (Kokoro, clear)" in html
