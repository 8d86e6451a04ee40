"""``./panelist voices``: the Piper voices added to this server, and adding one
(``add VOICE.onnx``: its JSON and model card beside it are read and copied too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from speech.voices import VoiceRefused, added_voices, voice_add, voices_folder


class Command(BaseCommand):
    help = "List the Piper voices added to this server, or add one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action")
        add = sub.add_parser("add", help="Add a Piper voice (.onnx with its .onnx.json).")
        add.add_argument("path")
        sub.add_parser("list", help="The voices added so far.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") == "add":
            try:
                card = voice_add(Path(options["path"]))
            except VoiceRefused as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"Added {card.stem} to {voices_folder()}: language {card.language}, dataset "
                f"{card.dataset or 'not stated'}, licence "
                f"{card.licence or 'not stated on its model card: check it before using it'}."
            )
            self.stdout.write(
                "Create a narrator with the Piper engine and this voice; "
                "bench/tts_quality measures how clear it is."
            )
            return
        cards = added_voices()
        if not cards:
            self.stdout.write(f"No voice added yet ({voices_folder()}).")
        for card in cards:
            self.stdout.write(
                f"{card.stem}: {card.language}, dataset {card.dataset or '-'}, "
                f"quality {card.quality or '-'}, licence {card.licence or 'not stated'}"
            )
