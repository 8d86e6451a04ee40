"""Speech and evaluation throughput of the default (offline) providers.

    .venv/bin/python -m bench.speech [--rounds 3] [--scale 1.0]

- text to speech: eSpeak NG characters per second of synthesis;
- speech to text: faster-whisper (tiny.en, int8, WHISPER_THREADS) real-time factor, i.e.
  seconds of work per second of audio, on a spoken WAV made with the TTS (lower is better);
- evaluation: the offline evaluator's evaluations per second of a three-criterion rubric.

Models load before timing starts (their load time is printed apart). ``--scale`` shrinks the
work for a smoke run. Every figure is the median of ``--rounds`` runs.
"""

from __future__ import annotations

import argparse
import io
import time
import wave
from typing import Any

from bench.common import load_average, median_of

SCRIPT = (
    "Tell me about a time you had to learn a new technology quickly. What did you do first, "
    "who did you ask for help, and how did you know that you had understood it well enough "
    "to use it in production? Describe the result and what you would do differently next time."
)
ANSWER = (
    "Last year our team moved the billing service from a cron job to a queue. I read the "
    "documentation over a weekend and built a small prototype. I asked the platform team to "
    "review it, then we ran both systems side by side for two weeks. We cut failed payments "
    "by a third. Next time I would write the load tests first."
)


def _seconds(wav_bytes: bytes) -> float:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        return wav.getnframes() / wav.getframerate()


def tts_chars_per_second(scale: float) -> tuple[float, bytes]:
    from speech.tts import get_provider

    provider = get_provider("espeak")
    text = " ".join([SCRIPT] * max(1, round(4 * scale)))
    began = time.perf_counter()
    wav = provider.synthesize(text, voice="en-us", language="en", speed=1.0)
    return len(text) / (time.perf_counter() - began), wav


def stt_real_time_factor(wav: bytes) -> tuple[float, str]:
    from speech.stt import get_transcriber

    transcriber = get_transcriber("whisper")
    began = time.perf_counter()
    transcript = transcriber.transcribe(wav, language="en")
    return (time.perf_counter() - began) / _seconds(wav), transcript.text


def evaluation_request() -> Any:
    from speech.evaluation import Criterion, EvaluationRequest

    return EvaluationRequest(
        question=SCRIPT,
        answer=ANSWER,
        criteria=(
            Criterion("learning", "Learning", "Learns quickly from documents and people."),
            Criterion("impact", "Impact", "Names a measurable result of the work."),
            Criterion("reflection", "Reflection", "Says what they would do differently."),
        ),
        keywords=("queue", "prototype", "load tests"),
    )


def evaluations_per_second(count: int) -> float:
    from speech.evaluation import get_evaluator

    evaluator = get_evaluator("offline")
    request = evaluation_request()
    began = time.perf_counter()
    for _ in range(count):
        evaluator.evaluate(request)
    return count / (time.perf_counter() - began)


def main(argv: list[str] | None = None) -> dict[str, float]:
    from django.conf import settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    print(f"{load_average()}; WHISPER_THREADS={settings.WHISPER_THREADS}")

    began = time.perf_counter()
    _, wav = tts_chars_per_second(0.25)
    print(f"eSpeak NG loaded in {time.perf_counter() - began:.2f} s")
    tts, tts_runs = median_of(args.rounds, lambda: tts_chars_per_second(args.scale)[0])
    print(f"TTS (espeak): {tts:,.0f} characters/s  runs {[round(r) for r in tts_runs]}")

    _, wav = tts_chars_per_second(args.scale)
    audio = _seconds(wav)
    began = time.perf_counter()
    stt_real_time_factor(wav[: len(wav) // 8])  # loads the model
    print(f"Whisper loaded in {time.perf_counter() - began:.2f} s; test audio {audio:.1f} s")
    rtfs = []
    text = ""
    for _ in range(args.rounds):
        rtf, text = stt_real_time_factor(wav)
        rtfs.append(rtf)
    rtfs.sort()
    stt = rtfs[len(rtfs) // 2]
    print(
        f"STT (whisper): real-time factor {stt:.3f} ({1 / stt:.1f}x faster than real time)"
        f"  runs {[round(r, 3) for r in rtfs]}"
    )
    print(f"  heard: {text[:100]}…")

    began = time.perf_counter()
    evaluations_per_second(1)
    print(f"evaluator model loaded in {time.perf_counter() - began:.2f} s")
    count = max(2, round(30 * args.scale))
    evals, eval_runs = median_of(args.rounds, lambda: evaluations_per_second(count))
    print(
        f"evaluations (offline, 3 criteria): {evals:.1f}/s  runs {[round(r, 1) for r in eval_runs]}"
    )
    return {"tts_chars_per_second": tts, "stt_rtf": stt, "evaluations_per_second": evals}


if __name__ == "__main__":
    main()
