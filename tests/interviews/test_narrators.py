"""Narrators: the services' rules, re-making audio when a voice changes, and the pages."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from interviews.models import AudioQuestion, Narrator
from interviews.services.audio import (
    audio_question_create,
    audio_question_upload,
    narrator_create,
    narrator_delete,
    narrator_update,
)
from tests.factories import AudioQuestionFactory, NarratorFactory
from tests.interviews.test_audio import SCRIPT, webm_upload
from tests.speech.media_helpers import decode

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def fields(**overrides):
    return {
        "name": "Ava",
        "provider": "espeak",
        "voice": "en-gb",
        "language": "en",
        "speed": 1.0,
        **overrides,
    }


# --- services ------------------------------------------------------------------------------


def test_it_creates_a_narrator(team):
    narrator = narrator_create(team=team, **fields(speed=1.25))
    assert (narrator.team, narrator.name, narrator.voice, float(narrator.speed)) == (
        team,
        "Ava",
        "en-gb",
        1.25,
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter a name."),
        ({"voice": "xx-nowhere"}, "voice", "eSpeak NG has no voice “xx-nowhere”"),
        ({"speed": 3}, "speed", "between 0.5 and 2"),
        ({"provider": "robot"}, "provider", "Choose eSpeak NG"),
        ({"provider": "piper", "voice": ""}, "provider", "PIPER_VOICE_PATH"),
        ({"provider": "openai", "voice": "alloy"}, "provider", "OPENAI_TTS_BASE_URL"),
    ],
)
def test_it_refuses_a_narrator_that_cannot_speak(team, settings, overrides, field, message):
    settings.PIPER_VOICE_PATH = ""
    settings.OPENAI_TTS_BASE_URL = ""
    with pytest.raises(ValidationError) as refused:
        narrator_create(team=team, **fields(**overrides))
    assert list(refused.value.message_dict) == [field]
    assert message in refused.value.message_dict[field][0]


def test_it_refuses_a_second_narrator_with_the_same_name_in_a_team(team, other_team):
    narrator_create(team=team, **fields())
    with pytest.raises(ValidationError) as refused:
        narrator_create(team=team, **fields(name="AVA"))
    assert "already has a narrator called" in refused.value.message_dict["name"][0]
    narrator_create(team=other_team, **fields())


def test_it_remakes_the_audio_of_its_questions_when_its_voice_changes(
    team, django_capture_on_commit_callbacks
):
    narrator = narrator_create(team=team, **fields())
    with django_capture_on_commit_callbacks(execute=True):
        spoken = audio_question_create(
            team=team, by=None, title="A", question_script=SCRIPT, narrator=narrator
        )
        archived = audio_question_create(
            team=team, by=None, title="B", question_script=SCRIPT, narrator=narrator
        )
        uploaded = audio_question_create(
            team=team, by=None, title="C", question_script=SCRIPT, narrator=narrator
        )
    AudioQuestion.objects.filter(pk=archived.pk).update(archived_at="2026-01-01T00:00:00Z")
    audio_question_upload(question=uploaded, audio=webm_upload())
    before = {q.pk: q.audio_script_hash for q in AudioQuestion.objects.all()}

    with django_capture_on_commit_callbacks(execute=True):
        narrator_update(narrator=narrator, **fields(voice="en-us", speed=1.5))

    after = {q.pk: q for q in AudioQuestion.objects.all()}
    assert after[spoken.pk].audio_script_hash != before[spoken.pk]
    assert after[spoken.pk].transcription_status == "completed"
    assert after[archived.pk].audio_script_hash == before[archived.pk]
    assert after[uploaded.pk].audio_type == "upload"


def test_it_leaves_the_audio_alone_when_only_the_name_changes(
    team, django_capture_on_commit_callbacks
):
    narrator = narrator_create(team=team, **fields())
    AudioQuestionFactory(team=team, narrator=narrator, audio_type="tts")
    with django_capture_on_commit_callbacks() as queued:
        narrator_update(narrator=narrator, **fields(name="Ava (UK)"))
    assert queued == []


def test_it_deletes_a_narrator_and_its_questions_keep_their_audio(
    team, django_capture_on_commit_callbacks
):
    narrator = narrator_create(team=team, **fields())
    with django_capture_on_commit_callbacks(execute=True):
        question = audio_question_create(
            team=team, by=None, title="A", question_script=SCRIPT, narrator=narrator
        )
    question.refresh_from_db()
    name = question.audio_file.name
    narrator_delete(narrator=narrator)
    question.refresh_from_db()
    assert (question.narrator, question.audio_file.name) == (None, name)
    assert question.transcription_status == "completed"


# --- pages ---------------------------------------------------------------------------------


def test_it_needs_login(client, team):
    narrator = NarratorFactory(team=team)
    for url in [
        reverse("interviews:narrator_list"),
        reverse("interviews:narrator_create"),
        reverse("interviews:narrator_edit", args=[narrator.pk]),
        reverse("interviews:narrator_preview", args=[narrator.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["admin_user", "recruiter", "hiring_manager"])
def test_it_lists_narrators_to_every_role(login, request, team, persona, shared_with):
    shared_with(NarratorFactory(team=team, name="Ava"))
    response = login(request.getfixturevalue(persona)).get(reverse("interviews:narrator_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ava" in html
    assert "Preview" in html
    assert ("New narrator" in html) is (persona != "hiring_manager")


def test_it_shows_what_to_do_when_there_are_no_narrators(login, recruiter):
    html = login(recruiter).get(reverse("interviews:narrator_list")).content.decode()
    assert 'data-testid="narrators-empty"' in html
    assert "Add a narrator" in html


def test_it_answers_htmx_with_the_table_fragment(login, recruiter, team):
    NarratorFactory(team=team)
    response = login(recruiter).get(
        reverse("interviews:narrator_list"), headers={"HX-Request": "true"}
    )
    assert response.content.decode().lstrip().startswith('<div class="table-region"')
    assert "HX-Request" in response["Vary"]


def test_it_lists_many_narrators_in_constant_queries(
    login, recruiter, team, django_assert_max_num_queries
):
    for i in range(32):
        narrator = NarratorFactory(team=team)
        if i % 3 == 0:
            AudioQuestionFactory(team=team, narrator=narrator)
    client = login(recruiter)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("interviews:narrator_list"), {"sort": "-question_count"})
    assert response.status_code == 200


def test_it_creates_a_narrator_from_the_form(login, recruiter, team):
    client = login(recruiter)
    page = client.get(reverse("interviews:narrator_create")).content.decode()
    assert '<option value="en-gb">' in page  # voices suggested in a datalist
    response = client.post(
        reverse("interviews:narrator_create"),
        {"name": "Ava", "provider": "espeak", "voice": "en-gb", "language": "en", "speed": "1.1"},
    )
    narrator = Narrator.objects.get(team=team, name="Ava")
    assert response["Location"] == reverse("interviews:narrator_edit", args=[narrator.pk])


def test_it_shows_narrator_errors_next_to_their_fields(login, recruiter, team):
    NarratorFactory(team=team, name="Ava")
    response = login(recruiter).post(
        reverse("interviews:narrator_create"),
        {"name": "Ava", "provider": "espeak", "voice": "", "language": "en", "speed": "1"},
    )
    assert response.status_code == 422
    assert 'id="id_name-error"' in response.content.decode()


def test_it_edits_a_narrator_and_says_the_audio_is_being_remade(login, recruiter, team):
    narrator = NarratorFactory(team=team, name="Ava", voice="en-gb")
    client = login(recruiter)
    response = client.post(
        reverse("interviews:narrator_edit", args=[narrator.pk]),
        {"name": "Ava", "provider": "espeak", "voice": "en-us", "language": "en", "speed": "1"},
        follow=True,
    )
    narrator.refresh_from_db()
    assert narrator.voice == "en-us"
    assert "audio is being made again" in response.content.decode()


def test_it_deletes_after_a_confirmation_page(login, recruiter, team):
    narrator = NarratorFactory(team=team)
    AudioQuestionFactory(team=team, narrator=narrator)
    client = login(recruiter)
    url = reverse("interviews:narrator_delete", args=[narrator.pk])
    page = client.get(url).content.decode()
    assert "1 question uses this narrator" in page
    assert client.post(url).status_code == 302
    assert not Narrator.objects.filter(pk=narrator.pk).exists()


def test_it_plays_a_preview_in_the_narrators_voice(login, hiring_manager, team, shared_with):
    narrator = NarratorFactory(team=team, name="Ava", voice="en-gb", language="en")
    shared_with(narrator)
    response = login(hiring_manager).get(reverse("interviews:narrator_preview", args=[narrator.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    name, rate, _channels, seconds = decode(response.content)
    assert (name, rate) == ("mp3", 24_000)
    assert seconds > 2


def test_it_caches_the_preview_until_the_voice_changes(login, recruiter, team, monkeypatch):
    from speech import tts

    calls = []
    real = tts.EspeakProvider.synthesize

    def counted(self, text, **kwargs):
        calls.append(kwargs["voice"])
        return real(self, text, **kwargs)

    monkeypatch.setattr(tts.EspeakProvider, "synthesize", counted)
    narrator = NarratorFactory(team=team, voice="en-gb")
    client = login(recruiter)
    url = reverse("interviews:narrator_preview", args=[narrator.pk])
    first = client.get(url).content
    assert client.get(url).content == first
    narrator.voice = "en-us"
    narrator.save()
    client.get(url)
    assert calls == ["en-gb", "en-us"]


def test_it_answers_htmx_with_a_player_for_the_preview(login, recruiter, team):
    narrator = NarratorFactory(team=team)
    url = reverse("interviews:narrator_preview", args=[narrator.pk])
    response = login(recruiter).get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.startswith("<audio")
    assert f'src="{url}"' in html
    assert "HX-Request" in response["Vary"]


def test_it_explains_a_preview_that_cannot_be_made(login, recruiter, team, settings):
    settings.PIPER_VOICE_PATH = ""
    narrator = NarratorFactory(team=team, provider="piper")
    client = login(recruiter)
    url = reverse("interviews:narrator_preview", args=[narrator.pk])
    plain = client.get(url)
    assert plain.status_code == 503
    assert "PIPER_VOICE_PATH" in plain.content.decode()
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'role="alert"' in fragment
    assert "PIPER_VOICE_PATH" in fragment


@pytest.mark.parametrize("name", ["interviews:narrator_edit", "interviews:narrator_preview"])
def test_it_hides_another_teams_narrator(login, outsider, team, name):
    narrator = NarratorFactory(team=team)
    assert login(outsider).get(reverse(name, args=[narrator.pk])).status_code == 404


def test_it_hides_another_teams_narrator_from_writes(login, outsider, team):
    narrator = NarratorFactory(team=team)
    client = login(outsider)
    assert client.post(reverse("interviews:narrator_edit", args=[narrator.pk])).status_code == 404
    assert client.post(reverse("interviews:narrator_delete", args=[narrator.pk])).status_code == 404


def test_it_shows_hiring_managers_a_read_only_narrator(login, hiring_manager, team, shared_with):
    narrator = NarratorFactory(team=team)
    shared_with(narrator)
    html = (
        login(hiring_manager)
        .get(reverse("interviews:narrator_edit", args=[narrator.pk]))
        .content.decode()
    )
    assert "can listen to this narrator but not change it" in html
    assert "Delete narrator" not in html
    assert ">Save<" not in html


def test_it_forbids_hiring_managers_to_change_narrators(login, hiring_manager, team, shared_with):
    narrator = NarratorFactory(team=team, name="Ava")
    shared_with(narrator)
    client = login(hiring_manager)
    data = {"name": "Bob", "provider": "espeak", "voice": "", "language": "en", "speed": "1"}
    assert client.get(reverse("interviews:narrator_create")).status_code == 403
    assert client.post(reverse("interviews:narrator_create"), data).status_code == 403
    edit = reverse("interviews:narrator_edit", args=[narrator.pk])
    assert client.post(edit, data).status_code == 403
    delete = reverse("interviews:narrator_delete", args=[narrator.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete).status_code == 403
    narrator.refresh_from_db()
    assert narrator.name == "Ava"
