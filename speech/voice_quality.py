"""How well a listener understands each narrator voice, by language: the figures
``bench/tts_quality`` measured (the round trip: the voice reads twelve interview prompts, Whisper
base transcribes them back, language forced). One place for them: the question form's warning,
the narrators page, the API, the choice of the default voice and docs/speech.md read them here.

Measured 2026-12-05 with ``.venv/bin/python -m bench.tts_quality`` (2 cores); the table in
docs/speech.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

# The target of issue 20: a listener misses at most 5% of the words.
WER_TARGET = 0.05
# (provider, voice, language): word error rate of the round trip. eSpeak's voice is the
# language's own ("" here); Kokoro's is one of its voice packs.
MEASURED: dict[tuple[str, str, str], float] = {
    ("espeak", "", "en"): 0.082,
    ("espeak", "", "fr"): 0.825,
    ("espeak", "", "es"): 0.300,
    # Kokoro-82M's five voice packs (recorded in Japanese) reading eSpeak's IPA of each language.
    ("kokoro", "jm_kumo", "en"): 0.006,
    ("kokoro", "jf_gongitsune", "en"): 0.006,
    ("kokoro", "jf_nezumi", "en"): 0.018,
    ("kokoro", "jf_tebukuro", "en"): 0.018,
    ("kokoro", "jf_alpha", "en"): 0.023,
    ("kokoro", "jm_kumo", "fr"): 0.266,
    ("kokoro", "jf_gongitsune", "fr"): 0.288,
    ("kokoro", "jf_nezumi", "fr"): 0.305,
    ("kokoro", "jf_tebukuro", "fr"): 0.542,
    ("kokoro", "jf_alpha", "fr"): 0.706,
    ("kokoro", "jf_tebukuro", "es"): 0.019,
    ("kokoro", "jm_kumo", "es"): 0.031,
    ("kokoro", "jf_gongitsune", "es"): 0.031,
    ("kokoro", "jf_nezumi", "es"): 0.038,
    ("kokoro", "jf_alpha", "es"): 0.100,
}
# Engines whose voices may be a default: shipped, offline, licence-clean for an AGPL product
# that companies self-host commercially (docs/speech.md says why each one is).
DEFAULT_ENGINES = ("kokoro", "espeak")


# What may be done with each engine's voices (the inventory, ./panelist models, has the files).
LICENCES = {
    "espeak": "GPL-3.0-or-later (eSpeak NG: rules and dictionaries, no recorded voice)",
    "kokoro": "Apache-2.0 (Kokoro-82M weights and voice packs); trained only on permissive "
    "or non-copyrighted audio, by its card",
    "piper": "The voice file's own: see its model card (dataset licences vary)",
    "openai": "The speech service's terms",
}
TIERS = ("clear", "understandable with effort", "hard to understand", "not measured")


@dataclass(frozen=True)
class VoiceQuality:
    provider: str
    voice: str
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


def _code(language: str) -> str:
    return (language or "en").lower().replace("_", "-").split("-")[0]


def _installed(provider: str) -> bool:
    if provider == "kokoro":
        from speech import kokoro

        return kokoro.package_files() is not None
    return provider == "espeak"  # a dependency of Panelist itself


def clearest_voice(*, provider: str, language: str) -> str:
    """The engine's voice measured clearest in ``language`` ("" when none was measured)."""
    code = _code(language)
    measured = [
        (wer, rank, v)
        for rank, ((p, v, lang), wer) in enumerate(MEASURED.items())
        if p == provider and lang == code
    ]
    return min(measured)[2] if measured else ""


def voice_quality(*, provider: str, language: str, voice: str = "") -> VoiceQuality:
    """The measured quality of ``provider``'s ``voice`` in ``language`` ("fr-FR" counts as
    "fr"); a Kokoro narrator without a voice speaks with the clearest pack of its language."""
    code = _code(language)
    if provider == "espeak":
        voice = ""  # eSpeak's variants share its rules; the figure is the language's
    elif provider == "kokoro" and not voice:
        voice = clearest_voice(provider=provider, language=code)
    return VoiceQuality(
        provider=provider, voice=voice, language=code, wer=MEASURED.get((provider, voice, code))
    )


def default_voice(language: str) -> tuple[str, str]:
    """(provider, voice) of a question without a narrator: ``TTS_DEFAULT_PROVIDER`` when the
    operator set one, else the clearest licence-clean voice installed for the language, by
    measurement; eSpeak NG for a language nothing was measured in."""
    if settings.TTS_DEFAULT_PROVIDER:
        return settings.TTS_DEFAULT_PROVIDER, ""
    code = _code(language)
    measured = [  # a tie goes to the voice listed first
        (wer, rank, provider, voice)
        for rank, ((provider, voice, lang), wer) in enumerate(MEASURED.items())
        if lang == code and provider in DEFAULT_ENGINES and _installed(provider)
    ]
    if not measured:
        return "espeak", ""
    _wer, _rank, provider, voice = min(measured)
    return provider, voice


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
