from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Team
from api.keys import SCOPES, api_key_create


class Command(BaseCommand):
    help = "Create an API key for a team and print it (alone, on the last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument("--name", default="Command-line key")
        parser.add_argument(
            "--scopes",
            default=",".join(SCOPES),
            help=f"Comma-separated; default all: {', '.join(SCOPES)}.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.select_related("organization").filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with the slug {options['team']!r}.")
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            api_key, raw = api_key_create(
                organization=team.organization, team=team, name=options["name"], scopes=scopes
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"Created {api_key.name!r} for {team.name} with scopes {', '.join(api_key.scopes)}."
        )
        self.stdout.write("The key is shown only now; store it safely:")
        self.stdout.write(raw)
