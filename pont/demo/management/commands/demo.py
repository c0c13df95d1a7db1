"""`pont demo`: load the synthetic Dyfed-Powys demo data (idempotent) and list the personas."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.accounts.otp import demo_tools_enabled
from pont.accounts.roles import Role
from pont.demo.data import DEMO_PASSWORD, ORGANISATIONS, PERSONAS, load_demo


def personas_table() -> str:
    lines = [
        "Demo personas (password for all: " + DEMO_PASSWORD + ")",
        "",
        f"  {'username':<14}{'role':<28}organisation",
        f"  {'-' * 13:<14}{'-' * 27:<28}{'-' * 30}",
    ]
    names = {slug: name for slug, name, *_rest in ORGANISATIONS}
    for persona in PERSONAS:
        lines.append(
            f"  {persona.username:<14}{Role(persona.role).label:<28}{names[persona.organisation]}"
        )
    lines += [
        "",
        "Sign in at http://127.0.0.1:8000/accounts/sign-in with a username and the password.",
        "The second-factor page shows the current code in the demo; or run:",
        "  .venv/bin/pont demo-otp USERNAME",
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Load the synthetic demo data (organisations, one persona per role, people)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet-personas", action="store_true", help="Do not print the personas."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_tools_enabled():
            raise CommandError(
                "Demo data cannot be loaded in this deployment (PONT_DEMO_TOOLS is off)."
            )
        self.stdout.write(
            "Loading the demo data. The first time, it plays out a year of custody drug tests "
            "and of out-of-court disposals with their notices (two or three minutes)...",
        )
        self.stdout.flush()
        created = load_demo()
        summary = (
            "Demo data ready: created {organisations} organisations, {users} users, "
            "{people} people, {services} services, {referrals} referrals, "
            "{drug_tests} drug tests with what followed, "
            "{policeuk_searches} searches from police.uk, {search_samples} search audit samples, "
            "{disposals} out-of-court disposals, {scrutiny_samples} scrutiny panel samples."
        )
        self.stdout.write(summary.format(**created))
        if not options["quiet_personas"]:
            self.stdout.write(personas_table())
