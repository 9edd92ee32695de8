"""`manage.py sso_link USERNAME PROVIDER SUBJECT`: link an existing account (for example an
officer's, made before single sign-on was switched on) to an identity at the institution's
provider, so that signing in there opens this account (audited as `sso.identity_linked`).
`--unlink` removes the link."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction

from ethics import audit, sso
from ethics.models import ExternalIdentity, User
from ethics.sso_models import Provider


class Command(BaseCommand):
    help = "Link an account to a single sign-on identity (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("provider", choices=[p.value for p in Provider])
        parser.add_argument("subject", help="the provider's stable identifier (sub, entryUUID…)")
        parser.add_argument("--unlink", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no account named {options['username']!r}")
        provider, subject = options["provider"], options["subject"].strip()
        if not subject:
            raise CommandError("the identifier is empty")
        if options["unlink"]:
            with transaction.atomic():
                deleted, _ = ExternalIdentity.objects.filter(
                    user=user, provider=provider, subject=subject
                ).delete()
                if not deleted:
                    raise CommandError("this account has no such identity")
                audit.record(
                    actor=None,
                    action="sso.identity_unlinked",
                    target=user,
                    after={"provider": provider, "subject": subject},
                )
            self.stdout.write(f"unlinked {provider}:{subject} from {user.username}")
            return
        try:
            sso.link(user, provider, subject, actor=None)
        except IntegrityError:
            raise CommandError(f"{provider}:{subject} is already linked to an account") from None
        self.stdout.write(f"linked {provider}:{subject} to {user.username}")
