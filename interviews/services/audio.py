"""Writes for audio questions and the narrators that speak them.

A question's audio is either text to speech of its script (``audio_type`` "tts") or a recording
the team uploaded ("upload"). Text to speech runs in a Celery task; ``audio_script_hash`` names
the script and voice settings the wanted audio is made from, and the task saves its result only
while that hash still matches, so a later edit always wins over an earlier, slower task.
"""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import get_language_info

from interviews.models import AudioQuestion, Narrator
from interviews.services.copy import copy_title, question_copy
from kit import limits
from kit.limits import clip
from speech.media import MediaError, probe, to_mp3
from speech.tts import ProviderUnavailable, TransientTTSError, TTSError, get_provider
from speech.voice_quality import default_voice
from webhooks.services import question_audio_failed, question_audio_generated

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import Team, User

Status = AudioQuestion.TranscriptionStatus
AudioType = AudioQuestion.AudioType


# Runs of one script's synthesis cut short (a killed worker) before the question fails.
TTS_MAX_INTERRUPTED = 3


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""Leave this field as it is (for partial updates, where ``None`` means "no narrator")."""


# --- voice settings and their hash ---------------------------------------------------------


def voice_settings(*, narrator: Narrator | None, language: str) -> dict[str, Any]:
    """Everything that changes how a script sounds. Without a narrator the default provider
    speaks in the question's language."""
    if narrator is None:
        provider, voice = default_voice(language)
        return {"provider": provider, "voice": voice, "language": language, "speed": 1.0}
    return {
        "provider": narrator.provider,
        "voice": narrator.voice,
        "language": narrator.language,
        "speed": float(narrator.speed),
    }


def _language_name(code: str) -> str:
    """ "French" for "fr" (the dashboard is in English)."""
    try:
        return str(get_language_info(code)["name"])
    except KeyError:
        return code


def voice_warning(question: AudioQuestion) -> str:
    """Why candidates may not understand this question's narration, with the way out; "" when
    nothing is wrong (or the question plays a recording). One sentence for the question form,
    from the figures of ``speech.voice_quality``."""
    from speech.voice_quality import WER_TARGET, voice_quality

    if question.audio_type in (AudioType.UPLOAD, AudioType.URL):
        return ""
    language = _language_name(question.language)
    narrator = question.narrator
    if narrator is not None and narrator.language.split("-")[0] != question.language.split("-")[0]:
        return (
            f"The narrator “{narrator.name}” speaks {_language_name(narrator.language)}"
            f", but this script is in {language}: candidates would hear it mispronounced. Choose "
            f"a narrator for {language}, or record the question yourself below."
        )
    voice = voice_settings(narrator=narrator, language=question.language)
    quality = voice_quality(
        provider=voice["provider"], voice=voice["voice"], language=question.language
    )
    if quality.wer is None or quality.meets_target:
        return ""
    return (
        f"This voice is {quality.tier} in {language}: in our test a listener missed about "
        f"{quality.missed_percent}% of the words (the target is {round(WER_TARGET * 100)}% at "
        "most). Record the question yourself below, so that candidates hear it clearly."
    )


