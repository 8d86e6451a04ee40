"""Set up an organization and its first team from the command line (the welcome page's action,
for whoever installs Panelist): ``manage.py organization_setup "Acme" --owner ana@acme.test``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import organization_setup


class Command(BaseCommand):
    help = "Create an organization with its first team; the owner is an existing user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The organization's name.")
        parser.add_argument("--team", default="Recruiting", help="The first team's name.")
        parser.add_argument("--owner", required=True, help="The email of the user who owns it.")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = User.objects.filter(email__iexact=options["owner"].strip()).first()
        if owner is None:
            raise CommandError(
                f"--owner: no user with the email {options['owner']} (create one with "
                "`manage.py createsuperuser`, or let them sign in first)."
            )
        try:
            organization, team = organization_setup(
                name=options["name"], team_name=options["team"], by=owner
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{'--team' if field == 'team' else 'name'}: {' '.join(messages)}"
                for field, messages in exc.message_dict.items()
            )
            raise CommandError(problems) from exc
        self.stdout.write(
            f"Created {organization.name} with the team {team.name}; {owner.email} owns it."
        )
