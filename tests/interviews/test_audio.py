"""Audio questions: the services' rules, the text-to-speech task, uploads, and the bank's pages."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interviews.models import AudioQuestion
from interviews.services.audio import (
    audio_question_create,
    audio_question_duplicate,
    audio_question_request_tts,
    audio_question_update,
    audio_question_upload,
)
from interviews.services.questions import question_archive, question_unarchive
from interviews.tasks import TTS_MAX_RETRIES, audio_question_synthesize
from tests.factories import (
    AudioQuestionFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    NarratorFactory,
)
from tests.speech.media_helpers import decode, tone
from tests.speech.test_tts import SpeechServer

pytestmark = pytest.mark.django_db

Status = AudioQuestion.TranscriptionStatus
SCRIPT = "Tell me about a time you changed your mind."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make(team, recruiter, django_capture_on_commit_callbacks):
    """Create a question through the service and run its text-to-speech task."""

    def _make(**fields):
        fields = {"title": "Tell me about yourself", "question_script": SCRIPT, **fields}
        with django_capture_on_commit_callbacks(execute=True):
            question = audio_question_create(team=team, by=recruiter, **fields)
        question.refresh_from_db()
        return question

    return _make


def webm_upload(name="prompt.webm", seconds=1.5):
    return SimpleUploadedFile(name, tone(seconds=seconds), content_type="audio/webm")


# --- services ------------------------------------------------------------------------------


def test_it_speaks_a_new_question_into_a_real_mp3(make):
    question = make()

    assert question.transcription_status == Status.COMPLETED
    assert question.audio_type == AudioQuestion.AudioType.TTS
    assert question.failure_reason == ""
    assert len(question.audio_script_hash) == 64
    with question.audio_file.open("rb") as f:
        name, rate, channels, seconds = decode(f.read())
    assert (name, rate, channels) == ("mp3", 24_000, 1)
    assert seconds > 0.5


def test_it_needs_a_title_and_a_script_or_a_recording(team):
    with pytest.raises(ValidationError) as no_title:
        audio_question_create(team=team, by=None, title="  ", question_script=SCRIPT)
    assert "title" in no_title.value.error_dict
    with pytest.raises(ValidationError) as nothing_to_say:
        audio_question_create(team=team, by=None, title="Hello")
    assert "question_script" in nothing_to_say.value.error_dict
    assert not AudioQuestion.objects.exists()


def test_it_refuses_another_teams_narrator(team, other_team):
    narrator = NarratorFactory(team=other_team)
    with pytest.raises(ValidationError) as refused:
        audio_question_create(
            team=team, by=None, title="Hello", question_script=SCRIPT, narrator=narrator
        )
    assert refused.value.message_dict == {"narrator": ["Choose one of this team's narrators."]}


def test_it_makes_the_audio_again_when_the_script_changes(make, django_capture_on_commit_callbacks):
    question = make()
    old_name, old_hash = question.audio_file.name, question.audio_script_hash

    with django_capture_on_commit_callbacks(execute=True):
        audio_question_update(question=question, question_script="Why this role, and why now?")
    question.refresh_from_db()

    assert question.transcription_status == Status.COMPLETED
    assert question.audio_script_hash != old_hash
    assert question.audio_file.name != old_name
    assert not default_storage.exists(old_name)


def test_it_makes_the_audio_again_when_the_narrator_changes(
    make, team, django_capture_on_commit_callbacks
):
    question = make()
    narrator = NarratorFactory(team=team, voice="en-gb", speed=1.5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        audio_question_update(question=question, narrator=narrator)
    assert len(callbacks) >= 1
    question.refresh_from_db()
    assert question.narrator == narrator
    assert question.transcription_status == Status.COMPLETED


def test_it_keeps_the_audio_when_only_the_title_changes(make, django_capture_on_commit_callbacks):
    question = make()
    name = question.audio_file.name
    with django_capture_on_commit_callbacks() as callbacks:
        audio_question_update(question=question, title="A new title", description="Notes")
    assert callbacks == []
    question.refresh_from_db()
    assert (question.title, question.audio_file.name) == ("A new title", name)


def test_an_older_task_never_overwrites_a_newer_edit(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        question = audio_question_create(team=team, by=None, title="Q", question_script=SCRIPT)
    first_hash = question.audio_script_hash
    with django_capture_on_commit_callbacks() as queued_again:
        audio_question_update(question=question, question_script="The newer script.")
    second_hash = question.audio_script_hash
    assert (len(queued), len(queued_again)) == (1, 1)

    # The task for the first script runs late, after the edit: it must not save anything.
    assert audio_question_synthesize.delay(str(question.pk), first_hash).get() == "stale"
    question.refresh_from_db()
    assert question.transcription_status == Status.PENDING
    assert not question.audio_file

    assert audio_question_synthesize.delay(str(question.pk), second_hash).get() == "completed"
    question.refresh_from_db()
    assert question.audio_script_hash == second_hash
    assert question.audio_file


def test_it_drops_audio_whose_script_changed_while_it_was_being_made(
    team, monkeypatch, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        question = audio_question_create(team=team, by=None, title="Q", question_script=SCRIPT)
    wanted = question.audio_script_hash

    from speech import tts

    real = tts.EspeakProvider.synthesize

    def edited_meanwhile(self, text, **kwargs):
        AudioQuestion.objects.filter(pk=question.pk).update(audio_script_hash="0" * 64)
        return real(self, text, **kwargs)

    monkeypatch.setattr(tts.EspeakProvider, "synthesize", edited_meanwhile)

    assert audio_question_synthesize.delay(str(question.pk), wanted).get() == "stale"
    question.refresh_from_db()
    assert not question.audio_file
    assert not list(media.glob("**/*.mp3"))


def test_it_is_safe_to_run_the_task_twice(make):
    question = make()
    name = question.audio_file.name
    assert audio_question_synthesize.delay(str(question.pk), question.audio_script_hash).get() == (
        "completed"
    )
    question.refresh_from_db()
    assert question.audio_file.name == name


def test_it_records_why_the_audio_failed_and_retries_on_request(
    team, settings, django_capture_on_commit_callbacks
):
    narrator = NarratorFactory(team=team, provider="piper", voice="")
    settings.PIPER_VOICE_PATH = ""
    with django_capture_on_commit_callbacks(execute=True):
        question = audio_question_create(
            team=team, by=None, title="Q", question_script=SCRIPT, narrator=narrator
        )
    question.refresh_from_db()
    assert question.transcription_status == Status.FAILED
    assert "PIPER_VOICE_PATH" in question.failure_reason

    narrator.provider = "espeak"
    narrator.save()
    question.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        audio_question_request_tts(question=question)
    question.refresh_from_db()
    assert (question.transcription_status, question.failure_reason) == (Status.COMPLETED, "")


def test_it_retries_a_speech_server_that_is_down_then_gives_up(
    team, settings, django_capture_on_commit_callbacks
):
    server = SpeechServer()
    server.status, server.body = 503, b"overloaded"
    settings.OPENAI_TTS_BASE_URL = server.url
    narrator = NarratorFactory(team=team, provider="openai", voice="alloy")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            question = audio_question_create(
                team=team, by=None, title="Q", question_script=SCRIPT, narrator=narrator
            )
    finally:
        server.close()
    question.refresh_from_db()
    assert len(server.requests) == TTS_MAX_RETRIES + 1
    assert question.transcription_status == Status.FAILED
    assert "503" in question.failure_reason


def test_it_uses_an_uploaded_recording_and_forgets_the_queued_speech(
    team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        question = audio_question_create(team=team, by=None, title="Q", question_script=SCRIPT)
    queued_hash = question.audio_script_hash

    with django_capture_on_commit_callbacks() as queued:
        audio_question_upload(question=question, audio=webm_upload())
    # Checked at once, converted by the worker: pending until then, the recording kept as sent.
    question.refresh_from_db()
    assert (question.audio_type, question.transcription_status) == ("upload", "pending")
    assert question.audio_source.name.endswith(".webm")
    assert not question.audio_file
    source = question.audio_source.name

    assert audio_question_synthesize.delay(str(question.pk), queued_hash).get() == "stale"
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    question.refresh_from_db()
    assert question.audio_type == AudioQuestion.AudioType.UPLOAD
    assert question.transcription_status == Status.COMPLETED
    with question.audio_file.open("rb") as f:
        name, _rate, channels, seconds = decode(f.read())
    assert (name, channels) == ("mp3", 1)
    assert seconds == pytest.approx(1.5, abs=0.1)
    # The recording as uploaded is gone once its MP3 is made.
    assert not question.audio_source
    assert not question.audio_file.storage.exists(source)


def test_it_creates_a_question_from_a_recording_alone(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        question = audio_question_create(
            team=team, by=None, title="Recorded", audio=webm_upload("me.m4a")
        )
    question.refresh_from_db()
    assert (question.audio_type, question.transcription_status) == ("upload", "completed")


def test_a_newer_upload_wins_over_an_older_conversion(team, django_capture_on_commit_callbacks):
    from interviews.tasks import audio_question_convert

    with django_capture_on_commit_callbacks(execute=True):
        question = audio_question_create(team=team, by=None, title="Q", audio=webm_upload())
    with django_capture_on_commit_callbacks():
        audio_question_upload(question=question, audio=webm_upload(seconds=1.0))
    first = question.audio_script_hash
    with django_capture_on_commit_callbacks() as queued:
        audio_question_upload(question=question, audio=webm_upload(seconds=2.5))
    assert audio_question_convert.delay(str(question.pk), first).get() == "stale"
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    question.refresh_from_db()
    with question.audio_file.open("rb") as f:
        assert decode(f.read())[3] == pytest.approx(2.5, abs=0.1)


def test_a_copy_made_while_the_recording_waits_converts_its_own(
    team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        question = audio_question_create(team=team, by=None, title="Q", audio=webm_upload())
    with django_capture_on_commit_callbacks(execute=True):
        copy = audio_question_duplicate(question=question, by=None)
    copy.refresh_from_db()
    assert copy.transcription_status == Status.COMPLETED
    assert copy.audio_file
    assert not copy.audio_source
    question.refresh_from_db()
    assert question.audio_source  # the original still waits for its own task
    assert question.audio_source.name != copy.audio_file.name


def test_a_recording_the_worker_cannot_convert_fails_with_its_reason(
    team, django_capture_on_commit_callbacks
):
    from interviews.tasks import audio_question_convert

    with django_capture_on_commit_callbacks():
        question = audio_question_create(team=team, by=None, title="Q", audio=webm_upload())
    question.refresh_from_db()
    # Damaged on disk after the check (a truncated copy): the worker's decoding refuses it.
    with question.audio_source.open("wb") as damaged:
        damaged.write(b"\x1aE\xdf\xa3 not really webm")
    wanted = question.audio_script_hash
    with django_capture_on_commit_callbacks(execute=True):
        assert audio_question_convert.delay(str(question.pk), wanted).get() == Status.FAILED
    question.refresh_from_db()
    assert question.failure_reason.startswith("The recording: ")
    assert not question.audio_source
    assert not question.audio_file


def test_it_refuses_a_text_file_named_mp3_and_says_which_field(make):
    question = make()
    fake = SimpleUploadedFile("prompt.mp3", b"Tell me about yourself.\n" * 40, "audio/mpeg")
    with pytest.raises(ValidationError) as refused:
        audio_question_upload(question=question, audio=fake)
    assert refused.value.message_dict == {"audio": ["This file is not audio, or it is damaged."]}


def test_it_refuses_a_recording_over_the_length_limit(make, settings):
    settings.AUDIO_MAX_SECONDS = 1
    with pytest.raises(ValidationError) as refused:
        audio_question_upload(question=make(), audio=webm_upload(seconds=2))
    assert "limit is 0:01" in refused.value.message_dict["audio"][0]


def test_it_archives_and_unarchives(make):
    question = make()
    question_archive(question=question)
    assert question.is_archived
    question_unarchive(question=question)
    assert not question.is_archived


def test_it_duplicates_in_the_same_team_with_its_own_audio_file(make, recruiter):
    question = make()
    copy = audio_question_duplicate(question=question, by=recruiter)
    assert copy.pk != question.pk
    assert (copy.team, copy.title, copy.question_script) == (
        question.team,
        "Tell me about yourself (copy)",
        question.question_script,
    )
    assert copy.transcription_status == Status.COMPLETED
    assert copy.audio_file.name != question.audio_file.name
    with copy.audio_file.open("rb") as a, question.audio_file.open("rb") as b:
        assert a.read() == b.read()


def test_it_fits_a_long_title_and_the_copy_suffix(make):
    question = make(title="x" * 200)
    copy = audio_question_duplicate(question=question, by=None)
    assert len(copy.title) == 200
    assert copy.title.endswith(" (copy)")


# --- pages ---------------------------------------------------------------------------------

WRITE_VIEWS = [
    ("interviews:audio_retry", "post"),
    ("interviews:audio_upload", "post"),
    ("interviews:audio_archive", "post"),
    ("interviews:audio_archive", "get"),
    ("interviews:audio_unarchive", "post"),
    ("interviews:audio_duplicate", "post"),
    ("interviews:audio_edit", "post"),
]
READ_VIEWS = ["interviews:audio_edit", "interviews:audio_file"]


def test_it_needs_login(client, team):
    question = AudioQuestionFactory(team=team)
    for url in [
        reverse("interviews:audio_list"),
        reverse("interviews:audio_create"),
        reverse("interviews:audio_edit", args=[question.pk]),
        reverse("interviews:audio_file", args=[question.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["owner", "recruiter", "hiring_manager"])
def test_it_lists_the_bank_to_every_role(login, request, team, persona, shared_with):
    shared_with(AudioQuestionFactory(team=team, title="Why us?"))
    client = login(request.getfixturevalue(persona))
    response = client.get(reverse("interviews:audio_list"))
    assert response.status_code == 200
    assert "Why us?" in response.content.decode()
    can_create = "New audio question" in response.content.decode()
    assert can_create is (persona != "hiring_manager")


def test_it_shows_what_to_do_when_the_bank_is_empty(login, recruiter):
    html = login(recruiter).get(reverse("interviews:audio_list")).content.decode()
    assert 'data-testid="audio-empty"' in html
    assert "Create an audio question" in html


def test_it_answers_htmx_with_the_table_fragment(login, recruiter, team):
    AudioQuestionFactory(team=team)
    response = login(recruiter).get(
        reverse("interviews:audio_list"), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="table-region"')
    assert '<nav class="navbar' not in html
    assert response["Vary"].count("HX-Request") == 1


def test_it_searches_and_filters_the_bank(login, recruiter, team, other_team):
    AudioQuestionFactory(team=team, title="Salary expectations", language="en")
    AudioQuestionFactory(team=team, title="Warum wir?", language="de", question_script="Warum?")
    AudioQuestionFactory(team=team, title="Old one", archived_at="2026-01-01T00:00:00Z")
    AudioQuestionFactory(team=other_team, title="Salary elsewhere")
    client = login(recruiter)

    def titles(**params):
        html = client.get(reverse("interviews:audio_list"), params).content.decode()
        return {
            t
            for t in ["Salary expectations", "Warum wir?", "Old one", "Salary elsewhere"]
            if t in html
        }

    assert titles() == {"Salary expectations", "Warum wir?"}
    assert titles(q="salary") == {"Salary expectations"}
    assert titles(language="de") == {"Warum wir?"}
    assert titles(archived="only") == {"Old one"}
    assert titles(archived="all") == {"Salary expectations", "Warum wir?", "Old one"}


def test_it_sorts_the_bank(login, recruiter, team):
    AudioQuestionFactory(team=team, title="Bravo")
    AudioQuestionFactory(team=team, title="Alpha")
    html = (
        login(recruiter).get(reverse("interviews:audio_list"), {"sort": "title"}).content.decode()
    )
    assert html.index("Alpha") < html.index("Bravo")


def test_it_lists_many_questions_in_constant_queries(
    login, recruiter, team, django_assert_max_num_queries
):
    narrators = [NarratorFactory(team=team) for _ in range(3)]
    interview = InterviewFactory(team=team)
    for i in range(35):
        question = AudioQuestionFactory(team=team, narrator=narrators[i % 3])
        if i % 2:
            InterviewQuestionFactory(interview=interview, audio_question=question)
    client = login(recruiter)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("interviews:audio_list"), {"sort": "narrator"})
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        client.get(reverse("interviews:audio_list"), {"page": 2}, headers={"HX-Request": "true"})


def test_it_creates_a_question_from_the_form(
    login, recruiter, team, django_capture_on_commit_callbacks
):
    narrator = NarratorFactory(team=team)
    client = login(recruiter)
    assert client.get(reverse("interviews:audio_create")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("interviews:audio_create"),
            {
                "title": "Intro",
                "question_script": SCRIPT,
                "narrator": narrator.pk,
                "language": "en",
            },
        )
    question = AudioQuestion.objects.get(title="Intro")
    assert response.status_code == 302
    assert response["Location"] == reverse("interviews:audio_edit", args=[question.pk])
    assert (question.team, question.created_by, question.narrator) == (team, recruiter, narrator)
    assert question.transcription_status == Status.COMPLETED


def test_it_shows_form_errors_next_to_their_fields(login, recruiter, team, other_team):
    client = login(recruiter)
    response = client.post(reverse("interviews:audio_create"), {"title": "Intro", "language": "en"})
    assert response.status_code == 422
    assert 'id="id_question_script-error"' in response.content.decode()
    foreign = NarratorFactory(team=other_team)
    response = client.post(
        reverse("interviews:audio_create"),
        {"title": "Intro", "question_script": "Hi", "narrator": foreign.pk, "language": "en"},
    )
    assert 'id="id_narrator-error"' in response.content.decode()


def test_it_creates_from_an_uploaded_file(login, recruiter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(recruiter).post(
            reverse("interviews:audio_create"),
            {"title": "Recorded", "language": "en", "audio": webm_upload()},
        )
    assert response.status_code == 302
    question = AudioQuestion.objects.get(title="Recorded")
    assert (question.audio_type, question.transcription_status) == ("upload", "completed")


def test_it_shows_the_player_usage_and_actions_on_the_edit_page(login, recruiter, make):
    question = make()
    interview = InterviewFactory(team=question.team, title="Backend engineer")
    InterviewQuestionFactory(interview=interview, audio_question=question)
    html = (
        login(recruiter).get(reverse("interviews:audio_edit", args=[question.pk])).content.decode()
    )
    assert 'data-testid="audio-player"' in html
    assert reverse("interviews:audio_file", args=[question.pk]) in html
    assert "Backend engineer" in html
    assert f"/interviews/{interview.pk}/" in html
    for action in ["Duplicate", "Archive", "Upload recording", "Record in the browser", "Save"]:
        assert action in html
    assert 'hx-trigger="every 2s"' not in html


def test_it_saves_an_edit_and_remakes_the_audio(
    login, recruiter, make, django_capture_on_commit_callbacks
):
    question = make()
    old_hash = question.audio_script_hash
    with django_capture_on_commit_callbacks(execute=True):
        response = login(recruiter).post(
            reverse("interviews:audio_edit", args=[question.pk]),
            {"title": "Intro", "question_script": "Something new.", "language": "en"},
        )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.question_script == "Something new."
    assert question.audio_script_hash != old_hash
    assert question.transcription_status == Status.COMPLETED


def test_it_polls_while_the_audio_is_being_made_and_stops_when_it_is_ready(
    login, recruiter, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        question = audio_question_create(team=team, by=None, title="Q", question_script=SCRIPT)
    client = login(recruiter)
    url = reverse("interviews:audio_edit", args=[question.pk])
    htmx = {"HX-Request": "true", "HX-Target": "audio-status"}

    pending = client.get(url, headers=htmx)
    html = pending.content.decode()
    assert html.lstrip().startswith('<div id="audio-status"')
    assert 'hx-trigger="every 2s"' in html
    assert 'data-testid="audio-player"' not in html
    assert "HX-Request" in pending["Vary"]

    audio_question_synthesize.delay(str(question.pk), question.audio_script_hash).get()
    done = client.get(url, headers=htmx).content.decode()
    assert "hx-trigger" not in done
    assert 'data-testid="audio-player"' in done


def test_it_shows_the_failure_and_retries_it(
    login, recruiter, team, settings, django_capture_on_commit_callbacks
):
    settings.PIPER_VOICE_PATH = ""
    narrator = NarratorFactory(team=team, provider="piper")
    with django_capture_on_commit_callbacks(execute=True):
        question = audio_question_create(
            team=team, by=None, title="Q", question_script=SCRIPT, narrator=narrator
        )
    client = login(recruiter)
    html = client.get(reverse("interviews:audio_edit", args=[question.pk])).content.decode()
    assert 'data-testid="failure-reason"' in html
    assert "PIPER_VOICE_PATH" in html
    assert "Retry" in html

    narrator.provider = "espeak"
    narrator.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("interviews:audio_retry", args=[question.pk]), headers={"HX-Request": "true"}
        )
    # The fragment was rendered before the task ran (on commit): it shows the pending state.
    assert response.content.decode().lstrip().startswith('<div id="audio-status"')
    question.refresh_from_db()
    assert question.transcription_status == Status.COMPLETED


def test_it_uploads_a_recording_from_the_edit_page(login, recruiter, make):
    question = make()
    response = login(recruiter).post(
        reverse("interviews:audio_upload", args=[question.pk]), {"audio": webm_upload()}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.audio_type == "upload"


def test_it_refuses_a_fake_mp3_upload_next_to_the_field(login, recruiter, make):
    question = make()
    fake = SimpleUploadedFile("prompt.mp3", b"not audio at all\n" * 100, "audio/mpeg")
    response = login(recruiter).post(
        reverse("interviews:audio_upload", args=[question.pk]), {"audio": fake}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_audio-error"' in html
    assert "This file is not audio, or it is damaged." in html
    question.refresh_from_db()
    assert question.audio_type == "tts"


def test_it_asks_before_archiving_a_question_that_interviews_use(login, recruiter, team):
    question = AudioQuestionFactory(team=team)
    InterviewQuestionFactory(
        interview=InterviewFactory(team=team, title="Sales lead"), audio_question=question
    )
    client = login(recruiter)
    url = reverse("interviews:audio_archive", args=[question.pk])

    response = client.post(url)
    assert response.status_code == 200
    assert "Sales lead" in response.content.decode()
    question.refresh_from_db()
    assert not question.is_archived

    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.is_archived


def test_it_archives_an_unused_question_at_once_and_unarchives_it(login, recruiter, team):
    question = AudioQuestionFactory(team=team)
    client = login(recruiter)
    assert client.post(reverse("interviews:audio_archive", args=[question.pk])).status_code == 302
    question.refresh_from_db()
    assert question.is_archived
    client.post(reverse("interviews:audio_unarchive", args=[question.pk]))
    question.refresh_from_db()
    assert not question.is_archived


def test_it_duplicates_from_the_edit_page(login, recruiter, make):
    question = make()
    response = login(recruiter).post(reverse("interviews:audio_duplicate", args=[question.pk]))
    copy = AudioQuestion.objects.get(title="Tell me about yourself (copy)")
    assert response["Location"] == reverse("interviews:audio_edit", args=[copy.pk])


def test_it_streams_the_mp3_to_the_team_only(login, recruiter, outsider, make):
    question = make()
    url = reverse("interviews:audio_file", args=[question.pk])
    response = login(recruiter).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert decode(b"".join(response.streaming_content))[0] == "mp3"
    assert login(outsider).get(url).status_code == 404


def test_it_answers_404_for_audio_not_made_yet(login, recruiter, team):
    question = AudioQuestionFactory(team=team, transcription_status=Status.PENDING)
    assert (
        login(recruiter).get(reverse("interviews:audio_file", args=[question.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("name", READ_VIEWS)
def test_it_hides_another_teams_question(login, outsider, team, name):
    question = AudioQuestionFactory(team=team)
    assert login(outsider).get(reverse(name, args=[question.pk])).status_code == 404


def test_it_answers_404_for_a_malformed_id(login, recruiter):
    assert login(recruiter).get("/questions/audio/nope/").status_code == 404


@pytest.mark.parametrize(("name", "method"), WRITE_VIEWS)
def test_it_forbids_hiring_managers_to_change_questions(
    login, hiring_manager, team, name, method, shared_with
):
    question = AudioQuestionFactory(team=team)
    shared_with(question)
    client = login(hiring_manager)
    response = getattr(client, method)(reverse(name, args=[question.pk]))
    assert response.status_code == 403
    question.refresh_from_db()
    assert not question.is_archived


@pytest.mark.parametrize(("name", "method"), WRITE_VIEWS)
def test_it_hides_another_teams_question_from_writes(login, outsider, team, name, method):
    question = AudioQuestionFactory(team=team)
    response = getattr(login(outsider), method)(reverse(name, args=[question.pk]))
    assert response.status_code == 404


def test_it_forbids_hiring_managers_to_create(login, hiring_manager):
    client = login(hiring_manager)
    assert client.get(reverse("interviews:audio_create")).status_code == 403
    response = client.post(
        reverse("interviews:audio_create"), {"title": "x", "question_script": "y"}
    )
    assert response.status_code == 403
    assert not AudioQuestion.objects.exists()


def test_it_shows_hiring_managers_a_read_only_page_with_the_player(
    login, hiring_manager, make, shared_with
):
    question = make()
    shared_with(question)
    html = (
        login(hiring_manager)
        .get(reverse("interviews:audio_edit", args=[question.pk]))
        .content.decode()
    )
    assert 'data-testid="audio-player"' in html
    assert "can listen to this question but not change it" in html
    assert "Upload recording" not in html
    assert ">Duplicate<" not in html
    assert (
        login(hiring_manager).get(reverse("interviews:audio_file", args=[question.pk])).status_code
        == 200
    )
