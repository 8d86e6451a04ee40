import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interviews.counters import interview_counts_recount
from interviews.models import Interview


class Command(BaseCommand):
    help = (
        "Recount the interviews' question and invite counters from their rows and store the "
        "ones that differ; prints how many interviews changed (0 when the counters were right)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interview",
            action="append",
            default=[],
            metavar="ID",
            help="Only this interview (repeat for several); default every interview.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ids = None
        if options["interview"]:
            ids = []
            for value in options["interview"]:
                try:
                    ids.append(uuid.UUID(value))
                except ValueError as exc:
                    raise CommandError(f"Not an interview id: {value!r}.") from exc
            found = set(Interview.objects.filter(pk__in=ids).values_list("pk", flat=True))
            if missing := [str(pk) for pk in ids if pk not in found]:
                raise CommandError(f"No interview {', '.join(missing)}.")
        changed = interview_counts_recount(interview_ids=ids)
        self.stdout.write(f"{changed} interview{'' if changed == 1 else 's'} changed.")
