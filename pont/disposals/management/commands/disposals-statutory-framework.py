"""`pont disposals-statutory-framework --from DATE --by USERNAME`: start the statutory
two-tier framework (PCSC Act 2022 Part 6) on the day it commences for the force."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.accounts.models import User
from pont.core.exceptions import ApplicationError
from pont.disposals.frameworks import statutory_framework_commence


class Command(BaseCommand):
    help = (
        "End Community Resolution and Conditional Caution the day before DATE and start the "
        "Community Caution and Diversionary Caution on DATE (a system administrator's account)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="day", required=True, help="YYYY-MM-DD")
        parser.add_argument("--by", dest="username", required=True, help="system administrator")

    def handle(self, *args: Any, day: str, username: str, **options: Any) -> None:
        try:
            effective_from = date.fromisoformat(day)
        except ValueError:
            raise CommandError(f"--from: {day!r} is not a date like 2027-04-01.") from None
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"--by: no active user {username!r}.")
        try:
            made = statutory_framework_commence(actor=actor, effective_from=effective_from)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        for row in made:
            self.stdout.write(f"{row.label_en} from {row.effective_from.isoformat()}")
