from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Membership, Role, Team
from api.keys import SCOPES, api_key_create


class Command(BaseCommand):
    help = "Create an API key for a team and print it (alone, on the last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument("--name", default="Command-line key")
        parser.add_argument(
            "--by",
            default="",
            help="Email of the team owner or admin the key acts as (default: its first owner). "
            "The key stops working when they can no longer manage the team.",
        )
        parser.add_argument(
            "--scopes",
            default=",".join(SCOPES),
            help=f"Comma-separated; default all: {', '.join(SCOPES)}.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.select_related("organization").filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with the slug {options['team']!r}.")
        members = Membership.objects.select_related("user").filter(team=team)
        if options["by"]:
            membership = members.filter(user__email__iexact=options["by"]).first()
        else:
            membership = members.filter(role=Role.OWNER).order_by("created_at", "pk").first()
        if membership is None:
            raise CommandError(f"No member {options['by'] or 'owner'} in {team.name}; pass --by.")
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            api_key, raw = api_key_create(
                organization=team.organization,
                team=team,
                name=options["name"],
                scopes=scopes,
                by=membership.user,
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(
            f"Created {api_key.name!r} for {team.name}, acting as {membership.user.email}, "
            f"with scopes {', '.join(api_key.scopes)}."
        )
        self.stdout.write("The key is shown only now; store it safely:")
        self.stdout.write(raw)
