"""``./panelist models``: every model Panelist can load, its licences, size and SHA-256, and
whether its files are the ones recorded (``speech.models``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from speech.models import inventory, trust


class Command(BaseCommand):
    help = "List the models Panelist can load and check their files' SHA-256."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Exit with status 1 when a model file in use is refused or missing.",
        )
        parser.add_argument(
            "--trust",
            metavar="PATH",
            help="Record the current SHA-256 of a model file you supplied and replaced on "
            "purpose (a GGUF file, a Whisper folder's model.bin).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["trust"]:
            path = Path(options["trust"])
            if not path.is_file():
                raise CommandError(f"{path} is not a file.")
            digest = trust(path)
            self.stdout.write(f"Trusted {path.resolve()}: SHA-256 {digest}")
            return
        rows = inventory()
        bad = []
        for row in rows:
            use = "in use" if row.in_use else "not in use"
            self.stdout.write(self.style.MIGRATE_HEADING(f"{row.key}  ({row.purpose}; {use})"))
            self.stdout.write(f"  source        {row.source}")
            self.stdout.write(f"  licence       {row.licence}")
            self.stdout.write(f"  training data {row.data_licence}")
            self.stdout.write(f"  size          {row.size / 1e6:.1f} MB")
            self.stdout.write(f"  SHA-256       {row.sha256 or '-'}")
            self.stdout.write(f"  files         {row.state}")
            if row.in_use and (row.state.startswith("refused") or row.state == "missing"):
                bad.append(row.key)
        if options["check"] and bad:
            raise CommandError(f"Refused or missing: {', '.join(bad)}")