def script_hash(*, script: str, narrator: Narrator | None, language: str) -> str:
    payload = {"script": script.strip(), **voice_settings(narrator=narrator, language=language)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _question_hash(question: AudioQuestion) -> str:
    return script_hash(
        script=question.question_script, narrator=question.narrator, language=question.language
    )


# --- helpers -------------------------------------------------------------------------------


def _check_narrator(team: Team, narrator: Narrator | None) -> None:
    if narrator is not None and narrator.team_id != team.pk:
        raise ValidationError({"narrator": "Choose one of this team's narrators."})


def _delete_file_on_commit(name: str | None) -> None:
    """Remove a replaced audio file once the change that replaced it is committed."""
    if not name:
        return
    storage = AudioQuestion._meta.get_field("audio_file").storage
    transaction.on_commit(lambda: storage.delete(name))


def _store(question: AudioQuestion, mp3: bytes, *, tag: str) -> None:
    """Point the question at a new MP3; the file it replaces goes after commit."""
    old = question.audio_file.name
    question.audio_file.save(f"{question.pk}-{tag}.mp3", ContentFile(mp3), save=False)
    if old and old != question.audio_file.name:
        _delete_file_on_commit(old)


def _clear_audio(question: AudioQuestion) -> None:
    if question.audio_file:
        _delete_file_on_commit(question.audio_file.name)
    question.audio_file = ""


def audio_question_enqueue(*, question: AudioQuestion) -> None:
    """After commit, the task that makes the wanted audio: text to speech, or the conversion of
    an uploaded recording."""
    from interviews.tasks import audio_question_convert, audio_question_synthesize

    task = audio_question_convert if question.audio_source else audio_question_synthesize
    question_id, wanted = str(question.pk), question.audio_script_hash
    transaction.on_commit(lambda: task.delay(question_id, wanted))


def _check_upload(file: UploadedFile) -> None:
    """Refuse what is not usable audio before anything is saved (the answer comes at once,
    next to the field); the conversion itself is the worker's."""
    try:
        probe(file)
    except MediaError as exc:
        raise ValidationError({"audio": str(exc)}) from exc


# --- audio questions -----------------------------------------------------------------------


@transaction.atomic
def audio_question_create(
    *,
    team: Team,
    by: User | None,
    title: str,
    description: str = "",
    question_script: str = "",
    narrator: Narrator | None = None,
    language: str = "en",
    audio: UploadedFile | None = None,
    audio_url: str = "",
) -> AudioQuestion:
    """A new question: spoken from its script by ``narrator``, from an uploaded ``audio``, or
    (API) played from an ``audio_url`` the team hosts, which is never fetched by this server."""
    title = title.strip()
    question_script = question_script.strip()
    audio_url = audio_url.strip()
    if not title:
        raise ValidationError({"title": "Enter a title."})
    if not question_script and audio is None and not audio_url:
        raise ValidationError(
            {"question_script": "Write a script to be spoken, or upload a recording."}
        )
    _check_narrator(team, narrator)
    question = AudioQuestion(
        team=team,
        created_by=by,
        title=title,
        description=description.strip(),
        question_script=question_script,
        narrator=narrator,
        language=language,
    )
    if audio_url and not question_script and audio is None:
        question.audio_url = audio_url
        question.audio_type = AudioType.URL
        question.transcription_status = Status.COMPLETED
    question.full_clean(exclude=["team", "created_by", "narrator", "audio_file"])
    question.save()
    if audio is not None:
        return audio_question_upload(question=question, audio=audio)
    if question.audio_type == AudioType.URL:
        return question
    return audio_question_request_tts(question=question)


@transaction.atomic
def audio_question_update(
    *,
    question: AudioQuestion,
    title: str | None = None,
    description: str | None = None,
    question_script: str | None = None,
    narrator: Narrator | _Keep | None = KEEP,
    language: str | None = None,
) -> AudioQuestion:
    """Change what is given (``None``/``KEEP`` leave a field alone). Text-to-speech audio is
    made again when the script or the voice changes; an uploaded recording stays."""
    before = _question_hash(question)
    if title is not None:
        question.title = title.strip()
        if not question.title:
            raise ValidationError({"title": "Enter a title."})
    if description is not None:
        question.description = description.strip()
    if question_script is not None:
        question.question_script = question_script.strip()
    if narrator is not KEEP:
        _check_narrator(question.team, narrator)
        question.narrator = narrator
    if language is not None:
        question.language = language
    is_tts = question.audio_type in ("", AudioType.TTS)
    if is_tts and not question.question_script:
        raise ValidationError(
            {"question_script": "Write a script to be spoken, or upload a recording."}
        )
    question.full_clean(exclude=["team", "created_by", "narrator", "audio_file"])
    question.save()
    if is_tts and _question_hash(question) != before:
        audio_question_request_tts(question=question)
    return question


@transaction.atomic
def audio_question_request_tts(*, question: AudioQuestion) -> AudioQuestion:
    """(Re)make the question's audio from its script: pending now, the task does the rest.

    The audio it had is removed at once, so nobody hears a prompt that no longer matches.
    """
    if not question.question_script.strip():
        raise ValidationError({"question_script": "Write a script before generating audio."})
    _clear_audio(question)
    if question.audio_source:  # a recording still waiting for its conversion: not wanted now
        _delete_file_on_commit(question.audio_source.name)
        question.audio_source = ""
    question.audio_type = AudioType.TTS
    question.audio_url = ""
    question.transcription_status = Status.PENDING
    question.failure_reason = ""
    question.audio_script_hash = _question_hash(question)
    question.synthesis_interrupted = 0
    question.save(
        update_fields=[
            "audio_file",
            "audio_source",
            "audio_type",
            "audio_url",
            "transcription_status",
            "failure_reason",
            "audio_script_hash",
            "synthesis_interrupted",
            "updated_at",
        ]
    )
    audio_question_enqueue(question=question)
    return question


@transaction.atomic
def audio_question_upload(*, question: AudioQuestion, audio: UploadedFile) -> AudioQuestion:
    """Use a recording (any audio or video format FFmpeg reads) as the question's prompt.

    The file is checked now and kept as uploaded; the worker converts it to MP3 (the format
    every prompt is played in) and the question is pending until then, as for text to speech.
    The audio it had goes at once, so nobody hears the prompt it replaces."""
    _check_upload(audio)
    tag = f"upload-{uuid.uuid4().hex[:12]}"
    _clear_audio(question)
    if question.audio_source:
        _delete_file_on_commit(question.audio_source.name)
    suffix = Path(audio.name or "").suffix.lower()[:8] or ".bin"
    audio.seek(0)
    question.audio_source.save(f"{question.pk}-{tag}{suffix}", audio, save=False)
    question.audio_type = AudioType.UPLOAD
    question.audio_url = ""
    question.transcription_status = Status.PENDING
    question.failure_reason = ""
    # A hash of its own: any task still queued for the question's earlier audio is now stale.
    question.audio_script_hash = tag
    question.synthesis_interrupted = 0
    question.save()
    audio_question_enqueue(question=question)
    return question


def audio_question_convert(*, question_id: Any, wanted: str) -> AudioQuestion | None:
    """The worker's half of an upload: make the MP3 of the recording kept for ``wanted`` and
    store it, unless a newer upload or edit replaced it. A file FFmpeg cannot turn into sound
    fails the question with the reason; the recording as uploaded is deleted either way."""
    question = _current(question_id, wanted)
    if question is None:
        return None
    if question.transcription_status in (Status.COMPLETED, Status.FAILED):
        return question  # a redelivered task
    if not question.audio_source:
        return audio_question_fail(
            question_id=question_id, wanted=wanted, reason="The uploaded recording was lost."
        )
    AudioQuestion.objects.filter(pk=question.pk, audio_script_hash=wanted).update(
        transcription_status=Status.PROCESSING
    )
    try:
        with question.audio_source.open("rb") as source:
            mp3, _duration = to_mp3(source)
    except (MediaError, OSError) as exc:
        with transaction.atomic():
            failed = audio_question_fail(
                question_id=question_id, wanted=wanted, reason=f"The recording: {exc}"
            )
            if failed is not None:
                _drop_source(failed)
        return failed
    with transaction.atomic():
        question = _current(question_id, wanted, lock=True)
        if question is None:
            return None
        _store(question, mp3, tag=wanted)
        _drop_source(question)
        question.transcription_status = Status.COMPLETED
        question.failure_reason = ""
        question.save(
            update_fields=["audio_file", "audio_source", "transcription_status", "failure_reason"]
        )
        question_audio_generated(question=question)
    return question


def _drop_source(question: AudioQuestion) -> None:
    if question.audio_source:
        _delete_file_on_commit(question.audio_source.name)
        question.audio_source = ""
        AudioQuestion.objects.filter(pk=question.pk).update(audio_source="")


@transaction.atomic
def audio_question_duplicate(*, question: AudioQuestion, by: User | None) -> AudioQuestion:
    """A copy in the same team, titled "… (copy)", with its own copy of the audio file (or its
    own text-to-speech job while the original's audio is still being made)."""
    return question_copy(question=question, team=question.team, by=by, title=copy_title(question))


# --- the text-to-speech job (called by the Celery task) ------------------------------------


def _current(question_id: Any, wanted: str, *, lock: bool = False) -> AudioQuestion | None:
    """The question if ``wanted`` is still the audio it needs; None if a newer edit won."""
    questions = AudioQuestion.objects.select_related("narrator")
    if lock:
        questions = questions.select_for_update(of=("self",))
    question = questions.filter(pk=question_id).first()
    if question is None or question.audio_script_hash != wanted:
        return None
    return question


def audio_question_synthesize(*, question_id: Any, wanted: str) -> AudioQuestion | None:
    """Make the MP3 for hash ``wanted`` and store it, unless a newer edit has replaced it.

    Synthesis runs outside any transaction (it can be slow); the result is saved under a row
    lock after checking the hash again. Raises TransientTTSError for the task to retry; any
    other TTS or media failure marks the question failed. Returns None when stale.
    """
    question = _current(question_id, wanted)
    if question is None:
        return None
    if question.transcription_status == Status.COMPLETED and question.audio_file:
        return question  # already done: a redelivered task
    if question.transcription_status == Status.FAILED:
        return question  # given up on: only a new request (an edit, "Generate") tries again
    if question.transcription_status == Status.PROCESSING:
        # A run that never finished: its worker was killed (out of memory, a restart) and the
        # broker handed the task out again. Count it, so such a script cannot come back forever.
        cut_short = question.synthesis_interrupted + 1
        AudioQuestion.objects.filter(pk=question.pk).update(synthesis_interrupted=cut_short)
        if cut_short >= TTS_MAX_INTERRUPTED:
            return audio_question_fail(
                question_id=question_id,
                wanted=wanted,
                reason=f"Speech synthesis was cut short {cut_short} times (the worker stopped "
                "or ran out of memory); shorten the script or choose another voice.",
            )
    AudioQuestion.objects.filter(pk=question.pk, audio_script_hash=wanted).update(
        transcription_status=Status.PROCESSING
    )
    voice = voice_settings(narrator=question.narrator, language=question.language)
    try:
        wav = get_provider(voice["provider"]).synthesize(
            question.question_script,
            voice=voice["voice"],
            language=voice["language"],
            speed=voice["speed"],
        )
        mp3, _duration = to_mp3(wav)
    except TransientTTSError:
        # Pending again: "processing" at the next start means a run that was cut short.
        AudioQuestion.objects.filter(pk=question.pk, audio_script_hash=wanted).update(
            transcription_status=Status.PENDING
        )
        raise
    except (TTSError, MediaError) as exc:
        return audio_question_fail(question_id=question_id, wanted=wanted, reason=str(exc))
    with transaction.atomic():
        question = _current(question_id, wanted, lock=True)
        if question is None:
            return None
        _store(question, mp3, tag=wanted[:12])
        question.transcription_status = Status.COMPLETED
        question.failure_reason = ""
        question.save(update_fields=["audio_file", "transcription_status", "failure_reason"])
        question_audio_generated(question=question)
    return question


def too_slow_reason(seconds: int) -> str:
    return (
        f"Speech synthesis took longer than {seconds} s and was stopped; shorten the script "
        "or choose a faster voice, then generate the audio again."
    )


@transaction.atomic
def audio_question_fail(*, question_id: Any, wanted: str, reason: str) -> AudioQuestion | None:
    question = _current(question_id, wanted, lock=True)
    if question is None:
        return None
    question.transcription_status = Status.FAILED
    question.failure_reason = clip(reason, limits.REASON) or "The audio could not be made."
    question.save(update_fields=["transcription_status", "failure_reason"])
    question_audio_failed(question=question)
    return question


# --- narrators -----------------------------------------------------------------------------

PREVIEW_CACHE_SECONDS = 24 * 60 * 60

# What a narrator says when previewed, in its language (English when there is none).
PREVIEW_TEXT = {
    "en": "Hello, I'm {name}. Tell me about a project you are proud of, and what you learned.",
    "de": "Hallo, ich bin {name}. Erzählen Sie mir von einem Projekt, auf das Sie stolz sind.",
    "es": "Hola, soy {name}. Cuénteme sobre un proyecto del que se sienta orgulloso.",
    "fr": "Bonjour, je suis {name}. Parlez-moi d'un projet dont vous êtes fier.",
    "it": "Ciao, sono {name}. Mi parli di un progetto di cui è orgoglioso.",
    "nl": "Hallo, ik ben {name}. Vertel me over een project waar u trots op bent.",
    "pt": "Olá, eu sou {name}. Fale-me de um projeto de que se orgulha.",
    "pl": "Dzień dobry, jestem {name}. Proszę opowiedzieć o projekcie, z którego jest Pan dumny.",
    "sv": "Hej, jag heter {name}. Berätta om ett projekt du är stolt över.",
}


def narrator_sample(*, narrator: Narrator) -> bytes:
    """A short sample in the narrator's voice (MP3), cached by everything that changes its
    sound: the narrators page and the API's ``sampleUrl`` play the same one. Raises TTSError
    or MediaError when the voice cannot speak."""
    voice = voice_settings(narrator=narrator, language="")
    text = PREVIEW_TEXT.get(narrator.language.split("-")[0], PREVIEW_TEXT["en"]).format(
        name=narrator.name
    )
    key = (
        "narrator-preview:"
        + hashlib.sha256(json.dumps({**voice, "text": text}, sort_keys=True).encode()).hexdigest()
    )
    mp3 = cache.get(key)
    if mp3 is None:
        wav = get_provider(voice["provider"]).synthesize(
            text, voice=voice["voice"], language=voice["language"], speed=voice["speed"]
        )
        mp3, _duration = to_mp3(wav)
        cache.set(key, mp3, PREVIEW_CACHE_SECONDS)
    return mp3


def _check_narrator_fields(
    *, team: Team, name: str, provider: str, voice: str, speed: float, exclude_pk: Any = None
) -> None:
    if not name:
        raise ValidationError({"name": "Enter a name."})
    if Narrator.objects.filter(team=team, name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": f"This team already has a narrator called “{name}”."})
    if provider not in Narrator.Provider.values:
        raise ValidationError({"provider": "Choose eSpeak NG, Kokoro, Piper or OpenAI-compatible."})
    if not 0.5 <= float(speed) <= 2:
        raise ValidationError({"speed": "Speed must be between 0.5 and 2."})
    engine = get_provider(provider)
    try:
        engine.check()
    except ProviderUnavailable as exc:
        raise ValidationError({"provider": str(exc)}) from exc
    if voice and provider == Narrator.Provider.ESPEAK:
        known = {tag for v in engine.voices() for tag in (v.id, v.language)}
        if voice.lower() not in known:
            raise ValidationError(
                {"voice": f"eSpeak NG has no voice “{voice}”; try a language tag like en-gb."}
            )
    if voice and provider == Narrator.Provider.KOKORO:
        from speech.kokoro import VOICES

        if voice not in VOICES:
            raise ValidationError(
                {"voice": f"Kokoro has no voice “{voice}”; choose one of {', '.join(VOICES)}."}
            )


@transaction.atomic
def narrator_create(
    *,
    team: Team,
    name: str,
    provider: str = Narrator.Provider.ESPEAK,
    voice: str = "",
    language: str = "en",
    speed: float = 1.0,
) -> Narrator:
    name, voice = name.strip(), voice.strip()
    _check_narrator_fields(team=team, name=name, provider=provider, voice=voice, speed=speed)
    return Narrator.objects.create(
        team=team, name=name, provider=provider, voice=voice, language=language, speed=speed
    )


@transaction.atomic
def narrator_update(
    *,
    narrator: Narrator,
    name: str,
    provider: str,
    voice: str,
    language: str,
    speed: float,
) -> Narrator:
    """Change a narrator; when how it sounds changes, its questions' audio is made again."""
    name, voice = name.strip(), voice.strip()
    _check_narrator_fields(
        team=narrator.team,
        name=name,
        provider=provider,
        voice=voice,
        speed=speed,
        exclude_pk=narrator.pk,
    )
    before = voice_settings(narrator=narrator, language="")
    narrator.name, narrator.provider, narrator.voice = name, provider, voice
    narrator.language, narrator.speed = language, speed
    narrator.save()
    narrator.refresh_from_db(fields=["speed"])
    if voice_settings(narrator=narrator, language="") != before:
        questions = AudioQuestion.objects.filter(
            narrator=narrator, archived_at__isnull=True, audio_type=AudioType.TTS
        ).select_related("narrator")
        for question in questions:
            audio_question_request_tts(question=question)
    return narrator


@transaction.atomic
def narrator_delete(*, narrator: Narrator) -> None:
    """Questions it spoke keep their audio; the default voice speaks them when next made."""
    narrator.delete()
