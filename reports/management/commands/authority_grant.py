"""Grant (or end) the regional authority's read-only role: `manage.py authority_grant`."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ethics.models import User
from reports import services


class Command(BaseCommand):
    help = "Grant a user the regional authority's read-only dashboard (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", required=True, help="username of the superuser granting")
        parser.add_argument("--user", help="username of the authority's user")
        parser.add_argument("--name", default="", help="the authority's name")
        parser.add_argument("--region", default="", help="institutions' region (exact)")
        parser.add_argument("--institution", type=int, action="append", default=[])
        parser.add_argument("--end", type=int, help="end the role with this id instead")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["actor"], is_superuser=True).first()
        if actor is None:
            raise CommandError("--actor must be a superuser")
        try:
            if options["end"]:
                scope = services.authority_end(actor=actor, scope_id=options["end"])
            else:
                user = User.objects.filter(username=options["user"] or "").first()
                scope = services.authority_grant(
                    actor=actor,
                    user_id=user.pk if user else 0,
                    name=options["name"],
                    region=options["region"],
                    institution_ids=options["institution"],
                )
        except ValidationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{scope.pk} {scope}")
