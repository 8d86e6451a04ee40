"""How well a candidate would understand each voice Panelist can narrate with.

    .venv/bin/python -m bench.tts_quality [--prompts 12] [--voices espeak:en-us,espeak:fr]

Each voice reads the twelve interview prompts of its language (``prompts.py``); the best
multilingual recogniser Panelist ships (Whisper base, the language forced) transcribes them back,
and the bench prints, per voice:

- the round-trip word error rate (WER) over the prompts: the words a listener who hears
  perfectly, but knows nothing of the script, would miss or mishear (punctuation and case
  ignored);
- the real-time factor of the synthesis on this machine (seconds of work per second of speech,
  lower is better);
- memory: what loading the voice and reading the prompts added to a fresh process's peak
  ("voice MB"), and that process's whole peak with Django loaded ("peak MB"); each voice runs in
  a process of its own, so voices do not share memory.

Voices measured: eSpeak NG for English, French and Spanish (the offline default); a Piper voice
when ``PIPER_VOICE_PATH`` names one (its language read from its JSON card). Targets (issue 20):
WER <= 5% and real-time factor <= 0.5.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import unicodedata
from dataclasses import dataclass
from queue import Empty
from typing import Any

import bench.common  # noqa: F401 - sets up Django
from bench.common import load_average
from bench.tts_quality.prompts import PROMPTS
from bench.tts_quality.synth import synthesise_here

WER_TARGET, RTF_TARGET = 0.05, 0.5
# eSpeak NG's voice for each shipped language (the narrator's defaults).
ESPEAK_VOICES = {"en": "en-us", "fr": "fr-fr", "es": "es"}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Voice:
    provider: str  # "espeak" or "piper"
    voice: str  # the provider's voice id
    language: str

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.voice}"


def words(text: str) -> list[str]:
    """Lower-case words without punctuation; an apostrophe splits ("l'équipe" → l, équipe)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def word_errors(reference: list[str], heard: list[str]) -> int:
    """Word-level edit distance (substitutions, deletions, insertions)."""
    row = list(range(len(heard) + 1))
    for i, ref in enumerate(reference, start=1):
        previous, row[0] = row[0], i
        for j, word in enumerate(heard, start=1):
            current = min(row[j] + 1, row[j - 1] + 1, previous + (ref != word))
            previous, row[j] = row[j], current
    return row[-1]


def synthesise(voice: Voice, texts: list[str]) -> tuple[list[bytes], float, float, float]:
    """The voice's WAVs, synthesis seconds and peak memory, from a process of its own."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(
        target=synthesise_here, args=(voice.provider, voice.voice, voice.language, texts, queue)
    )
    process.start()
    while True:
        try:
            result = queue.get(timeout=1)
            break
        except Empty:
            if not process.is_alive():
                raise SystemExit(f"{voice.label}: the synthesis process died") from None
    process.join(60)
    return result


def duration(wav: bytes) -> float:
    import io
    import wave

    with wave.open(io.BytesIO(wav)) as reader:
        return reader.getnframes() / reader.getframerate()


def hear(recogniser: Any, wav: bytes, language: str) -> str:
    """What Whisper base hears, with the pipeline's own settings (speech.stt), for every
    language alike (the pipeline itself uses tiny.en for English)."""
    from speech.stt import decode_audio

    pieces, _info = recogniser.model.transcribe(
        decode_audio(wav), language=language, vad_filter=True, condition_on_previous_text=False
    )
    return " ".join(piece.text.strip() for piece in pieces)


def voices(wanted: list[str]) -> list[Voice]:
    from django.conf import settings

    from speech import kokoro

    found = [Voice("espeak", ESPEAK_VOICES[lang], lang) for lang in PROMPTS]
    if kokoro.package_files() is not None:
        found += [Voice("kokoro", pack, lang) for lang in PROMPTS for pack in kokoro.VOICES]
    if settings.PIPER_VOICE_PATH:
        from speech.tts import get_provider

        try:
            for voice in get_provider("piper").voices():
                if voice.language in PROMPTS:
                    found.append(Voice("piper", voice.id, voice.language))
        except Exception as exc:  # a missing voice is reported, not fatal
            print(f"(Piper voices not measured: {exc})")
    return [v for v in found if not wanted or v.label in wanted]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=12, help="prompts per language (1-12)")
    parser.add_argument("--voices", default="", help="comma-separated provider:voice labels")
    args = parser.parse_args()
    count = max(1, min(12, args.prompts))
    wanted = [v.strip() for v in args.voices.split(",") if v.strip()]

    from speech import stt

    folder = stt._multilingual_folder()
    if folder is None:
        raise SystemExit("Whisper base is not installed: the round trip needs it.")
    recogniser = stt._load(folder)
    print(f"recogniser: Whisper {recogniser.name} (language forced); {load_average()}")
    print(
        f"{'voice':<16} {'lang':<4} {'WER':>6} {'RTF':>6} {'voice MB':>9} {'peak MB':>8}  targets"
    )
    for voice in voices(wanted):
        texts = list(PROMPTS[voice.language][:count])
        wavs, seconds, voice_mb, peak_mb = synthesise(voice, texts)
        spoken = sum(duration(w) for w in wavs)
        errors = total = 0
        for text, wav in zip(texts, wavs, strict=True):
            heard = hear(recogniser, wav, voice.language)
            reference = words(text)
            errors += word_errors(reference, words(heard))
            total += len(reference)
        wer, rtf = errors / total, seconds / spoken
        met = (
            "met"
            if wer <= WER_TARGET and rtf <= RTF_TARGET
            else (f"missed: WER {wer - WER_TARGET:+.1%}" if wer > WER_TARGET else "missed: RTF")
        )
        print(
            f"{voice.label:<16} {voice.language:<4} {wer:>6.1%} {rtf:>6.3f} {voice_mb:>9.0f} "
            f"{peak_mb:>8.0f}  {met}"
        )


if __name__ == "__main__":
    main()
