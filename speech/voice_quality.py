"""How well a listener understands each narrator voice, by language: the figures
``bench/tts_quality`` measured (the round trip: the voice reads twelve interview prompts, Whisper
base transcribes them back, language forced). One place for them: the question form's warning,
the narrators page and docs/speech.md read them from here.

Measured 2026-12-04 with ``.venv/bin/python -m bench.tts_quality`` (2 cores).
"""

from __future__ import annotations

from dataclasses import dataclass

# The target of issue 20: a listener misses at most 5% of the words.
WER_TARGET = 0.05
# (provider, language): word error rate of the round trip.
MEASURED: dict[tuple[str, str], float] = {
    ("espeak", "en"): 0.105,
    ("espeak", "fr"): 0.915,
    ("espeak", "es"): 0.319,
}


# What may be done with each engine's voices (the inventory, ./panelist models, has the files).
LICENCES = {
    "espeak": "GPL-3.0-or-later (eSpeak NG: rules and dictionaries, no recorded voice)",
    "piper": "The voice file's own: see its model card (dataset licences vary)",
    "openai": "The speech service's terms",
}
TIERS = ("clear", "understandable with effort", "hard to understand", "not measured")


@dataclass(frozen=True)
class VoiceQuality:
    provider: str
    language: str
    wer: float | None  # None: not measured

    @property
    def meets_target(self) -> bool:
        return self.wer is not None and self.wer <= WER_TARGET

    @property
    def tier(self) -> str:
        """In words a recruiter reads: clear, understandable with effort, hard to understand."""
        if self.wer is None:
            return "not measured"
        if self.wer <= WER_TARGET:
            return "clear"
        if self.wer <= 0.15:
            return "understandable with effort"
        return "hard to understand"

    @property
    def licence(self) -> str:
        return LICENCES.get(self.provider, "")

    @property
    def missed_percent(self) -> int:
        return round(100 * (self.wer or 0))


def voice_quality(*, provider: str, language: str) -> VoiceQuality:
    """The measured quality of ``provider``'s voice in ``language`` ("fr-FR" counts as "fr")."""
    code = (language or "en").lower().replace("_", "-").split("-")[0]
    return VoiceQuality(provider=provider, language=code, wer=MEASURED.get((provider, code)))


def narrator_licence(*, provider: str, voice: str) -> str:
    """What may be done with a narrator's voice: the engine's terms, or, for a Piper voice,
    the licence its model card states (``./panelist voices add`` keeps the card)."""
    if provider != "piper":
        return LICENCES.get(provider, "")
    from speech.tts import PiperProvider, ProviderUnavailable
    from speech.voices import VoiceRefused, voice_card

    try:
        chosen = PiperProvider().voice_file(voice)
    except ProviderUnavailable:
        return LICENCES["piper"]
    if chosen is None:
        return LICENCES["piper"]
    try:
        return voice_card(chosen).licence or "Not stated on its model card: check it before use"
    except VoiceRefused:
        return LICENCES["piper"]
